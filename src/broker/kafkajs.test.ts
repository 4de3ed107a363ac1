// KafkaJS 2.2.4 against a Sluice broker: producing with each codec it has built in (none, gzip),
// an idempotent producer, and admin offset lookups. KafkaJS has no consumer without the group APIs
// (served by other handler files), so what it stored is checked through the coordinator here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CompressionTypes, Kafka, logLevel } from 'kafkajs'
import { startTestBroker } from '../testing/broker.ts'
import { startFaultProxy } from '../testing/fault-proxy.ts'
import { partitionForKey } from '../testing/murmur2.ts'
import { readRecords, batchPositions } from '../protocol/records/index.ts'

test('compat kafkajs [codecs: none gzip (snappy lz4 zstd need plug-ins), murmur2]: produces with none and gzip, idempotently, keys land on murmur2 partitions, and admin reads offsets', async () => {
  const broker = await startTestBroker()
  const kafka = new Kafka({ brokers: [broker.address], clientId: 'kafkajs-test', logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 })
  const admin = kafka.admin()
  try {
    await broker.coordinator.topics.create('js', { partitions: 3 })
    await producer.connect()
    const before = Date.now()
    const sent: string[] = []
    for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `${compression}-${i}` }))
      sent.push(...messages.map((m) => m.value))
      const results = await producer.send({ topic: 'js', compression, messages })
      assert.ok(results.every((r) => r.errorCode === 0))
    }
    await admin.connect()
    const offsets = await admin.fetchTopicOffsets('js')
    const total = offsets.reduce((sum, p) => sum + Number(p.high), 0)
    assert.equal(total, 60)
    assert.ok(offsets.every((p) => p.low === '0'))
    const byTime = await admin.fetchTopicOffsetsByTimestamp('js', before - 60_000)
    assert.ok(byTime.every((p) => p.offset === '0'))
    const metadata = await admin.fetchTopicMetadata({ topics: ['js'] })
    assert.equal(metadata.topics[0]!.partitions.length, 3)

    // What KafkaJS stored is what Fetch serves: decode the partitions' batches and find every value.
    const values: string[] = []
    for (let p = 0; p < 3; p++) {
      const { records } = await broker.coordinator.fetch('js', p, 0, { maxBytes: 1 << 20 })
      for (const pos of batchPositions(records)) {
        for (const record of readRecords(records, pos)) {
          values.push(record.value!.toString())
          assert.equal(p, partitionForKey(record.key!, 3), `key ${record.key!.toString()} on Kafka's murmur2 partition`)
        }
      }
    }
    assert.deepEqual(values.sort(), [...sent].sort())
    assert.deepEqual(broker.warnings, [])
  } finally {
    await producer.disconnect()
    await admin.disconnect()
    await broker.stop()
  }
})

test('compat kafkajs [idempotent-retries]: the idempotent producer (5 in flight) retries sends whose acknowledgement was lost, and each record is stored once', async () => {
  const proxy = await startFaultProxy()
  const broker = await startTestBroker({ broker: { advertisedPort: proxy.port } })
  proxy.targetPort = broker.port
  const kafka = new Kafka({ brokers: [`127.0.0.1:${proxy.port}`], clientId: 'kafkajs-retry', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 20 } })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 })
  try {
    await broker.coordinator.topics.create('retried', { partitions: 2 })
    await producer.connect()
    proxy.dropResponses(0, 3)
    const sent: string[] = []
    // One send at a time: KafkaJS takes a partition's sequence number when a send starts and moves
    // it on when the send succeeds, so concurrent sends on one idempotent producer reuse sequences
    // (its maintainers: an idempotent producer's sends must be awaited, tulios/kafkajs#353).
    for (let round = 0; round < 5; round++) {
      const messages = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `r${round}-${i}` }))
      sent.push(...messages.map((m) => m.value))
      await producer.send({ topic: 'retried', messages })
    }
    assert.equal(proxy.dropped, 3, 'three acknowledgements were lost on the way')
    const values: string[] = []
    for (let p = 0; p < 2; p++) {
      const { records } = await broker.coordinator.fetch('retried', p, 0, { maxBytes: 1 << 20 })
      for (const pos of batchPositions(records)) values.push(...readRecords(records, pos).map((r) => r.value!.toString()))
    }
    assert.deepEqual(values.sort(), [...sent].sort())
  } finally {
    await producer.disconnect()
    await broker.stop()
    await proxy.close()
  }
})
