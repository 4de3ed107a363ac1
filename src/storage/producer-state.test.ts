import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock } from '../testing/manual-clock.ts'
import { ProducerState, lastSequenceOf, type PendingSequences, type ProducerBatch } from './producer-state.ts'
import { T0, batchOf, memoryFs, openLog, valuesOf } from './test-kit.ts'

const INT32_MAX = 0x7fffffff

function idempotent(values: string[], producerId: number, epoch: number, baseSequence: number): Buffer {
  return batchOf(values, { producerId, producerEpoch: epoch, baseSequence })
}

function batch(producerId: number, epoch: number, baseSequence: number, records = 1): ProducerBatch {
  return { producerId, epoch, baseSequence, lastOffsetDelta: records - 1, isControl: false }
}

describe('ProducerState rules', () => {
  it('wraps sequences at 2^31-1 like the Java producer', () => {
    assert.equal(lastSequenceOf(5, 2), 7)
    assert.equal(lastSequenceOf(INT32_MAX, 0), INT32_MAX)
    assert.equal(lastSequenceOf(INT32_MAX - 1, 3), 1)
    const state = new ProducerState()
    state.update(batch(1, 0, INT32_MAX - 1, 2), 0, 1, T0)
    assert.equal(state.check(batch(1, 0, 0, 3), new Map()), null)
  })

  it('accepts an unknown producer at any sequence (KIP-360: its state may have been removed)', () => {
    const state = new ProducerState()
    assert.equal(state.check(batch(9, 3, 1234), new Map()), null)
  })

  it('requires a new epoch to start at sequence 0 and refuses an older epoch', () => {
    const state = new ProducerState()
    state.update(batch(1, 2, 0, 5), 0, 4, T0)
    assert.throws(() => state.check(batch(1, 3, 5), new Map()), { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    assert.equal(state.check(batch(1, 3, 0), new Map()), null)
    assert.throws(() => state.check(batch(1, 1, 5), new Map()), { code: 'INVALID_PRODUCER_EPOCH' })
  })

  it('remembers only the last five batches for duplicate detection', () => {
    const state = new ProducerState()
    for (let i = 0; i < 7; i++) state.update(batch(1, 0, i * 2, 2), i * 2, i * 2 + 1, T0)
    assert.throws(() => state.check(batch(1, 0, 0, 2), new Map()), { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    assert.deepEqual(state.check(batch(1, 0, 4, 2), new Map()), { firstSequence: 4, lastSequence: 5, firstOffset: 4, lastOffset: 5, maxTimestamp: T0 })
  })

  it('checks later batches of one append against the earlier ones', () => {
    const state = new ProducerState()
    state.update(batch(1, 0, 0, 1), 0, 0, T0)
    const pending: PendingSequences = new Map()
    assert.equal(state.check(batch(1, 0, 1, 2), pending), null)
    assert.equal(state.check(batch(1, 0, 3, 1), pending), null)
    assert.throws(() => state.check(batch(1, 0, 3, 1), pending), { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
  })

  it('round-trips through a snapshot and refuses a damaged one', () => {
    const state = new ProducerState()
    state.update(batch(1, 0, 0, 3), 10, 12, T0)
    state.update(batch(2, 4, 7, 1), 13, 13, T0 + 5)
    const bytes = state.serialize(14)
    const loaded = new ProducerState()
    assert.equal(loaded.load(bytes), 14)
    assert.deepEqual(loaded.entry(2), state.entry(2))
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 1
    assert.equal(new ProducerState().load(bytes), null)
  })

  it('forgets producers after producer.id.expiration.ms', () => {
    const state = new ProducerState()
    state.update(batch(1, 0, 0), 0, 0, T0)
    state.update(batch(2, 0, 0), 1, 1, T0 + 1000)
    assert.equal(state.removeExpired(T0 + 1500, 1000), 1)
    assert.equal(state.entry(1), undefined)
    assert.notEqual(state.entry(2), undefined)
  })
})

describe('idempotent appends', () => {
  it('answers a retried batch (lost acknowledgement) with the original offsets and writes nothing', async () => {
    const log = await openLog(await memoryFs())
    const first = await log.append(idempotent(['a', 'b'], 7, 0, 0))
    await log.append(batchOf(['other']))
    const retry = await log.append(idempotent(['a', 'b'], 7, 0, 0))
    assert.deepEqual(retry, { ...first, duplicate: true })
    assert.equal(log.logEndOffset, 3)
    assert.deepEqual(await valuesOf(log), ['a', 'b', 'other'])
    await log.close()
  })

  it('refuses gaps, old epochs and a new epoch not starting at 0, writing nothing', async () => {
    const log = await openLog(await memoryFs())
    await log.append(idempotent(['a'], 7, 1, 0))
    await assert.rejects(log.append(idempotent(['c'], 7, 1, 2)), { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    await assert.rejects(log.append(idempotent(['c'], 7, 0, 1)), { code: 'INVALID_PRODUCER_EPOCH' })
    await assert.rejects(log.append(idempotent(['c'], 7, 2, 4)), { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    assert.equal((await log.append(idempotent(['b'], 7, 1, 1))).baseOffset, 1)
    assert.equal((await log.append(idempotent(['new epoch'], 7, 2, 0))).baseOffset, 2)
    assert.equal(log.logEndOffset, 3)
    await log.close()
  })

  it('treats batches with producerId -1 as non-idempotent whatever their sequence', async () => {
    const log = await openLog(await memoryFs())
    await log.append(batchOf(['a'], { baseSequence: 0 }))
    await log.append(batchOf(['a'], { baseSequence: 0 }))
    assert.equal(log.logEndOffset, 2)
    assert.equal(log.producerState.size, 0)
    await log.close()
  })

  it('refuses an append mixing a duplicate with new batches', async () => {
    const log = await openLog(await memoryFs())
    await log.append(idempotent(['a'], 7, 0, 0))
    await assert.rejects(log.append(Buffer.concat([idempotent(['a'], 7, 0, 0), idempotent(['b'], 7, 0, 1)])), { code: 'DUPLICATE_SEQUENCE_NUMBER' })
    const both = await log.append(Buffer.concat([idempotent(['b'], 7, 0, 1), idempotent(['c'], 7, 0, 2)]))
    assert.deepEqual([both.baseOffset, both.lastOffset], [1, 2])
    const again = await log.append(Buffer.concat([idempotent(['b'], 7, 0, 1), idempotent(['c'], 7, 0, 2)]))
    assert.deepEqual(again, { ...both, duplicate: true })
    await log.close()
  })

  it('keeps detecting duplicates after a clean restart and after a crash', async () => {
    const fs = await memoryFs()
    const clock = new ManualClock(T0)
    const log = await openLog(fs, { flush: 'always', checkpointIntervalMs: 1000 }, clock)
    const first = await log.append(idempotent(['a'], 7, 0, 0))
    await log.close()
    const reopened = await openLog(fs, { flush: 'always' })
    assert.deepEqual(await reopened.append(idempotent(['a'], 7, 0, 0)), { ...first, duplicate: true })
    const second = await reopened.append(idempotent(['b', 'c'], 7, 0, 1)) // after the snapshot: replayed from the log
    const crashed = fs.crash({ mode: 'drop-unsynced' })
    const recovered = await openLog(crashed, { flush: 'always' })
    assert.equal(recovered.recovery.producerSnapshotOffset, 1)
    assert.deepEqual(await recovered.append(idempotent(['b', 'c'], 7, 0, 1)), { ...second, duplicate: true })
    await assert.rejects(recovered.append(idempotent(['x'], 7, 0, 5)), { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    assert.equal((await recovered.append(idempotent(['d'], 7, 0, 3))).baseOffset, 3)
    await recovered.close()
  })

  it('answers a duplicate of a batch still waiting for its fsync only once that fsync is done', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { flush: 'always' })
    const original = log.append(idempotent(['a'], 7, 0, 0))
    const retry = log.append(idempotent(['a'], 7, 0, 0))
    let retryDone = false
    void retry.then(() => { retryDone = true })
    await Promise.resolve()
    assert.equal(retryDone, false)
    const [o, r] = await Promise.all([original, retry])
    assert.deepEqual(r, { ...o, duplicate: true })
    assert.equal(log.highWatermark, 1)
    await log.close()
  })
})
