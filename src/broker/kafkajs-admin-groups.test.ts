// KafkaJS 2.2.4 against a Sluice broker serving the admin and group APIs (handlers 8-16, 19-21,
// 32-37, 42-47, 60): topic admin, a consumer group of three with a rebalance when one leaves and
// offsets resumed after a restart, seek by timestamp, and an idempotent producer (5 in flight).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CompressionTypes, Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'

async function start(): Promise<{ broker: TestBroker; kafka: Kafka }> {
  const broker = await startTestBroker()
  const kafka = new Kafka({ brokers: [broker.address], clientId: 'kafkajs-admin', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } })
  return { broker, kafka }
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

test('compat kafkajs [admin]: creates, describes, alters, grows and deletes topics', async () => {
  const { broker, kafka } = await start()
  const admin = kafka.admin()
  try {
    await admin.connect()
    assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-t', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '60000' }] }] }), true)
    assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-t', numPartitions: 2 }] }), false, 'already exists')
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad', numPartitions: 1, configEntries: [{ name: 'no.such', value: '1' }] }] }),
      (error: { errors?: Array<{ type: string }> }) => error.errors?.[0]?.type === 'INVALID_CONFIG')
    const metadata = await admin.fetchTopicMetadata({ topics: ['admin-t'] })
    assert.equal(metadata.topics[0]!.partitions.length, 2)

    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'admin-t' }] })
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]))
    assert.equal(entries.get('retention.ms')!.configValue, '60000')
    assert.equal(entries.get('retention.ms')!.isDefault, false)
    assert.equal(entries.get('cleanup.policy')!.isDefault, true)
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'admin-t', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })
    assert.equal(broker.coordinator.topics.config('admin-t')['cleanup.policy'], 'compact')
    assert.equal(broker.coordinator.topics.config('admin-t')['retention.ms'], 604800000, 'AlterConfigs replaces the whole config')

    await admin.createPartitions({ topicPartitions: [{ topic: 'admin-t', count: 5 }] })
    assert.equal((await admin.fetchTopicMetadata({ topics: ['admin-t'] })).topics[0]!.partitions.length, 5)
    await admin.deleteTopics({ topics: ['admin-t'] })
    assert.equal(broker.coordinator.topics.has('admin-t'), false)
    assert.deepEqual(await admin.listTopics(), ['__consumer_offsets'])
    assert.deepEqual(broker.warnings, [])
  } finally {
    await admin.disconnect()
    await broker.stop()
  }
})

test('compat kafkajs [group, timestamp-seek]: a consumer group of three rebalances when one leaves, resumes committed offsets (reading gzip and uncompressed batches), and seeks by timestamp', async () => {
  const { broker, kafka } = await start()
  const admin = kafka.admin()
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 })
  const consumers: Consumer[] = []
  const seen: string[] = []
  const assigned = new Map<Consumer, number>()
  const newConsumer = async (): Promise<Consumer> => {
    const consumer = kafka.consumer({ groupId: 'workers', sessionTimeout: 6000, rebalanceTimeout: 8000, heartbeatInterval: 300, maxWaitTimeInMs: 100 })
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      assigned.set(consumer, Object.values(event.payload.memberAssignment).reduce((n, parts) => n + parts.length, 0))
    })
    await consumer.connect()
    await consumer.subscribe({ topic: 'work', fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }: EachMessagePayload) => { seen.push(message.value!.toString()) } })
    consumers.push(consumer)
    return consumer
  }
  try {
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'work', numPartitions: 3 }] })
    await producer.connect()
    const send = (from: number, count: number, compression = CompressionTypes.None) => producer.send({ topic: 'work', compression, messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `m${from + i}` })) })
    await send(0, 30)
    const [first, second, third] = [await newConsumer(), await newConsumer(), await newConsumer()]
    await waitFor(() => [first, second, third].every((c) => assigned.get(c!) === 1) && seen.length >= 30, 'three members with one partition each and 30 messages')

    await third!.disconnect()
    consumers.pop()
    await waitFor(() => assigned.get(first!)! + assigned.get(second!)! === 3, 'a rebalance over the two remaining members')
    await send(30, 30, CompressionTypes.GZIP)
    await waitFor(() => seen.length >= 60, '60 messages')
    assert.deepEqual(new Set(seen).size, 60)

    // Restart the group: committed offsets are where it resumes, so nothing is delivered twice.
    for (const consumer of consumers.splice(0)) await consumer.disconnect()
    const committed = await admin.fetchOffsets({ groupId: 'workers', topics: ['work'] })
    assert.equal(committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0), 60)
    const before = seen.length
    await send(60, 9)
    await newConsumer()
    await waitFor(() => seen.length >= before + 9, 'the 9 new messages after the restart')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(seen.length, before + 9, 'no message delivered twice')
    const groups = await admin.listGroups()
    assert.deepEqual(groups.groups.map((g) => g.groupId), ['workers'])

    // Seek by timestamp: everything from now on.
    const cut = Date.now() + 1
    await new Promise((resolve) => setTimeout(resolve, 5))
    await send(100, 3)
    const offsets = await admin.fetchTopicOffsetsByTimestamp('work', cut)
    const seeker = kafka.consumer({ groupId: 'seeker', heartbeatInterval: 300, maxWaitTimeInMs: 100 })
    consumers.push(seeker)
    const sought: string[] = []
    await seeker.connect()
    await seeker.subscribe({ topic: 'work', fromBeginning: true })
    await seeker.run({ eachMessage: async ({ message }) => { sought.push(message.value!.toString()) } })
    for (const { partition, offset } of offsets) seeker.seek({ topic: 'work', partition, offset })
    await waitFor(() => sought.length >= 3, 'the 3 messages after the timestamp')
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.deepEqual(sought.sort(), ['m100', 'm101', 'm102'])
    assert.deepEqual(broker.warnings, [])
  } finally {
    for (const consumer of consumers) await consumer.disconnect()
    await producer.disconnect()
    await admin.disconnect()
    await broker.stop()
  }
})
