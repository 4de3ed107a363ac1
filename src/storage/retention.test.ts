import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock } from '../testing/manual-clock.ts'
import { T0, batchOf, memoryFs, openLog, readAll } from './test-kit.ts'

const DIR = '/data/topic-0'
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Ten segments of 3 batches each, the batches of segment i stamped T0 + i hours. */
async function tenSegments(config: Record<string, unknown> = {}) {
  const fs = await memoryFs()
  const clock = new ManualClock(T0)
  const log = await openLog(fs, { segmentBytes: 250, retentionCheckIntervalMs: 1_000_000_000, ...config }, clock)
  for (let i = 0; i < 30; i++) await log.append(batchOf([{ key: null, value: `v${i}`, timestamp: T0 + Math.floor(i / 3) * 3_600_000 }]))
  assert.equal(log.describe().segmentBaseOffsets.length, 10)
  return { fs, clock, log }
}

describe('retention', () => {
  it('deletes whole segments whose largest timestamp is older than retention.ms, oldest first', async () => {
    const { fs, clock, log } = await tenSegments({ retentionMs: 5 * 3_600_000 })
    clock.set(T0 + 8 * 3_600_000)
    assert.equal(await log.enforceRetention(), 3) // stamped 0, 1 and 2 hours; 3 hours is exactly 5 hours old
    assert.equal(log.logStartOffset, 9)
    await assert.rejects(log.read(8, 100), { code: 'OFFSET_OUT_OF_RANGE' })
    assert.equal((await readAll(log))[0]?.value, 'v9')
    const names = await fs.readdir(DIR)
    assert.equal(names.includes('00000000000000000000.log'), false)
    assert.equal(names.includes('00000000000000000000.index'), false)
    assert.equal(names.includes('00000000000000000009.log'), true)
    await log.close()
  })

  it('expires the active segment too once all of it is old: the log rolls an empty one first, as Kafka does', async () => {
    const { clock, log } = await tenSegments({ retentionMs: 1000 })
    clock.set(T0 + 100 * 3_600_000)
    assert.equal(await log.enforceRetention(), 10)
    assert.deepEqual(log.describe().segmentBaseOffsets, [30])
    assert.equal(log.logStartOffset, 30)
    assert.equal(log.logEndOffset, 30)
    assert.deepEqual(await readAll(log), [])
    // Nothing left to expire: an empty active segment is never rolled again.
    assert.equal(await log.enforceRetention(), 0)
    assert.deepEqual(log.describe().segmentBaseOffsets, [30])
    // The log goes on at the same offsets.
    assert.equal((await log.append(batchOf([{ key: null, value: 'next', timestamp: clock.now() }]))).baseOffset, 30)
    assert.equal(await log.enforceRetention(), 0, 'a young active segment stays')
    await log.close()
  })

  it('keeps the active segment while it holds a record younger than retention.ms', async () => {
    const { clock, log } = await tenSegments({ retentionMs: 5 * 3_600_000 })
    clock.set(T0 + 12 * 3_600_000) // the last segment (9 hours) is 3 hours old
    assert.equal(await log.enforceRetention(), 7)
    assert.deepEqual((await readAll(log)).map((r) => r.value), ['v21', 'v22', 'v23', 'v24', 'v25', 'v26', 'v27', 'v28', 'v29'])
    await log.close()
  })

  it('deletes the oldest segments while the log is larger than retention.bytes', async () => {
    const { log } = await tenSegments({ retentionMs: -1 })
    const retentionBytes = Math.floor(log.describe().sizeBytes * 0.45)
    log.updateConfig({ retentionBytes })
    const deleted = await log.enforceRetention()
    // Kafka's rule: delete a segment only if the log stays at least retention.bytes without it.
    assert.ok(deleted >= 4, `deleted ${deleted}`)
    assert.ok(log.describe().sizeBytes >= retentionBytes)
    const { records } = await log.read(log.logStartOffset, 10_000)
    assert.ok(log.describe().sizeBytes - records.length < retentionBytes, 'one more segment would have gone below the limit')
    assert.equal(log.logStartOffset, deleted * 3)
    await log.close()
  })

  it('runs on its timer, and not at all by time or size under cleanup.policy=compact', async () => {
    const { clock, log } = await tenSegments({ retentionMs: 1000, retentionCheckIntervalMs: 1000 })
    clock.set(T0 + 100 * 3_600_000)
    for (let i = 0; i < 50 && log.describe().segmentBaseOffsets.length > 1; i++) await turn()
    assert.equal(log.describe().segmentBaseOffsets.length, 1)
    await log.close()

    const compacted = await tenSegments({ retentionMs: 1000, retentionBytes: 10, cleanupPolicy: 'compact' })
    compacted.clock.set(T0 + 100 * 3_600_000)
    assert.equal(await compacted.log.enforceRetention(), 0)
    await compacted.log.close()
  })

  it('deleteRecordsBefore moves the log start offset, deletes segments below it, and survives a restart', async () => {
    const { fs, log } = await tenSegments({ retentionMs: -1 })
    assert.equal(await log.deleteRecordsBefore(10), 10)
    assert.equal(log.logStartOffset, 10)
    assert.equal(log.describe().segmentBaseOffsets.length, 7)
    await assert.rejects(log.read(9, 100), { code: 'OFFSET_OUT_OF_RANGE' })
    const { records } = await log.read(10, 100) // the batch holding 10 starts at 9: whole batches are returned
    assert.ok(records.length > 0)
    assert.equal((await readAll(log))[0]?.offset, 10)
    await assert.rejects(log.deleteRecordsBefore(31), { code: 'OFFSET_OUT_OF_RANGE' })
    assert.equal(await log.deleteRecordsBefore(5), 10)
    const crashed = fs.crash({ mode: 'drop-unsynced' })
    const reopened = await openLog(crashed, { segmentBytes: 250 })
    assert.equal(reopened.logStartOffset, 10)
    assert.equal(reopened.logEndOffset, 30)
    await reopened.close()
  })
})
