// Flush policies, group commit and storage errors (offline partitions), on the MemoryFs.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock } from '../testing/manual-clock.ts'
import { PartitionLog, type AppendResult } from './partition-log.ts'
import { T0, batchOf, memoryFs, openLog, valuesOf } from './test-kit.ts'

const LOG_FILE = '/data/topic-0/00000000000000000000.log'

/** A MemoryFs whose fsyncs, once `hold()` is called, wait until the test releases them. */
async function heldSyncFs() {
  const held: Array<() => void> = []
  let holding = false
  const fs = await memoryFs({
    syncLatency: () => new Promise<void>((resolve) => (holding ? held.push(resolve) : setImmediate(resolve))),
  })
  const releaseAll = (): void => {
    for (const release of held.splice(0)) release()
  }
  /** Stops holding and lets everything through (before close). */
  const stop = (): void => {
    holding = false
    releaseAll()
  }
  return { fs, held, releaseAll, hold: () => { holding = true }, stop }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('flush=always with group commit', () => {
  it('covers many concurrent appends with far fewer fsyncs than appends', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { flush: 'always' })
    const before = fs.syncCount(LOG_FILE)
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(batchOf([`v${i}`]))))
    const fsyncs = fs.syncCount(LOG_FILE) - before
    assert.deepEqual(results.map((r) => r.baseOffset), [...Array(500).keys()])
    assert.ok(fsyncs >= 1 && fsyncs <= 5, `500 appends took ${fsyncs} fsyncs`)
    await log.close()
  })

  it('queues appends that arrive during an fsync and covers them all with the next one', async () => {
    const { fs, held, releaseAll, hold, stop } = await heldSyncFs()
    const log = await openLog(fs, { flush: 'always' })
    hold()
    const first = log.append(batchOf(['first']))
    while (held.length === 0) await turn() // the first fsync is now running
    const later: Promise<AppendResult>[] = []
    for (let i = 0; i < 50; i++) {
      later.push(log.append(batchOf([`later-${i}`])))
      await turn()
    }
    assert.equal(held.length, 1, 'no second fsync starts while the first runs')
    const highWatermark = (): number => log.highWatermark
    assert.equal(highWatermark(), 0, 'nothing is visible before its fsync')
    releaseAll()
    await first
    assert.equal(highWatermark(), 1)
    const heldCount = (): number => held.length
    while (heldCount() === 0) await turn()
    assert.equal(heldCount(), 1)
    releaseAll()
    const results = await Promise.all(later)
    assert.equal(results[49]?.lastOffset, 50)
    assert.equal(highWatermark(), 51)
    assert.equal(fs.syncCount(LOG_FILE), 2)
    stop()
    await log.close()
  })

  it('keeps unflushed appends invisible to readers and long polls until durable', async () => {
    const { fs, held, releaseAll, hold, stop } = await heldSyncFs()
    const log = await openLog(fs, { flush: 'always' })
    hold()
    const polled = log.waitForAppend(0, 60_000)
    const appended = log.append(batchOf(['a']))
    while (held.length === 0) await turn()
    assert.equal(log.logEndOffset, 1)
    assert.equal(log.highWatermark, 0)
    assert.equal((await log.read(0, 100)).records.length, 0)
    releaseAll()
    assert.equal((await appended).baseOffset, 0)
    assert.equal(await polled, true)
    assert.equal((await log.read(0, 100)).records.length > 0, true)
    stop()
    await log.close()
  })

  it('makes a new segment durable in its directory before acknowledging data in it', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { flush: 'always', segmentBytes: 200 })
    for (let i = 0; i < 6; i++) await log.append(batchOf(['x'.repeat(80)]))
    assert.ok(log.describe().segmentBaseOffsets.length >= 3)
    const after = fs.crash({ mode: 'drop-unsynced' })
    const reopened = await openLog(after, { flush: 'always', segmentBytes: 200 })
    assert.equal((await valuesOf(reopened)).length, 6)
    await reopened.close()
  })
})

describe('flush=interval and flush=none', () => {
  it('interval: acknowledges at once and fsyncs every flushIntervalMs', async () => {
    const fs = await memoryFs()
    const clock = new ManualClock(T0)
    const log = await openLog(fs, { flush: 'interval', flushIntervalMs: 1000 }, clock)
    await log.append(batchOf(['a']))
    assert.equal(log.highWatermark, 1)
    assert.ok(fs.unsyncedBytes(LOG_FILE) > 0)
    clock.advance(1000)
    for (let i = 0; i < 10 && fs.unsyncedBytes(LOG_FILE) > 0; i++) await turn()
    assert.equal(fs.unsyncedBytes(LOG_FILE), 0)
    await log.close()
  })

  it('none: never fsyncs on append, but a checkpoint and close do', async () => {
    const fs = await memoryFs()
    const clock = new ManualClock(T0)
    const log = await openLog(fs, { flush: 'none', checkpointIntervalMs: 10_000 }, clock)
    await log.append(batchOf(['a']))
    await log.append(batchOf(['b']))
    assert.equal(fs.syncCount(LOG_FILE), 0)
    clock.advance(10_000)
    for (let i = 0; i < 50 && fs.syncCount(LOG_FILE) === 0; i++) await turn()
    assert.equal(fs.syncCount(LOG_FILE), 1)
    await log.close()
    assert.equal(fs.unsyncedBytes(LOG_FILE), 0)
  })
})

describe('storage errors take the partition offline', () => {
  it('EIO on write: the append fails with KAFKA_STORAGE_ERROR naming the path, then every call does', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs)
    await log.append(batchOf(['ok']))
    fs.injectFault({ op: 'write', path: LOG_FILE, code: 'EIO' })
    await assert.rejects(log.append(batchOf(['lost'])), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'KAFKA_STORAGE_ERROR')
      assert.match(error.message, /00000000000000000000\.log/)
      assert.match(error.message, /EIO/)
      return true
    })
    assert.equal(log.isOffline, true)
    await assert.rejects(log.append(batchOf(['more'])), { code: 'KAFKA_STORAGE_ERROR' })
    await assert.rejects(log.read(0, 100), { code: 'KAFKA_STORAGE_ERROR' })
    await assert.rejects(log.offsetForTimestamp(0), { code: 'KAFKA_STORAGE_ERROR' })
    assert.equal(await log.waitForAppend(5, 1000), false)
    await log.close()
  })

  it('ENOSPC on fsync under flush=always fails the waiting appends; another log on the same Fs goes on', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { flush: 'always' })
    const other = await PartitionLog.open({ fs, dir: '/data/other-0', clock: new ManualClock(T0), config: { flush: 'always' } })
    await log.append(batchOf(['a']))
    fs.injectFault({ op: 'sync', path: LOG_FILE, code: 'ENOSPC' })
    const pending = [log.append(batchOf(['b'])), log.append(batchOf(['c']))]
    for (const p of pending) await assert.rejects(p, { code: 'KAFKA_STORAGE_ERROR', message: /ENOSPC/ })
    assert.equal(log.isOffline, true)
    assert.equal(log.highWatermark, 1)
    assert.equal((await other.append(batchOf(['fine']))).baseOffset, 0)
    assert.deepEqual(await valuesOf(other), ['fine'])
    await other.close()
    await log.close()
  })

  it('EIO on read takes the log offline; a failing roll does too', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs)
    await log.append(batchOf(['a']))
    fs.injectFault({ op: 'read', path: LOG_FILE, code: 'EIO' })
    await assert.rejects(log.read(0, 100), { code: 'KAFKA_STORAGE_ERROR', message: /reading/ })
    assert.equal(log.isOffline, true)
    await log.close()

    const log2 = await PartitionLog.open({ fs, dir: '/data/roll-0', clock: new ManualClock(T0), config: { segmentBytes: 100 } })
    await log2.append(batchOf(['x'.repeat(60)]))
    fs.injectFault({ op: 'open', path: /roll-0\/\d+\.log$/, code: 'ENOSPC' })
    await assert.rejects(log2.append(batchOf(['y'.repeat(60)])), { code: 'KAFKA_STORAGE_ERROR', message: /ENOSPC/ })
    assert.equal(log2.isOffline, true)
    await log2.close()
  })

  it('a storage error in a background checkpoint takes the log offline without throwing anywhere', async () => {
    const fs = await memoryFs()
    const clock = new ManualClock(T0)
    const log = await openLog(fs, { checkpointIntervalMs: 1000 }, clock)
    await log.append(batchOf(['a']))
    fs.injectFault({ op: 'sync', path: LOG_FILE, code: 'EIO', times: Infinity })
    clock.advance(1000)
    for (let i = 0; i < 50 && !log.isOffline; i++) await turn()
    assert.equal(log.isOffline, true)
    assert.match(log.describe().offlineError?.message ?? '', /EIO/)
    await log.close()
  })
})
