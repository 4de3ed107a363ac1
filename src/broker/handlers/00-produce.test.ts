// Produce over the wire: offsets, the validation errors, acks=0, and idempotence answers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, type TestBroker } from '../../testing/broker.ts'
import { WireClient } from '../wire-test-kit.ts'
import { buildRecordBatch, type RecordBatchOptions } from '../../protocol/records/index.ts'
import type { ApiVersionsResponse, InitProducerIdResponse, ProduceResponse } from '../../protocol/messages/index.ts'

const PRODUCE = 0
const VERSION = 9

function batch(values: string[], options: RecordBatchOptions = {}): Buffer {
  return buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { timestamp: 1_700_000_000_000, ...options })
}

function produceRequest(acks: number, parts: Array<[topic: string, partition: number, records: Buffer | null]>) {
  const byTopic = new Map<string, Array<{ index: number; records: Buffer | null }>>()
  for (const [topic, index, records] of parts) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { index, records }])
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })) }
}

function codes(response: ProduceResponse): Array<[string, number, number, number]> {
  return response.responses.flatMap((t) => t.partitionResponses.map((p): [string, number, number, number] => [t.name, p.index, p.errorCode, p.baseOffset]))
}

async function withClient(fn: (client: WireClient, broker: TestBroker) => Promise<void>): Promise<void> {
  const broker = await startTestBroker()
  const client = await WireClient.connect(broker.port)
  try {
    await broker.coordinator.topics.create('events', { partitions: 2 })
    await fn(client, broker)
  } finally {
    client.close()
    await broker.stop()
  }
}

test('produce appends each partition and answers its base offset', async () => {
  await withClient(async (client, { coordinator }) => {
    const first = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 0, batch(['a', 'b'])], ['events', 1, batch(['c'])]]))
    assert.deepEqual(codes(first), [['events', 0, 0, 0], ['events', 1, 0, 0]])
    const second = await client.request<ProduceResponse>(PRODUCE, 3, produceRequest(-1, [['events', 0, batch(['d'])]]))
    assert.deepEqual(codes(second), [['events', 0, 0, 2]])
    assert.equal(coordinator.partition('events', 0).logEndOffset, 3)
  })
})

test('produce answers CORRUPT_MESSAGE, INVALID_RECORD, UNKNOWN_TOPIC_OR_PARTITION and MESSAGE_TOO_LARGE per partition', async () => {
  await withClient(async (client, { coordinator }) => {
    await coordinator.topics.create('small', { config: { 'max.message.bytes': 1024 } })
    const corrupt = batch(['payload'])
    corrupt[corrupt.length - 1]! ^= 0xff
    const response = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [
      ['events', 0, corrupt], ['events', 1, batch(['fine'])], ['missing', 0, batch(['x'])], ['events', 7, batch(['x'])],
      ['small', 0, batch(['y'.repeat(2000)])],
    ]))
    assert.deepEqual(codes(response), [['events', 0, 2, -1], ['events', 1, 0, 0], ['events', 7, 3, -1], ['missing', 0, 3, -1], ['small', 0, 10, -1]])
    assert.equal(coordinator.topics.has('missing'), false, 'Produce must not auto-create topics')
    const empty = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 0, Buffer.alloc(0)]]))
    assert.deepEqual(codes(empty), [['events', 0, 87, -1]])
  })
})

test('produce with invalid acks answers INVALID_REQUIRED_ACKS for every partition and writes nothing', async () => {
  await withClient(async (client, { coordinator }) => {
    const response = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(2, [['events', 0, batch(['a'])], ['events', 1, batch(['b'])]]))
    assert.deepEqual(codes(response), [['events', 0, 21, -1], ['events', 1, 21, -1]])
    assert.equal(coordinator.partition('events', 0).logEndOffset, 0)
  })
})

test('produce with acks=0 appends and sends no response', async () => {
  await withClient(async (client, { coordinator }) => {
    await client.send(PRODUCE, VERSION, produceRequest(0, [['events', 0, batch(['quiet'])]]))
    const versions = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' })
    assert.equal(versions.errorCode, 0)
    assert.equal(coordinator.partition('events', 0).logEndOffset, 1)
  })
})

test('an idempotent retry gets its original offset; a sequence gap and a stale epoch are refused', async () => {
  await withClient(async (client) => {
    const init = await client.request<InitProducerIdResponse>(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })
    assert.equal(init.errorCode, 0)
    const ids = { producerId: init.producerId, producerEpoch: init.producerEpoch }
    const send = (options: RecordBatchOptions, values = ['x', 'y']) =>
      client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(-1, [['events', 0, batch(values, { ...ids, ...options })]]))
    assert.deepEqual(codes(await send({ baseSequence: 0 })), [['events', 0, 0, 0]])
    assert.deepEqual(codes(await send({ baseSequence: 2 })), [['events', 0, 0, 2]])
    assert.deepEqual(codes(await send({ baseSequence: 0 })), [['events', 0, 0, 0]], 'a duplicate is answered with its original offset')
    assert.deepEqual(codes(await send({ baseSequence: 9 })), [['events', 0, 45, -1]])
    // An idempotent producer bumps its epoch itself (KIP-360): the new epoch starts at sequence 0.
    assert.deepEqual(codes(await send({ baseSequence: 0, producerEpoch: ids.producerEpoch + 1 })), [['events', 0, 0, 4]])
    assert.deepEqual(codes(await send({ baseSequence: 4 })), [['events', 0, 47, -1]])
  })
})
