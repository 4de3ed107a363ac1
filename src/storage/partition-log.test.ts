import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { baseOffset, lastOffset } from '../protocol/records/batch-header.ts'
import { forEachBatch } from '../protocol/records/record-batch-reader.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import { T0, batchOf, memoryFs, openLog, readAll, valuesOf } from './test-kit.ts'

describe('PartitionLog append and read', () => {
  it('assigns consecutive offsets and reads the records back in order', async () => {
    const log = await openLog(await memoryFs())
    const a = await log.append(batchOf(['a', 'b', 'c']))
    const b = await log.append(batchOf(['d']))
    assert.deepEqual([a.baseOffset, a.lastOffset, b.baseOffset, b.lastOffset], [0, 2, 3, 3])
    assert.equal(a.logAppendTime, -1)
    assert.equal(log.logEndOffset, 4)
    assert.equal(log.highWatermark, 4)
    assert.deepEqual(await valuesOf(log), ['a', 'b', 'c', 'd'])
    await log.close()
  })

  it('appends several batches given in one buffer with one call, patching each base offset in place', async () => {
    const log = await openLog(await memoryFs())
    await log.append(batchOf(['x']))
    const two = Buffer.concat([batchOf(['a', 'b']), batchOf(['c'])])
    const result = await log.append(two)
    assert.deepEqual([result.baseOffset, result.lastOffset], [1, 3])
    const positions: number[] = []
    forEachBatch(two, (pos) => positions.push(baseOffset(two, pos)))
    assert.deepEqual(positions, [1, 3])
    assert.deepEqual(await valuesOf(log), ['x', 'a', 'b', 'c'])
    await log.close()
  })

  it('returns whole batches: a read in the middle of a batch starts at that batch', async () => {
    const log = await openLog(await memoryFs())
    await log.append(batchOf(['a', 'b', 'c']))
    await log.append(batchOf(['d', 'e']))
    const { records, highWatermark, logStartOffset } = await log.read(4, 1 << 20)
    assert.equal(baseOffset(records, 0), 3)
    assert.equal(lastOffset(records, 0), 4)
    assert.equal(highWatermark, 5)
    assert.equal(logStartOffset, 0)
    assert.equal((await log.read(5, 100)).records.length, 0)
    await log.close()
  })

  it('returns at least one batch even when it is larger than maxBytes, and no more than maxBytes after it', async () => {
    const log = await openLog(await memoryFs())
    const big = 'x'.repeat(3000)
    await log.append(batchOf([big]))
    await log.append(batchOf(['small']))
    await log.append(batchOf(['small2']))
    const first = await log.read(0, 10)
    let count = 0
    forEachBatch(first.records, () => count++)
    assert.equal(count, 1)
    const second = await log.read(1, 10_000)
    count = 0
    forEachBatch(second.records, () => count++)
    assert.equal(count, 2)
    await log.close()
  })

  it('rejects reads outside [log start, log end] with OFFSET_OUT_OF_RANGE', async () => {
    const log = await openLog(await memoryFs())
    await log.append(batchOf(['a']))
    await assert.rejects(log.read(2, 100), { code: 'OFFSET_OUT_OF_RANGE' })
    await assert.rejects(log.read(-1, 100), { code: 'OFFSET_OUT_OF_RANGE' })
    await log.close()
  })

  it('rejects a batch with a bad CRC, a truncated batch and an oversized batch, writing nothing', async () => {
    const log = await openLog(await memoryFs(), { maxMessageBytes: 200 })
    const bad = batchOf(['a'])
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1
    await assert.rejects(log.append(bad), { code: 'CORRUPT_MESSAGE' })
    await assert.rejects(log.append(batchOf(['a']).subarray(0, 40)), { code: 'CORRUPT_MESSAGE' })
    await assert.rejects(log.append(batchOf(['y'.repeat(300)])), { code: 'MESSAGE_TOO_LARGE' })
    await assert.rejects(log.append(Buffer.concat([batchOf(['ok']), bad])), { code: 'CORRUPT_MESSAGE' })
    await assert.rejects(log.append(Buffer.alloc(0)), { code: 'CORRUPT_MESSAGE' })
    assert.equal(log.logEndOffset, 0)
    await log.close()
  })

  it('finds any offset through the sparse index across many batches and segments', async () => {
    const log = await openLog(await memoryFs(), { segmentBytes: 5_000, indexIntervalBytes: 256 })
    for (let i = 0; i < 300; i++) await log.append(batchOf([`v${i}-a`, `v${i}-b`]))
    assert.ok(log.describe().segmentBaseOffsets.length > 3, `expected several segments, got ${log.describe().segmentBaseOffsets.length}`)
    for (const offset of [0, 1, 2, 199, 200, 333, 598, 599]) {
      const { records } = await log.read(offset, 1)
      const base = baseOffset(records, 0)
      assert.ok(base <= offset && lastOffset(records, 0) >= offset, `read ${offset} got batch ${base}`)
    }
    const all = await readAll(log)
    assert.equal(all.length, 600)
    assert.deepEqual(all.map((r) => r.offset), [...Array(600).keys()])
    await log.close()
  })
})

describe('PartitionLog segments', () => {
  it('rolls a new segment when the active one would pass segment.bytes', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { segmentBytes: 500 })
    for (let i = 0; i < 10; i++) await log.append(batchOf(['x'.repeat(100)]))
    assert.ok(log.describe().segmentBaseOffsets.length >= 4)
    const names = await fs.readdir('/data/topic-0')
    assert.ok(names.includes('00000000000000000000.log'))
    assert.ok(names.some((n) => /^\d{20}\.log$/.test(n) && n !== '00000000000000000000.log'))
    assert.equal((await valuesOf(log)).length, 10)
    await log.close()
    assert.ok((await fs.readdir('/data/topic-0')).includes('00000000000000000000.index'))
  })

  it('rolls by age once segment.ms has passed since the segment first took data', async () => {
    const clock = new ManualClock(T0)
    const log = await openLog(await memoryFs(), { segmentMs: 60_000 }, clock)
    await log.append(batchOf(['a']))
    clock.advance(30_000)
    await log.append(batchOf(['b']))
    assert.equal(log.describe().segmentBaseOffsets.length, 1)
    clock.advance(30_000)
    await log.append(batchOf(['c']))
    assert.equal(log.describe().segmentBaseOffsets.length, 2)
    assert.deepEqual(await valuesOf(log), ['a', 'b', 'c'])
    await log.close()
  })

  it('finds the first batch at or after a timestamp through the time index, or null', async () => {
    const log = await openLog(await memoryFs(), { segmentBytes: 2000, indexIntervalBytes: 100 })
    for (let i = 0; i < 50; i++) await log.append(batchOf([{ key: null, value: `v${i}`, timestamp: T0 + i * 1000 }]))
    assert.equal(await log.offsetForTimestamp(T0), 0)
    assert.equal(await log.offsetForTimestamp(T0 + 17_000), 17)
    assert.equal(await log.offsetForTimestamp(T0 + 17_500), 18)
    assert.equal(await log.offsetForTimestamp(T0 + 49_000), 49)
    assert.equal(await log.offsetForTimestamp(T0 + 49_001), null)
    await log.close()
  })

  it('keeps data, indexes and offsets across a clean close and reopen', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { segmentBytes: 1000 })
    for (let i = 0; i < 40; i++) await log.append(batchOf([`r${i}`]))
    await log.close()
    const again = await openLog(fs, { segmentBytes: 1000 })
    assert.equal(again.recovery.cleanShutdown, true)
    assert.equal(again.recovery.segmentsScanned, 0)
    assert.equal(again.recovery.indexesRebuilt, 0)
    assert.equal(again.logEndOffset, 40)
    const next = await again.append(batchOf(['after']))
    assert.equal(next.baseOffset, 40)
    assert.equal((await valuesOf(again)).length, 41)
    await again.close()
  })
})

describe('PartitionLog long poll', () => {
  it('resolves waitForAppend when data arrives, and on timeout or abort without it', async () => {
    const clock = new ManualClock(T0)
    const log = await openLog(await memoryFs(), {}, clock)
    const waiting = log.waitForAppend(0, 5000)
    await log.append(batchOf(['a']))
    assert.equal(await waiting, true)
    assert.equal(await log.waitForAppend(0, 5000), true)
    const timing = log.waitForAppend(1, 5000)
    clock.advance(5000)
    assert.equal(await timing, false)
    const controller = new AbortController()
    const aborted = log.waitForAppend(1, 5000, controller.signal)
    controller.abort()
    assert.equal(await aborted, false)
    const closing = log.waitForAppend(1, 5000)
    await log.close()
    assert.equal(await closing, false)
  })

  it('rejects calls after close with CLOSED', async () => {
    const log = await openLog(await memoryFs())
    await log.close()
    await assert.rejects(log.append(batchOf(['a'])), { code: 'CLOSED' })
    await assert.rejects(log.read(0, 10), { code: 'CLOSED' })
  })
})
