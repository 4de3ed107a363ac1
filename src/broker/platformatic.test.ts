// @platformatic/kafka 1.35.0 against a Sluice broker: topic admin, produce and consume with every
// codec the client has, keyed records on Kafka's murmur2 partitions, seek by timestamp, and an
// idempotent producer whose retried batch the broker answers with the original offset. The client
// speaks only flexible versions and names topics by id in Metadata and Fetch. Consumer groups of
// three members are in platformatic-groups.test.ts.
//
// Codecs: the client implements none, gzip, snappy, lz4 (wasm) and zstd, but its zstd uses
// node:zlib's zstdCompressSync, which Node 20 lacks: there it throws UnsupportedCompressionError
// before anything reaches the broker, so zstd is exercised only on a Node that has it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import zlib from 'node:zlib'
import {
  Admin, Consumer, Producer, ConfigResourceTypes, IncrementalAlterConfigOperationTypes, compatibilityPartitioner,
  defaultPartitioner, stringDeserializers, stringSerializers, type Message, type MessageToProduce,
} from '@platformatic/kafka'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'
import { startFaultProxy } from '../testing/fault-proxy.ts'
import { partitionForKey } from '../testing/murmur2.ts'
import { batchPositions, producerId as batchProducerId, producerEpoch as batchProducerEpoch, baseSequence, readRecords } from '../protocol/records/index.ts'

type StringMessage = Message<string, string, string, string>

const CODECS = ['none', 'gzip', 'snappy', 'lz4', ...(typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function' ? ['zstd' as const] : [])] as const

function clientOptions(broker: TestBroker, clientId: string) {
  return { clientId, bootstrapBrokers: [broker.address], retries: 3, retryDelay: 50, timeout: 10_000 }
}

/** An assert.rejects check: some error in the client's error chain has `property` = `value`. */
function failedWith(property: 'apiId' | 'code', value: string): (error: { findBy?: (key: string, value: unknown) => unknown }) => boolean {
  return (error) => Boolean(error.findBy?.(property, value))
}

/** Reads `count` messages of `topic` from the beginning in a fresh group; fails after `timeoutMs`. */
async function consume(broker: TestBroker, topic: string, count: number, offsets?: Array<{ topic: string; partition: number; offset: bigint }>, timeoutMs = 15_000): Promise<StringMessage[]> {
  const consumer = new Consumer({
    ...clientOptions(broker, 'plt-reader'), groupId: `reader-${topic}-${Math.random().toString(36).slice(2)}`,
    deserializers: stringDeserializers, maxWaitTime: 100, heartbeatInterval: 500, sessionTimeout: 10_000, rebalanceTimeout: 10_000,
  })
  const messages: StringMessage[] = []
  try {
    const stream = await consumer.consume(offsets === undefined
      ? { topics: [topic], mode: 'earliest', autocommit: false }
      : { topics: [topic], mode: 'manual', offsets, autocommit: false })
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages of ${topic} in ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      await Promise.race([timedOut, (async () => {
        for await (const message of stream) {
          messages.push(message as StringMessage)
          if (messages.length >= count) break
        }
      })()])
    } finally {
      clearTimeout(timer)
      await stream.close()
    }
  } finally {
    await consumer.close(true)
  }
  return messages
}

test('compat platformatic [admin]: creates, lists, describes, alters (whole and incremental), grows and deletes topics', async () => {
  const broker = await startTestBroker()
  const admin = new Admin(clientOptions(broker, 'plt-admin'))
  try {
    const [created] = await admin.createTopics({ topics: ['admin-t'], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '60000' }] })
    assert.equal(created!.name, 'admin-t')
    assert.equal(created!.partitions, 2)
    assert.equal(created!.id, broker.coordinator.topics.topicId('admin-t'), 'CreateTopics answers the stable topic id')
    assert.equal(created!.configuration['retention.ms'], '60000')
    await assert.rejects(admin.createTopics({ topics: ['admin-t'], partitions: 1 }),
      failedWith('apiId', 'TOPIC_ALREADY_EXISTS'))
    await admin.createTopics({ topics: ['other-t'], partitions: 1 })
    assert.deepEqual((await admin.listTopics()).sort(), ['admin-t', 'other-t'])
    assert.deepEqual((await admin.listTopics({ includeInternals: true })).sort(), ['__consumer_offsets', 'admin-t', 'other-t'])

    const metadata = await admin.metadata({ topics: ['admin-t'] })
    const topic = metadata.topics.get('admin-t')!
    assert.equal(topic.partitionsCount, 2)
    assert.equal(topic.id, broker.coordinator.topics.topicId('admin-t'), 'Metadata carries the same topic id')
    assert.deepEqual(topic.partitions.map((p) => [p.leader, p.leaderEpoch, p.replicas, p.isr]), [[0, 0, [0], [0]], [0, 0, [0], [0]]])
    assert.deepEqual([...metadata.brokers.values()].map((b) => `${b.host}:${b.port}`), [broker.address])

    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'admin-t', configurationKeys: ['retention.ms', 'cleanup.policy'] }] })
    const byName = new Map(described!.configs.map((c) => [c.name, c]))
    assert.deepEqual([...byName.keys()].sort(), ['cleanup.policy', 'retention.ms'])
    assert.equal(byName.get('retention.ms')!.value, '60000')
    assert.equal(byName.get('retention.ms')!.configSource, 1, 'DYNAMIC_TOPIC_CONFIG')
    assert.equal(byName.get('cleanup.policy')!.value, 'delete')
    assert.equal(byName.get('cleanup.policy')!.configSource, 5, 'DEFAULT_CONFIG')

    await admin.incrementalAlterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'admin-t', configs: [
      { name: 'cleanup.policy', value: 'compact', configOperation: IncrementalAlterConfigOperationTypes.SET },
      { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.DELETE },
    ] }] })
    assert.equal(broker.coordinator.topics.config('admin-t')['cleanup.policy'], 'compact')
    assert.equal(broker.coordinator.topics.config('admin-t')['retention.ms'], 604800000, 'DELETE restores the default')
    await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'admin-t', configs: [{ name: 'segment.ms', value: '3600000' }] }] })
    assert.equal(broker.coordinator.topics.config('admin-t')['segment.ms'], 3600000)
    assert.equal(broker.coordinator.topics.config('admin-t')['cleanup.policy'], 'delete', 'AlterConfigs replaces the whole config')
    await assert.rejects(admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'admin-t', configs: [{ name: 'no.such.config', value: '1' }] }] }),
      failedWith('apiId', 'INVALID_CONFIG'))

    await admin.createPartitions({ topics: [{ name: 'admin-t', count: 5 }] })
    assert.equal(broker.coordinator.topics.partitionCount('admin-t'), 5)
    assert.equal((await admin.metadata({ topics: ['admin-t'], forceUpdate: true })).topics.get('admin-t')!.partitionsCount, 5)
    await assert.rejects(admin.createPartitions({ topics: [{ name: 'admin-t', count: 3 }] }),
      failedWith('apiId', 'INVALID_PARTITIONS'))

    await admin.deleteTopics({ topics: ['admin-t'] })
    assert.equal(broker.coordinator.topics.has('admin-t'), false)
    assert.deepEqual(await admin.listTopics(), ['other-t'])
    assert.deepEqual(broker.warnings, [])
  } finally {
    await admin.close()
    await broker.stop()
  }
})

test('compat platformatic [codecs: none gzip snappy lz4 (zstd needs Node 22.15+)]: values, keys, headers, timestamps and offsets round-trip', async () => {
  const broker = await startTestBroker()
  const producer = new Producer({ ...clientOptions(broker, 'plt-codecs'), serializers: stringSerializers })
  try {
    await broker.coordinator.topics.create('codecs', { partitions: 2 })
    const sent: Array<MessageToProduce<string, string, string, string> & { offset: bigint }> = []
    const baseTimestamp = BigInt(Date.now()) - 10_000n
    for (const compression of CODECS) {
      const messages = Array.from({ length: 40 }, (_, i) => ({
        topic: 'codecs', partition: i % 2, key: `${compression}-key-${i}`, value: `${compression}-${i}-${'v'.repeat(i * 7)}`,
        headers: new Map([['codec', compression], ['index', String(i)]]), timestamp: baseTimestamp + BigInt(sent.length + i),
      }))
      const result = await producer.send({ messages, compression })
      // One batch per partition: its base offset, then one offset per record in send order.
      for (const partition of [0, 1]) {
        const base = result.offsets!.find((o) => o.partition === partition)!.offset
        messages.filter((m) => m.partition === partition).forEach((m, i) => sent.push({ ...m, offset: base + BigInt(i) }))
      }
    }
    if (!CODECS.includes('zstd' as never)) {
      await assert.rejects(producer.send({ compression: 'zstd', messages: [{ topic: 'codecs', value: 'z' }] }),
        failedWith('code', 'PLT_KFK_UNSUPPORTED_COMPRESSION'))
    }
    const expected = sent.map((m) => `${m.partition}@${m.offset} ${m.key}=${m.value} ${JSON.stringify([...m.headers as Map<string, string>])} ${m.timestamp}`)
    assert.equal(new Set(expected).size, CODECS.length * 40)
    for (const partition of [0, 1]) {
      assert.deepEqual(sent.filter((m) => m.partition === partition).map((m) => m.offset), Array.from({ length: CODECS.length * 20 }, (_, i) => BigInt(i)), 'offsets are dense per partition')
    }
    const received = await consume(broker, 'codecs', sent.length)
    assert.equal(broker.coordinator.partition('codecs', 0).highWatermark + broker.coordinator.partition('codecs', 1).highWatermark, sent.length)
    const got = received.map((m) => `${m.partition}@${m.offset} ${m.key}=${m.value} ${JSON.stringify([...m.headers])} ${m.timestamp}`)
    assert.deepEqual(got.sort(), expected.sort())
    assert.deepEqual(broker.warnings, [])
  } finally {
    await producer.close()
    await broker.stop()
  }
})

test('compat platformatic [murmur2: with its compatibilityPartitioner (its default agrees only for 2^n partitions)]: keyed records land where the Kafka murmur2 partitioner puts them', async () => {
  const broker = await startTestBroker()
  // Its default partitioner takes murmur2 unsigned (`>>> 0`), which agrees with Java's
  // `toPositive(murmur2) % n` only when n is a power of two; compatibilityPartitioner is Java's.
  const compatible = new Producer({ ...clientOptions(broker, 'plt-murmur'), serializers: stringSerializers, partitioner: compatibilityPartitioner })
  const byDefault = new Producer({ ...clientOptions(broker, 'plt-default'), serializers: stringSerializers })
  try {
    await broker.coordinator.topics.create('keyed5', { partitions: 5 })
    await broker.coordinator.topics.create('keyed8', { partitions: 8 })
    const keys = Array.from({ length: 1000 }, (_, i) => `user-${i}-${(i * 2654435761) >>> 0}`)
    await compatible.send({ messages: keys.map((key) => ({ topic: 'keyed5', key, value: key })) })
    await byDefault.send({ messages: keys.map((key) => ({ topic: 'keyed8', key, value: key })) })

    // Sluice's partitionForKey is Kafka's (checked against Kafka's and librdkafka's vectors).
    const javaPartition = (key: string, partitions: number): number => partitionForKey(Buffer.from(key), partitions)
    for (const [topic, partitions] of [['keyed5', 5], ['keyed8', 8]] as const) {
      const received = await consume(broker, topic, keys.length)
      assert.equal(received.length, keys.length)
      assert.deepEqual(received.map((m) => m.key).sort(), [...keys].sort())
      const misplaced = received.filter((m) => m.partition !== javaPartition(m.key, partitions))
      assert.deepEqual(misplaced.map((m) => `${m.key}@${m.partition}`), [], `${topic}: every key on its murmur2 partition`)
    }
    // Why the 5-partition topic needs compatibilityPartitioner: the default disagrees with Java there.
    const disagreeing = keys.filter((key) => defaultPartitioner(undefined as never, Buffer.from(key)) % 5 !== javaPartition(key, 5))
    assert.ok(disagreeing.length > 0)
    assert.deepEqual(broker.warnings, [])
  } finally {
    await compatible.close()
    await byDefault.close()
    await broker.stop()
  }
})

test('compat platformatic [timestamp-seek]: lists offsets by timestamp and consumes from there', async () => {
  const broker = await startTestBroker()
  const producer = new Producer({ ...clientOptions(broker, 'plt-time'), serializers: stringSerializers })
  const admin = new Admin(clientOptions(broker, 'plt-time-admin'))
  const consumer = new Consumer({ ...clientOptions(broker, 'plt-time-lookup'), groupId: 'time-lookup', deserializers: stringDeserializers, maxWaitTime: 100 })
  try {
    await broker.coordinator.topics.create('timed', { partitions: 3 })
    const t0 = BigInt(Date.now()) - 60_000n
    // Three sends, so every partition holds several batches; timestamps rise by 10 ms per record.
    const all: Array<{ partition: number; value: string; timestamp: bigint }> = []
    for (let round = 0; round < 3; round++) {
      const messages = Array.from({ length: 30 }, (_, i) => {
        const n = round * 30 + i
        return { topic: 'timed', partition: n % 3, value: `t${n}`, timestamp: t0 + BigInt(n * 10) }
      })
      all.push(...messages)
      await producer.send({ messages })
    }
    const cut = t0 + 455n // between record 45 (t0+450) and record 46 (t0+460)
    const looked = await consumer.listOffsetsWithTimestamps({ topics: ['timed'], timestamp: cut })
    const expected = new Map([0, 1, 2].map((p) => {
      const inPartition = all.filter((m) => m.partition === p)
      const index = inPartition.findIndex((m) => m.timestamp >= cut)
      return [p, { offset: BigInt(index), timestamp: inPartition[index]!.timestamp }]
    }))
    assert.deepEqual(new Map([...looked.get('timed')!].sort(([a], [b]) => a - b)), expected)

    const [listed] = await admin.listOffsets({ topics: [{ name: 'timed', partitions: [
      { partitionIndex: 0, timestamp: -2n }, { partitionIndex: 1, timestamp: -1n }, { partitionIndex: 2, timestamp: t0 + 1_000_000n },
    ] }] })
    const answers = new Map(listed!.partitions.map((p) => [p.partitionIndex, [p.offset, p.timestamp]]))
    assert.deepEqual(answers.get(0), [0n, -1n], 'earliest')
    assert.deepEqual(answers.get(1), [30n, -1n], 'latest')
    assert.deepEqual(answers.get(2), [-1n, -1n], 'no record at or after a future timestamp')

    const offsets = [...expected].map(([partition, { offset }]) => ({ topic: 'timed', partition, offset }))
    const wanted = all.filter((m) => m.timestamp >= cut)
    const received = await consume(broker, 'timed', wanted.length, offsets)
    assert.deepEqual(received.map((m) => m.value).sort(), wanted.map((m) => m.value).sort())
    assert.ok(received.every((m) => m.timestamp >= cut))
    assert.deepEqual(broker.warnings, [])
  } finally {
    await consumer.close(true)
    await admin.close()
    await producer.close()
    await broker.stop()
  }
})

test('compat platformatic [idempotent-retries]: a batch retried after its acknowledgement was lost is answered with its original offsets and stored once', async () => {
  const proxy = await startFaultProxy()
  const broker = await startTestBroker({ broker: { advertisedPort: proxy.port } })
  proxy.targetPort = broker.port
  const producer = new Producer({
    clientId: 'plt-idempotent', bootstrapBrokers: [`127.0.0.1:${proxy.port}`], retries: 5, retryDelay: 50, timeout: 10_000,
    serializers: stringSerializers, idempotent: true, acks: -1,
  })
  try {
    await broker.coordinator.topics.create('once', { partitions: 2 })
    const batch = (from: number) => Array.from({ length: 10 }, (_, i) => ({ topic: 'once', partition: (from + i) % 2, key: `k${from + i}`, value: `v${from + i}` }))
    const first = await producer.send({ messages: batch(0) })
    assert.deepEqual(first.offsets!.map((o) => [o.partition, o.offset]).sort(), [[0, 0n], [1, 0n]])

    // The next answer is lost after the append: the client retries the same sequences.
    proxy.dropResponses(0, 1)
    const retried = await producer.send({ messages: batch(10) })
    assert.equal(proxy.dropped, 1, 'an acknowledgement was lost on the way')
    assert.deepEqual(retried.offsets!.map((o) => [o.partition, o.offset]).sort(), [[0, 5n], [1, 5n]], 'the duplicate is answered with the original offsets')
    // A second idempotent producer gets its own id and does not fence the first (this client sends
    // id 0 / epoch 0 in every InitProducerId, and the first producer holds id 0 here).
    await broker.coordinator.topics.create('elsewhere', { partitions: 1 })
    const other = new Producer({ ...clientOptions(broker, 'plt-idempotent-2'), serializers: stringSerializers, idempotent: true, acks: -1 })
    try {
      await other.send({ messages: [{ topic: 'elsewhere', value: 'other' }] })
      assert.notEqual(other.producerId, producer.producerId)
    } finally {
      await other.close()
    }
    const last = await producer.send({ messages: batch(20) })
    assert.deepEqual(last.offsets!.map((o) => [o.partition, o.offset]).sort(), [[0, 10n], [1, 10n]])

    // The log holds every record once, in batches of this producer id with contiguous sequences.
    const producerId = Number(producer.producerId)
    assert.ok(producerId >= 0)
    for (const partition of [0, 1]) {
      const { records } = await broker.coordinator.fetch('once', partition, 0, { maxBytes: 1 << 20 })
      const positions = [...batchPositions(records)]
      assert.deepEqual(positions.map((pos) => [batchProducerId(records, pos), batchProducerEpoch(records, pos), baseSequence(records, pos)]),
        [[producerId, 0, 0], [producerId, 0, 5], [producerId, 0, 10]])
      const values = positions.flatMap((pos) => readRecords(records, pos).map((r) => r.value!.toString()))
      assert.deepEqual(values, Array.from({ length: 15 }, (_, i) => `v${2 * i + partition}`))
    }
    assert.equal(broker.coordinator.partition('once', 0).highWatermark, 15)
  } finally {
    await producer.close()
    await broker.stop()
    await proxy.close()
  }
})
