// End-to-end tests of the embedded client API: Sluice.open → admin, producer, consumer, on a real
// data dir (NodeFs in a temp dir), including restarts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError } from '../base/errors.ts'
import { partitionForKey } from './partitioner.ts'
import { Sluice } from './sluice.ts'
import type { ConsumerRecord } from './types.ts'

type Hooks = { after: (fn: () => unknown) => void }

/** A temp data dir removed after the test; `closeFirst` are closed before it goes. */
function tempDir(t: Hooks, closeFirst: Array<{ close: () => Promise<void> }> = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-client-'))
  t.after(async () => {
    for (const c of closeFirst) await c.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

/** Opens a Sluice on a temp dir that is closed, then removed, after the test. */
async function openTemp(t: Hooks): Promise<Sluice> {
  const closers: Array<{ close: () => Promise<void> }> = []
  const sluice = await Sluice.open({ dataDir: tempDir(t, closers) })
  closers.push(sluice)
  return sluice
}

async function drain(consumer: { poll: (o?: { timeoutMs?: number }) => Promise<ConsumerRecord[]> }, count: number): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = []
  for (let empty = 0; out.length < count && empty < 20;) {
    const batch = await consumer.poll({ timeoutMs: 100 })
    if (batch.length === 0) empty++
    out.push(...batch)
  }
  return out
}

test('a produced record comes back from a consumer with its key, value, headers and offset', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('payments', { partitions: 3 })
  const producer = sluice.producer()
  const [meta] = await producer.send('payments', [{ key: 'card-42', value: { amount: 120 }, headers: { source: 'pos' } }])
  assert.equal(meta!.partition, partitionForKey(Buffer.from('card-42'), 3))
  assert.equal(meta!.offset, 0)
  const consumer = sluice.consumer().assign([{ topic: 'payments', partition: meta!.partition, offset: 'beginning' }])
  const [record] = await drain(consumer, 1)
  assert.equal(record!.key!.toString(), 'card-42')
  assert.deepEqual(JSON.parse(record!.value!.toString()), { amount: 120 })
  assert.deepEqual(record!.headers.map(([k, v]) => [k, v?.toString()]), [['source', 'pos']])
  assert.equal(record!.offset, 0)
})

test('records of one key keep their order across many batches and lingering sends', async (t) => {
  const sluice = await openTemp(t)
  const producer = sluice.producer({ lingerMs: 2, batchBytes: 4096 })
  const sends = []
  for (let i = 0; i < 50; i++) sends.push(producer.send('ordered', Array.from({ length: 40 }, (_, j) => ({ key: 'k', value: `${i * 40 + j}` }))))
  const metas = (await Promise.all(sends)).flat()
  assert.deepEqual(metas.map((m) => m.offset), Array.from({ length: 2000 }, (_, i) => i))
  const records = await drain(sluice.consumer({ autoOffsetReset: 'earliest' }).assign([{ topic: 'ordered', partition: 0 }]), 2000)
  assert.deepEqual(records.map((r) => Number(r.value!.toString())), Array.from({ length: 2000 }, (_, i) => i))
})

test('write() sends like send() without metadata: keyed records reach their murmur2 partitions, in order, across full batches', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('written', { partitions: 3 })
  const producer = sluice.producer({ batchBytes: 2048 })
  const records = Array.from({ length: 600 }, (_, i) => ({ key: `k${i % 7}`, value: String(i), headers: { n: String(i) } }))
  assert.equal(await producer.write('written', records), undefined)
  const consumer = sluice.consumer({ autoOffsetReset: 'earliest' }).assign([0, 1, 2].map((partition) => ({ topic: 'written', partition })))
  const back = await drain(consumer, 600)
  for (const r of back) assert.equal(r.partition, partitionForKey(r.key!, 3))
  for (let k = 0; k < 7; k++) {
    const values = back.filter((r) => r.key!.toString() === `k${k}`).map((r) => Number(r.value!.toString()))
    assert.deepEqual(values, records.filter((r) => r.key === `k${k}`).map((r) => Number(r.value)))
  }
  assert.ok(back.every((r) => r.headers[0]![1]!.toString() === r.value!.toString()))
})

test('seek rewinds to the beginning, an offset, the end and a timestamp', async (t) => {
  const sluice = await openTemp(t)
  const producer = sluice.producer()
  const base = 1_700_000_000_000
  await producer.send('ticks', Array.from({ length: 100 }, (_, i) => ({ value: `${i}`, timestamp: base + i * 1000 })))
  const consumer = sluice.consumer().assign([{ topic: 'ticks', partition: 0, offset: 'beginning' }])
  assert.equal((await drain(consumer, 100)).length, 100)
  consumer.seek('ticks', 0, 42)
  assert.equal((await consumer.poll({ timeoutMs: 100 }))[0]!.offset, 42)
  consumer.seek('ticks', 0, { timestamp: base + 73_500 })
  assert.equal((await consumer.poll({ timeoutMs: 100 }))[0]!.offset, 74)
  consumer.seek('ticks', 0, 'end')
  assert.deepEqual(await consumer.poll({ timeoutMs: 50 }), [])
  await producer.send('ticks', [{ value: 'late' }])
  assert.equal((await consumer.poll({ timeoutMs: 1000 }))[0]!.value!.toString(), 'late')
})

test('a waiting consumer wakes as soon as a record arrives (long-poll, no busy loop)', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('wake')
  const consumer = sluice.consumer({ autoOffsetReset: 'latest' }).assign([{ topic: 'wake', partition: 0 }])
  const started = performance.now()
  const polled = consumer.poll({ timeoutMs: 5000 })
  setTimeout(() => void sluice.producer().send('wake', [{ value: 'now' }]), 50)
  const records = await polled
  assert.equal(records[0]!.value!.toString(), 'now')
  assert.ok(performance.now() - started < 2000, 'poll returned long after the record arrived')
})

test('an idempotent producer whose ack was lost retries without writing the batch twice', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('once')
  const coordinator = sluice.coordinator
  const realProduce = coordinator.produce.bind(coordinator)
  let lost = 0
  // The append happens, then the acknowledgement is "lost" on its way back, once.
  coordinator.produce = async (...args: Parameters<typeof realProduce>) => {
    const result = await realProduce(...args)
    if (lost++ === 0) {
      const { SluiceError } = await import('../base/errors.ts')
      throw new SluiceError('REQUEST_TIMED_OUT', 'simulated lost acknowledgement')
    }
    return result
  }
  const producer = sluice.producer({ idempotent: true, retryBackoffMs: 1 })
  const metas = await producer.send('once', [{ value: 'a' }, { value: 'b' }])
  assert.equal(lost, 2, 'the batch was sent twice')
  assert.deepEqual(metas.map((m) => m.offset), [0, 1])
  const records = await drain(sluice.consumer({ autoOffsetReset: 'earliest' }).assign([{ topic: 'once', partition: 0 }]), 2)
  assert.deepEqual(records.map((r) => r.value!.toString()), ['a', 'b'])
  assert.equal(coordinator.partition('once', 0).logEndOffset, 2)
})

test('a second Sluice on the same data dir is refused with a clear error', async (t) => {
  const closers: Array<{ close: () => Promise<void> }> = []
  const dir = tempDir(t, closers)
  const sluice = await Sluice.open({ dataDir: dir })
  closers.push(sluice)
  await assert.rejects(Sluice.open({ dataDir: dir }), (error: unknown) => isSluiceError(error, 'DATA_DIR_LOCKED'))
})

test('topics, records and committed offsets survive a restart', async (t) => {
  const closers: Array<{ close: () => Promise<void> }> = []
  const dir = tempDir(t, closers)
  let sluice = await Sluice.open({ dataDir: dir })
  await sluice.admin.createTopic('kept', { partitions: 2 })
  await sluice.producer().send('kept', Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `${i}` })))
  const consumer = sluice.consumer({ group: 'g', autoOffsetReset: 'earliest', sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 }).subscribe('kept')
  assert.equal((await drain(consumer, 10)).length, 10)
  await consumer.close()
  await sluice.close()

  sluice = await Sluice.open({ dataDir: dir })
  closers.push(sluice)
  assert.deepEqual((await sluice.admin.listTopics()).map((x) => [x.name, x.partitions]), [['kept', 2]])
  const group = await sluice.admin.describeGroup('g')
  assert.equal(group.totalLag, 0)
  assert.equal(group.offsets.reduce((sum, o) => sum + o.committedOffset, 0), 10)
  await sluice.producer().send('kept', [{ key: 'k0', value: 'after restart' }])
  const again = sluice.consumer({ group: 'g', autoOffsetReset: 'earliest' }).subscribe('kept')
  const records = await drain(again, 1)
  assert.deepEqual(records.map((r) => r.value!.toString()), ['after restart'])
})

test('a record too large for the topic fails alone and the idempotent producer goes on sending to that partition', async (t) => {
  const sluice = await openTemp(t)
  const producer = sluice.producer({ lingerMs: 5 })
  await producer.send('sizes', [{ value: 'first' }])
  // Sealed together: the oversized batch and, behind it, a batch already stamped with the next sequence.
  const tooBig = producer.send('sizes', [{ value: Buffer.alloc(2_000_000) }])
  const behind = producer.send('sizes', [{ value: 'behind' }])
  await assert.rejects(tooBig, (error: unknown) => isSluiceError(error, 'MESSAGE_TOO_LARGE') || isSluiceError(error, 'RECORD_LIST_TOO_LARGE'))
  await behind
  const [after] = await producer.send('sizes', [{ value: 'after' }])
  assert.ok(after!.offset >= 1)
  const records = await drain(sluice.consumer({ autoOffsetReset: 'earliest' }).assign([{ topic: 'sizes', partition: 0 }]), 3)
  assert.deepEqual(records.map((r) => r.value!.toString()), ['first', 'behind', 'after'])
  assert.equal(producer.identity.producerEpoch, 1, 'the epoch was bumped once')
})

test('a seek during for-await iteration wins over records already fetched', async (t) => {
  const sluice = await openTemp(t)
  await sluice.producer().send('iter', Array.from({ length: 100 }, (_, i) => ({ value: `${i}` })))
  const consumer = sluice.consumer().assign([{ topic: 'iter', partition: 0, offset: 'beginning' }])
  const seen: number[] = []
  for await (const record of consumer) {
    seen.push(record.offset)
    if (record.offset === 10) consumer.seek('iter', 0, 50)
    if (record.offset === 99) break
  }
  assert.deepEqual(seen, [...Array.from({ length: 11 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 50 + i)])
})

test('deleting a topic drops the groups\' committed offsets, so a re-created topic is read from its start', async (t) => {
  const sluice = await openTemp(t)
  await sluice.producer().send('again', Array.from({ length: 5 }, (_, i) => ({ value: `old${i}` })))
  await sluice.admin.resetGroupOffsets('g', 'again', 'end')
  await sluice.admin.deleteTopic('again')
  await sluice.admin.createTopic('again')
  await sluice.producer().send('again', Array.from({ length: 10 }, (_, i) => ({ value: `new${i}` })))
  const consumer = sluice.consumer({ group: 'g', autoOffsetReset: 'earliest' }).subscribe('again')
  const records = await drain(consumer, 10)
  assert.deepEqual(records.map((r) => r.value!.toString()), Array.from({ length: 10 }, (_, i) => `new${i}`))
})
