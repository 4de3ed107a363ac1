// ListOffsets, OffsetForLeaderEpoch and InitProducerId over the wire.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '../../testing/broker.ts'
import { WireClient } from '../wire-test-kit.ts'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import type { InitProducerIdResponse, ListOffsetsResponse, OffsetForLeaderEpochResponse } from '../../protocol/messages/index.ts'

const T0 = 1_700_000_000_000

async function withBroker(fn: (client: WireClient) => Promise<void>): Promise<void> {
  const broker = await startTestBroker()
  const client = await WireClient.connect(broker.port)
  try {
    await broker.coordinator.topics.create('ticks')
    // Offsets 0-2 at T0, T0+50, T0+20: the max timestamp is at offset 1.
    await broker.coordinator.produce('ticks', 0, buildRecordBatch([0, 50, 20].map((d) => ({ key: null, value: Buffer.from('v'), timestamp: T0 + d }))))
    await fn(client)
  } finally {
    client.close()
    await broker.stop()
  }
}

function listRequest(timestamps: number[], partition = 0) {
  return { replicaId: -1, isolationLevel: 1, timeoutMs: 1000, topics: [{ name: 'ticks', partitions: timestamps.map((timestamp) => ({ partitionIndex: partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }] }
}

test('list offsets answers earliest, latest, by timestamp and max timestamp', async () => {
  await withBroker(async (client) => {
    const response = await client.request<ListOffsetsResponse>(2, 8, listRequest([-2, -1, T0 + 30, -3, T0 + 999, -4]))
    assert.deepEqual(response.topics[0]!.partitions.map((p) => [p.errorCode, p.offset, p.timestamp]), [
      [0, 0, -1], [0, 3, -1], [0, 1, T0 + 50], [0, 1, T0 + 50], [0, -1, -1], [0, 0, -1],
    ])
    const v0 = await client.request<ListOffsetsResponse>(2, 0, { ...listRequest([-1]), isolationLevel: 0 })
    assert.deepEqual(v0.topics[0]!.partitions[0]!.oldStyleOffsets, [3])
    const unknown = await client.request<ListOffsetsResponse>(2, 8, listRequest([-1], 5))
    assert.equal(unknown.topics[0]!.partitions[0]!.errorCode, 3)
  })
})

test('offset for leader epoch answers epoch 0 ending at the log end offset', async () => {
  await withBroker(async (client) => {
    const response = await client.request<OffsetForLeaderEpochResponse>(23, 4, { replicaId: -1, topics: [{ topic: 'ticks', partitions: [
      { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }, { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 0 }, { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
    ] }] })
    assert.deepEqual(response.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset]), [[0, 0, 3], [75, -1, -1], [3, -1, -1]])
  })
})

test('init producer id grants a fresh id to every idempotent producer, whatever id it holds, and refuses transactional ids with UNSUPPORTED_VERSION', async () => {
  await withBroker(async (client) => {
    const first = await client.request<InitProducerIdResponse>(22, 0, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })
    const second = await client.request<InitProducerIdResponse>(22, 5, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })
    assert.deepEqual([first.errorCode, first.producerEpoch, second.errorCode], [0, 0, 0])
    assert.notEqual(first.producerId, second.producerId)
    // Without a transactional id the id and epoch sent are ignored: a fresh id, never a bump or a fence (Kafka).
    for (const held of [{ producerId: first.producerId, producerEpoch: 0 }, { producerId: first.producerId, producerEpoch: 5 }, { producerId: 0, producerEpoch: 0 }]) {
      const again = await client.request<InitProducerIdResponse>(22, 3, { transactionalId: null, transactionTimeoutMs: 1000, ...held })
      assert.equal(again.errorCode, 0)
      assert.equal(again.producerEpoch, 0)
      assert.ok(![first.producerId, second.producerId].includes(again.producerId), `a fresh id for ${JSON.stringify(held)}`)
    }
    const transactional = await client.request<InitProducerIdResponse>(22, 4, { transactionalId: 'tx-1', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })
    assert.deepEqual([transactional.errorCode, transactional.producerId], [35, -1])
  })
})
