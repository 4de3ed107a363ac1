// End-to-end tests of transactions through Sluice.open (a real data dir in a temp directory): a
// commit's records and offsets become visible together, an abort leaves nothing, misuse gets
// INVALID_TXN_STATE, a newer producer fences an older one, and the kafka transport refuses.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError, type ErrorCode } from '../base/errors.ts'
import { startTestBroker } from '../testing/broker.ts'
import { Sluice } from './sluice.ts'
import type { ConsumerRecord } from './types.ts'

type Hooks = { after: (fn: () => unknown) => void }

async function openTemp(t: Hooks): Promise<Sluice> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-txn-'))
  const sluice = await Sluice.open({ dataDir: dir })
  t.after(async () => {
    await sluice.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return sluice
}

async function readAll(sluice: Sluice, topic: string, partitions: number[]): Promise<string[]> {
  const consumer = sluice.consumer()
  consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 'beginning' as const })))
  const out: ConsumerRecord[] = []
  for (let empty = 0; empty < 3;) {
    const batch = await consumer.poll({ timeoutMs: 50 })
    if (batch.length === 0) empty++
    out.push(...batch)
  }
  await consumer.close()
  return out.map((r) => r.value!.toString())
}

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode, text = ''): Promise<void> =>
  assert.rejects(promise, (e) => isSluiceError(e, code) && e.message.includes(text))

test('a committed transaction shows its records and the consumer group offsets together', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('in', { partitions: 1 })
  await sluice.admin.createTopic('out', { partitions: 2 })
  await sluice.producer().send('in', [{ value: 'x1' }, { value: 'x2' }])
  const consumer = sluice.consumer({ group: 'enricher', autoOffsetReset: 'earliest', autoCommit: false })
  consumer.subscribe('in')
  let input: ConsumerRecord[] = []
  while (input.length < 2) input.push(...(await consumer.poll({ timeoutMs: 100 })))
  const identity = consumer.groupMetadata()
  assert.equal(identity.groupId, 'enricher')
  assert.ok(identity.generationId >= 1 && identity.memberId !== '')

  const producer = sluice.producer({ transactionalId: 'enricher-0' })
  await producer.initTransactions()
  producer.beginTransaction()
  await producer.send('out', input.map((r) => ({ key: r.value, value: `enriched-${r.value!.toString()}` })))
  await producer.send('out', [{ value: 'p1', partition: 1 }])
  await producer.sendOffsets({ consumer, offsets: [{ topic: 'in', partition: 0, offset: input.at(-1)!.offset + 1 }] })
  // Staged, not sent: nothing in the log before the commit.
  assert.deepEqual(await readAll(sluice, 'out', [0, 1]), [])
  const metadata = await producer.commitTransaction()
  assert.equal(metadata.length, 3)
  assert.deepEqual(metadata[2], { topic: 'out', partition: 1, offset: metadata.filter((m) => m.partition === 1).length - 1, timestamp: metadata[2]!.timestamp })
  assert.deepEqual((await readAll(sluice, 'out', [0, 1])).sort(), ['enriched-x1', 'enriched-x2', 'p1'])
  assert.equal(sluice.coordinator.groups.fetchOffsets('enricher', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset, 2)

  // The next transaction continues the sequences; an abort leaves nothing behind.
  producer.beginTransaction()
  await producer.send('out', [{ value: 'dropped', partition: 0 }])
  await producer.sendOffsets({ consumer, offsets: [{ topic: 'in', partition: 0, offset: 99 }] })
  await producer.abortTransaction()
  producer.beginTransaction()
  await producer.send('out', [{ value: 'second', partition: 0 }])
  const [second] = await producer.commitTransaction()
  assert.equal(second!.partition, 0)
  const values = await readAll(sluice, 'out', [0, 1])
  assert.equal(values.includes('dropped'), false)
  assert.equal(values.includes('second'), true)
  assert.equal(sluice.coordinator.groups.fetchOffsets('enricher', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset, 2)
  await consumer.close()
})

test('misuse is refused with INVALID_TXN_STATE and a newer producer fences the older one', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('out', { partitions: 1 })
  const old = sluice.producer({ transactionalId: 'task' })
  await rejectsWith(old.send('out', [{ value: 'v' }]), 'INVALID_TXN_STATE', 'beginTransaction() first')
  await rejectsWith(old.commitTransaction(), 'INVALID_TXN_STATE')
  old.beginTransaction() // initializes implicitly
  assert.throws(() => old.beginTransaction(), (e) => isSluiceError(e, 'INVALID_TXN_STATE') && e.message.includes('already open'))
  await old.send('out', [{ value: 'from-old' }])

  const fresh = sluice.producer({ transactionalId: 'task' })
  await fresh.initTransactions()
  await rejectsWith(old.commitTransaction(), 'PRODUCER_FENCED')
  assert.throws(() => old.beginTransaction(), (e) => isSluiceError(e, 'PRODUCER_FENCED'))
  fresh.beginTransaction()
  await fresh.send('out', [{ value: 'from-fresh' }])
  await fresh.commitTransaction()
  assert.deepEqual(await readAll(sluice, 'out', [0]), ['from-fresh'])
})

test('a failed commit writes nothing, and the producer goes on with a new epoch', async (t) => {
  const sluice = await openTemp(t)
  await sluice.admin.createTopic('out', { partitions: 1 })
  const producer = sluice.producer({ transactionalId: 'task' })
  await producer.initTransactions()
  const epoch = producer.identity.producerEpoch
  producer.beginTransaction()
  await producer.send('out', [{ value: 'a' }])
  await producer.sendOffsets({ groupId: 'g', memberId: 'gone', generationId: 3, offsets: [{ topic: 'out', partition: 0, offset: 1 }] })
  await rejectsWith(producer.commitTransaction(), 'UNKNOWN_MEMBER_ID')
  await producer.abortTransaction() // Kafka's idiom after a failed commit: accepted
  producer.beginTransaction()
  await producer.send('out', [{ value: 'b' }])
  await producer.commitTransaction()
  assert.equal(producer.identity.producerEpoch, epoch + 1)
  assert.deepEqual(await readAll(sluice, 'out', [0]), ['b'])
})

test('the kafka transport refuses transactions with a clear message', async (t) => {
  const broker = await startTestBroker()
  const sluice = await Sluice.connect({ brokers: [broker.address], clientId: 'txn-test' })
  t.after(async () => {
    await sluice.close()
    await broker.stop()
  })
  const producer = sluice.producer({ transactionalId: 'task' })
  await rejectsWith(producer.initTransactions(), 'UNSUPPORTED_VERSION', "transactions over the Kafka protocol are not supported yet; use Sluice.open (embedded) or guarantee 'at-least-once'")
})
