import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isSluiceError, type ErrorCode } from '../base/errors.ts'
import { buildRecordBatch, CompressionCodec, forEachBatch, readRecords, TIMESTAMP_TYPE_FLAG, OFFSET_ATTRIBUTES, type RecordBatchOptions } from '../protocol/records/index.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import { MemoryFs } from '../testing/memory-fs.ts'
import { Coordinator, OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS, type CoordinatorEvent, type CoordinatorOptions } from './coordinator.ts'

const T0 = 1_700_000_000_000

function openMemory(fs = new MemoryFs(), options: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  return Coordinator.open({ dataDir: '/data', fs, clock: options.clock ?? new ManualClock(T0), configOptions: { allowSmallSegments: true }, ...options })
}

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode, text = '') =>
  assert.rejects(promise, (e) => isSluiceError(e, code) && e.message.includes(text))

function batch(values: Array<string | { value: string; timestamp?: number; key?: string }>, options: RecordBatchOptions = {}): Buffer {
  return buildRecordBatch(
    values.map((v) => (typeof v === 'string' ? { key: null, value: Buffer.from(v) } : { key: v.key === undefined ? null : Buffer.from(v.key), value: Buffer.from(v.value), timestamp: v.timestamp })),
    { timestamp: T0, ...options },
  )
}

/** Offsets and values of every record at or after `from` in a fetch answer. */
function decode(records: Buffer, from = 0): Array<{ offset: number; value: string; timestamp: number }> {
  const out: Array<{ offset: number; value: string; timestamp: number }> = []
  forEachBatch(records, (pos) => {
    for (const r of readRecords(records, pos)) if (r.offset >= from) out.push({ offset: r.offset, value: r.value!.toString(), timestamp: r.timestamp })
  })
  return out
}

test('open creates the compacted internal __consumer_offsets topic once', async () => {
  const fs = new MemoryFs()
  const events: CoordinatorEvent[] = []
  const first = await openMemory(fs, { onEvent: (e) => events.push(e) })
  const [offsets] = first.topics.list({ includeInternal: true })
  assert.deepEqual({ ...offsets, topicId: undefined }, { name: OFFSETS_TOPIC, topicId: undefined, partitions: OFFSETS_TOPIC_PARTITIONS, isInternal: true })
  assert.equal(first.topics.config(OFFSETS_TOPIC)['cleanup.policy'], 'compact')
  assert.equal(first.topics.list().length, 0)
  assert.equal(events.filter((e) => e.type === 'partition-opened').length, OFFSETS_TOPIC_PARTITIONS)
  assert.deepEqual(events.at(-1), { type: 'opened', dataDir: '/data', topics: 1, partitions: OFFSETS_TOPIC_PARTITIONS, durationMs: 0 })
  await first.close()
  const reopenEvents: CoordinatorEvent[] = []
  const second = await openMemory(fs, { onEvent: (e) => reopenEvents.push(e) })
  assert.equal(second.topics.topicId(OFFSETS_TOPIC), offsets!.topicId)
  // Each log's recovery report comes through the event callback: a clean shutdown here.
  const recoveries = reopenEvents.flatMap((e) => (e.type === 'partition-opened' ? [e.recovery] : []))
  assert.equal(recoveries.length, OFFSETS_TOPIC_PARTITIONS)
  assert.ok(recoveries.every((r) => r.cleanShutdown && r.truncatedBytes === 0))
  await second.close()
})

test('produce then fetch returns the same records at the assigned offsets', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t', { partitions: 2 })
  const first = await coordinator.produce('t', 1, batch(['a', 'b']))
  const second = await coordinator.produce('t', 1, batch(['c']), { acks: 1 })
  assert.deepEqual(first, { baseOffset: 0, lastOffset: 1, logAppendTime: -1, logStartOffset: 0 })
  assert.equal(second.baseOffset, 2)
  const fetched = await coordinator.fetch('t', 1, 1)
  assert.deepEqual(decode(fetched.records, 1).map((r) => [r.offset, r.value]), [[1, 'b'], [2, 'c']])
  assert.deepEqual([fetched.highWatermark, fetched.logEndOffset, fetched.logStartOffset], [3, 3, 0])
  assert.equal((await coordinator.fetch('t', 1, 3)).records.length, 0)
  await coordinator.close()
})

test('produce auto-creates an unknown topic unless auto-creation is off', async () => {
  const on = await openMemory(new MemoryFs(), { defaultPartitions: 3 })
  await on.produce('fresh', 2, batch(['x']))
  assert.equal(on.topics.partitionCount('fresh'), 3)
  await rejectsWith(on.produce('bad name', 0, batch(['x'])), 'INVALID_TOPIC_EXCEPTION')
  await on.close()
  const off = await openMemory(new MemoryFs(), { autoCreateTopics: false })
  await rejectsWith(off.produce('fresh', 0, batch(['x'])), 'UNKNOWN_TOPIC_OR_PARTITION', "'fresh'")
  await off.close()
})

test('produce refuses unknown partitions, bad acks, internal topics and corrupt batches', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t')
  await rejectsWith(coordinator.produce('t', 1, batch(['x'])), 'UNKNOWN_TOPIC_OR_PARTITION', 'no partition 1')
  await rejectsWith(coordinator.produce('t', 0, batch(['x']), { acks: 2 as never }), 'INVALID_REQUIRED_ACKS')
  await rejectsWith(coordinator.produce(OFFSETS_TOPIC, 0, batch(['x'])), 'INVALID_TOPIC_EXCEPTION', 'internal')
  const corrupt = batch(['x'])
  corrupt[corrupt.length - 1] ^= 0xff
  await rejectsWith(coordinator.produce('t', 0, corrupt), 'CORRUPT_MESSAGE')
  assert.throws(() => coordinator.partition('t', 7), (e) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
  await coordinator.close()
})

test('fetch outside [log start, log end] is OFFSET_OUT_OF_RANGE', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t')
  await coordinator.produce('t', 0, batch(['a', 'b', 'c']))
  await rejectsWith(coordinator.fetch('t', 0, 4), 'OFFSET_OUT_OF_RANGE', 'outside [0, 3]')
  await rejectsWith(coordinator.fetch('t', 0, -1), 'OFFSET_OUT_OF_RANGE')
  await coordinator.partition('t', 0).deleteRecordsBefore(2)
  await rejectsWith(coordinator.fetch('t', 0, 1), 'OFFSET_OUT_OF_RANGE', 'outside [2, 3]')
  assert.equal((await coordinator.fetch('t', 0, 2)).logStartOffset, 2)
  await coordinator.close()
})

test('a fetch at the log end waits for the next produce (long poll)', async () => {
  const clock = new ManualClock(T0)
  const coordinator = await openMemory(new MemoryFs(), { clock })
  await coordinator.topics.create('t')
  let settled = false
  const pending = coordinator.fetch('t', 0, 0, { maxWaitMs: 5000 }).finally(() => (settled = true))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(settled, false)
  await coordinator.produce('t', 0, batch(['hello']))
  const result = await pending
  assert.deepEqual(decode(result.records).map((r) => r.value), ['hello'])
  await coordinator.close()
})

test('a long poll answers empty when maxWaitMs passes or the signal aborts', async () => {
  const clock = new ManualClock(T0)
  const coordinator = await openMemory(new MemoryFs(), { clock })
  await coordinator.topics.create('t')
  const timedOut = coordinator.fetch('t', 0, 0, { maxWaitMs: 500 })
  await new Promise((resolve) => setImmediate(resolve))
  clock.advance(500)
  assert.equal((await timedOut).records.length, 0)
  const controller = new AbortController()
  const aborted = coordinator.fetch('t', 0, 0, { maxWaitMs: 60_000, signal: controller.signal })
  await new Promise((resolve) => setImmediate(resolve))
  controller.abort()
  assert.equal((await aborted).records.length, 0)
  await coordinator.close()
})

test('a fetch with minBytes waits until that much data is there', async () => {
  const clock = new ManualClock(T0)
  const coordinator = await openMemory(new MemoryFs(), { clock })
  await coordinator.topics.create('t')
  const one = batch(['x'])
  const pending = coordinator.fetch('t', 0, 0, { maxWaitMs: 10_000, minBytes: one.length * 2 + 1 })
  await coordinator.produce('t', 0, batch(['x']))
  await coordinator.produce('t', 0, batch(['y']))
  let settled = false
  void pending.finally(() => (settled = true))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(settled, false)
  await coordinator.produce('t', 0, batch(['z']))
  assert.deepEqual(decode((await pending).records).map((r) => r.value), ['x', 'y', 'z'])
  await coordinator.close()
})

test('a LogAppendTime topic stamps batches with the broker clock', async () => {
  const clock = new ManualClock(T0)
  const coordinator = await openMemory(new MemoryFs(), { clock })
  await coordinator.topics.create('t', { config: { 'message.timestamp.type': 'LogAppendTime' } })
  clock.advance(12_345)
  const result = await coordinator.produce('t', 0, batch([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }]))
  assert.equal(result.logAppendTime, T0 + 12_345)
  const { records } = await coordinator.fetch('t', 0, 0)
  assert.ok((records.readInt16BE(OFFSET_ATTRIBUTES) & TIMESTAMP_TYPE_FLAG) !== 0)
  assert.deepEqual(decode(records).map((r) => r.timestamp), [T0 + 12_345, T0 + 12_345])
  const corrupt = batch(['x'])
  corrupt[corrupt.length - 1] ^= 0xff
  await rejectsWith(coordinator.produce('t', 0, corrupt), 'CORRUPT_MESSAGE')
  await coordinator.close()
})

test('a compacted topic refuses records without a key (INVALID_RECORD), compressed or not, and takes keyed ones', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('profiles', { config: { 'cleanup.policy': 'compact' } })
  await rejectsWith(coordinator.produce('profiles', 0, batch([{ value: 'a', key: 'k' }, { value: 'b' }])), 'INVALID_RECORD', 'without a key')
  await rejectsWith(coordinator.produce('profiles', 0, batch([{ value: 'a' }], { compression: CompressionCodec.Gzip })), 'INVALID_RECORD', 'without a key')
  const stored = await coordinator.produce('profiles', 0, batch([{ value: 'a', key: 'k' }, { value: 'b', key: 'j' }], { compression: CompressionCodec.Gzip }))
  assert.equal(stored.baseOffset, 0)
  assert.deepEqual(decode((await coordinator.fetch('profiles', 0, 0)).records).map((r) => r.value), ['a', 'b'])
  // Other topics never look inside batches.
  await coordinator.topics.create('events')
  assert.equal((await coordinator.produce('events', 0, batch(['no key']))).baseOffset, 0)
  await coordinator.close()
})

test('listOffsets finds earliest, latest, the first record at a timestamp and the max timestamp', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t')
  assert.deepEqual(await coordinator.listOffsets('t', 0, 'max-timestamp'), { offset: -1, timestamp: -1 })
  await coordinator.produce('t', 0, batch([{ value: 'a', timestamp: 100 }, { value: 'b', timestamp: 300 }]))
  await coordinator.produce('t', 0, batch([{ value: 'c', timestamp: 900 }, { value: 'd', timestamp: 200 }, { value: 'e', timestamp: 900 }]))
  await coordinator.produce('t', 0, batch([{ value: 'f', timestamp: 500 }]))
  assert.deepEqual(await coordinator.listOffsets('t', 0, 'earliest'), { offset: 0, timestamp: -1 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, 'latest'), { offset: 6, timestamp: -1 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, { timestamp: 150 }), { offset: 1, timestamp: 300 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, { timestamp: 301 }), { offset: 2, timestamp: 900 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, { timestamp: 901 }), { offset: -1, timestamp: -1 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, 'max-timestamp'), { offset: 2, timestamp: 900 })
  // Kafka's special timestamps.
  assert.deepEqual(await coordinator.listOffsets('t', 0, { timestamp: -2 }), { offset: 0, timestamp: -1 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, { timestamp: -1 }), { offset: 6, timestamp: -1 })
  assert.deepEqual(await coordinator.listOffsets('t', 0, { timestamp: -3 }), { offset: 2, timestamp: 900 })
  await coordinator.close()
})

test('an idempotent retry is answered with the original offsets', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t')
  const { producerId, producerEpoch } = await coordinator.producerIds.initProducerId()
  const send = () => batch(['once'], { producerId, producerEpoch, baseSequence: 0 })
  const first = await coordinator.produce('t', 0, send())
  const retry = await coordinator.produce('t', 0, send())
  assert.equal(retry.duplicate, true)
  assert.equal(retry.baseOffset, first.baseOffset)
  assert.equal(coordinator.partition('t', 0).logEndOffset, 1)
  await coordinator.close()
})

test('topics, records, configs, producer ids and committed offsets survive close and open', async () => {
  const fs = new MemoryFs()
  const first = await openMemory(fs)
  const { topicId } = await first.topics.create('orders', { partitions: 2, config: { 'retention.ms': '3600000' } })
  await first.produce('orders', 1, batch(['a', 'b']))
  const producer = await first.producerIds.initProducerId()
  const committed = await first.groups.commitOffsets({ groupId: 'audit', generationId: -1, memberId: '', offsets: [{ topic: 'orders', partition: 1, offset: 2 }] })
  assert.deepEqual(committed.map((r) => r.errorCode), [undefined])
  await first.close()
  const second = await openMemory(fs)
  assert.equal(second.topics.topicId('orders'), topicId)
  assert.equal(second.topics.config('orders')['retention.ms'], 3600000)
  assert.deepEqual(decode((await second.fetch('orders', 1, 0)).records).map((r) => r.value), ['a', 'b'])
  assert.equal(second.producerIds.epochOf(producer.producerId), 0)
  assert.notEqual((await second.producerIds.initProducerId()).producerId, producer.producerId)
  const fetched = second.groups.fetchOffsets('audit', [{ topic: 'orders', partition: 1 }])
  assert.equal(fetched.offsets[0]!.offset, 2)
  await second.close()
})

test('commits to partitions that do not exist are refused by the group coordinator', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t')
  const results = await coordinator.groups.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 3, offset: 0 }] })
  assert.equal(results[0]!.errorCode, 'UNKNOWN_TOPIC_OR_PARTITION')
  await coordinator.close()
})

test('close is idempotent and later calls get CLOSED', async () => {
  const coordinator = await openMemory()
  await coordinator.topics.create('t')
  await Promise.all([coordinator.close(), coordinator.close()])
  await rejectsWith(coordinator.produce('t', 0, batch(['x'])), 'CLOSED')
  await rejectsWith(coordinator.fetch('t', 0, 0), 'CLOSED')
  assert.throws(() => coordinator.partition('t', 0), (e) => isSluiceError(e, 'CLOSED'))
})

test('a memory data dir can be opened by only one coordinator at a time', async () => {
  const fs = new MemoryFs()
  const first = await openMemory(fs)
  await rejectsWith(openMemory(fs), 'DATA_DIR_LOCKED')
  await first.close()
  await (await openMemory(fs)).close()
})

test('on disk, the data dir is locked: a second coordinator, here or in another process, gets DATA_DIR_LOCKED', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'sluice-coordinator-')), 'data')
  try {
    const coordinator = await Coordinator.open({ dataDir: dir })
    assert.equal(existsSync(join(dir, '.lock')), true)
    await rejectsWith(Coordinator.open({ dataDir: dir }), 'DATA_DIR_LOCKED', `process ${process.pid}`)
    const module = fileURLToPath(new URL('./coordinator.ts', import.meta.url))
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { Coordinator } = await import(${JSON.stringify(module)})
      try { await Coordinator.open({ dataDir: ${JSON.stringify(dir)} }); console.log('OPENED') } catch (e) { console.log(e.code + ': ' + e.message) }
    `], { encoding: 'utf8' })
    assert.match(child.stdout, new RegExp(`^DATA_DIR_LOCKED: data dir .* is in use by process ${process.pid} `), child.stderr)
    await coordinator.produce('t', 0, batch(['on disk']))
    await coordinator.close()
    assert.equal(existsSync(join(dir, '.lock')), false)
    const reopened = await Coordinator.open({ dataDir: dir })
    assert.deepEqual(decode((await reopened.fetch('t', 0, 0)).records).map((r) => r.value), ['on disk'])
    await reopened.close()
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true })
  }
})

test('a failed open releases the lock so a later open can succeed', async () => {
  const fs = new MemoryFs()
  await (await openMemory(fs)).close()
  await fs.writeFile('/data/__cluster/topics.json', Buffer.from('not json'))
  await rejectsWith(openMemory(fs), 'KAFKA_STORAGE_ERROR')
  await fs.writeFile('/data/__cluster/topics.json', Buffer.from('{"version":1,"topics":[],"deleting":[]}'))
  const reopened = await openMemory(fs)
  assert.equal(reopened.topics.has(OFFSETS_TOPIC), true)
  await reopened.close()
})

test('after a crash, topics and the records a flush=always topic acknowledged are back, and recovery says it was unclean', async () => {
  const fs = new MemoryFs()
  const coordinator = await openMemory(fs)
  await coordinator.topics.create('safe', { config: { flush: 'always' } })
  await coordinator.produce('safe', 0, batch(['kept-1', 'kept-2']))
  const { producerId } = await coordinator.producerIds.initProducerId()
  const events: CoordinatorEvent[] = []
  // The process dies: nothing is closed, unsynced writes are lost.
  const after = await openMemory(fs.crash({ mode: 'drop-unsynced' }), { onEvent: (e) => events.push(e) })
  assert.deepEqual(decode((await after.fetch('safe', 0, 0)).records).map((r) => r.value), ['kept-1', 'kept-2'])
  assert.equal(after.producerIds.epochOf(producerId), 0)
  const safe = events.find((e) => e.type === 'partition-opened' && e.topic === 'safe')
  assert.ok(safe !== undefined && safe.type === 'partition-opened' && !safe.recovery.cleanShutdown)
  await after.close()
})
