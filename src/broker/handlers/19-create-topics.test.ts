// CreateTopics called directly over a real Coordinator, at v0, v1, v4, v5 and v7.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CreateTopicsRequestCreatableTopic } from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import { wireTopicId } from '../topic-ids.ts'
import { createTopicsHandler } from './19-create-topics.ts'
import { openTestBed, TEST_BROKER } from './handler-test-kit.ts'

function topic(name: string, numPartitions: number, options: Partial<CreateTopicsRequestCreatableTopic> = {}): CreateTopicsRequestCreatableTopic {
  return { name, numPartitions, replicationFactor: 1, assignments: [], configs: [], ...options }
}

test('create topics answers per topic with Kafka codes and messages, in request order', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('taken')
    const response = await bed.call(createTopicsHandler, 4, {
      timeoutMs: 1000, validateOnly: false,
      topics: [
        topic('fresh', 3, { configs: [{ name: 'retention.ms', value: '1000' }] }), topic('taken', 1), topic('bad name!', 1), topic('zero', 0),
        topic('rf3', 1, { replicationFactor: 3 }), topic('badcfg', 1, { configs: [{ name: 'no.such', value: '1' }] }),
        topic('nullcfg', 1, { configs: [{ name: 'retention.ms', value: null }] }), topic('twice', 1), topic('twice', 2), topic('defaults', -1, { replicationFactor: -1 }),
      ],
    })
    assert.deepEqual(response.topics.map((t) => [t.name, t.errorCode]), [
      ['fresh', 0], ['taken', 36], ['bad name!', 17], ['zero', 37], ['rf3', 38], ['badcfg', 40], ['nullcfg', 40], ['twice', 42], ['twice', 42], ['defaults', 0],
    ])
    assert.equal(response.topics[0]!.errorMessage, null)
    assert.match(response.topics[1]!.errorMessage!, /already exists/)
    assert.equal(bed.coordinator.topics.partitionCount('fresh'), 3)
    assert.equal(bed.coordinator.topics.config('fresh')['retention.ms'], 1000)
    assert.equal(bed.coordinator.topics.partitionCount('defaults'), 1)
    assert.equal(bed.coordinator.topics.has('twice'), false)
    // v4 has no config fields in the answer: the codec's defaults.
    assert.equal(response.topics[0]!.numPartitions, -1)
  } finally {
    await bed.close()
  }
})

test('create topics v5+ returns partitions, replication factor, configs with sources, and v7 the topic id', async () => {
  const bed = await openTestBed()
  try {
    const response = await bed.call(createTopicsHandler, 7, {
      timeoutMs: 1000, validateOnly: false, topics: [topic('orders', 2, { configs: [{ name: 'cleanup.policy', value: 'compact' }] })],
    })
    const [created] = response.topics
    assert.equal(created!.errorCode, 0)
    assert.equal(created!.numPartitions, 2)
    assert.equal(created!.replicationFactor, 1)
    assert.equal(created!.topicId, wireTopicId(bed.coordinator.topics.topicId('orders')))
    const byName = new Map(created!.configs!.map((c) => [c.name, c]))
    assert.deepEqual(byName.get('cleanup.policy'), { name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false })
    assert.equal(byName.get('retention.ms')!.configSource, 5)
    assert.equal(byName.get('retention.ms')!.value, '604800000')
    const v5 = await bed.call(createTopicsHandler, 5, { timeoutMs: 1000, validateOnly: false, topics: [topic('v5', 1)] })
    assert.equal(v5.topics[0]!.topicId, ZERO_UUID)
    assert.equal(v5.topics[0]!.numPartitions, 1)
  } finally {
    await bed.close()
  }
})

test('create topics with validateOnly checks everything and creates nothing', async () => {
  const bed = await openTestBed()
  try {
    const response = await bed.call(createTopicsHandler, 5, {
      timeoutMs: 1000, validateOnly: true, topics: [topic('dry', 4, { configs: [{ name: 'retention.ms', value: '5' }] }), topic('dry-bad', -2)],
    })
    assert.deepEqual(response.topics.map((t) => t.errorCode), [0, 37])
    assert.equal(response.topics[0]!.numPartitions, 4)
    assert.equal(response.topics[0]!.configs!.find((c) => c.name === 'retention.ms')!.value, '5')
    assert.equal(bed.coordinator.topics.has('dry'), false)
    const v0 = await bed.call(createTopicsHandler, 0, { timeoutMs: 1000, validateOnly: false, topics: [topic('v0', 1)] })
    assert.equal(v0.topics[0]!.errorCode, 0)
    assert.equal(bed.coordinator.topics.has('v0'), true)
  } finally {
    await bed.close()
  }
})

test('create topics honours a manual assignment to this node and refuses other brokers', async () => {
  const bed = await openTestBed()
  const node = TEST_BROKER.nodeId
  try {
    const response = await bed.call(createTopicsHandler, 6, {
      timeoutMs: 1000, validateOnly: false,
      topics: [
        topic('manual', -1, { replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [node] }, { partitionIndex: 1, brokerIds: [node] }] }),
        topic('elsewhere', -1, { replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [node + 1] }] }),
        topic('both', 2, { assignments: [{ partitionIndex: 0, brokerIds: [node] }] }),
      ],
    })
    assert.deepEqual(response.topics.map((t) => t.errorCode), [0, 39, 42])
    assert.equal(bed.coordinator.topics.partitionCount('manual'), 2)
  } finally {
    await bed.close()
  }
})

test('a validate-only answer shows the broker\'s defaults where the request sets nothing', async () => {
  const bed = await openTestBed({ defaults: { 'segment.bytes': 2_000_000 } })
  try {
    const response = await bed.call(createTopicsHandler, 5, { timeoutMs: 1000, validateOnly: true, topics: [topic('dry', 1)] })
    const segment = response.topics[0]!.configs!.find((c) => c.name === 'segment.bytes')!
    assert.deepEqual([segment.value, segment.configSource], ['2000000', 4])
  } finally {
    await bed.close()
  }
})
