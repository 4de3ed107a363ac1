// Metadata and ApiVersions over the wire: this broker, topic ids, auto-creation, the advertised set.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '../../testing/broker.ts'
import { WireClient } from '../wire-test-kit.ts'
import type { ApiVersionsResponse, MetadataResponse } from '../../protocol/messages/index.ts'
import { apis } from '../../protocol/messages/index.ts'
import { handlers } from './index.ts'
import { wireTopicId } from '../topic-ids.ts'
import { MemoryFs } from '../../testing/memory-fs.ts'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { isSluiceError } from '../../base/errors.ts'

const METADATA = 3

test('metadata lists this broker and each topic with its stable id, led by this node', async () => {
  const broker = await startTestBroker({ broker: { advertisedHost: 'kafka.example', nodeId: 7 } })
  const client = await WireClient.connect(broker.port)
  try {
    await broker.coordinator.topics.create('orders', { partitions: 3 })
    const response = await client.request<MetadataResponse>(METADATA, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
    assert.deepEqual(response.brokers, [{ nodeId: 7, host: 'kafka.example', port: broker.port, rack: null }])
    assert.equal(response.controllerId, 7)
    assert.equal(response.clusterId!.length, 22)
    const [topic] = response.topics
    assert.equal(topic!.topicId, wireTopicId(broker.coordinator.topics.topicId('orders')))
    assert.deepEqual(topic!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes]), [0, 1, 2].map((p) => [p, 7, 0, [7], [7]]))
    const byId = await client.request<MetadataResponse>(METADATA, 12, { topics: [{ topicId: topic!.topicId, name: null }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
    assert.equal(byId.topics[0]!.name, 'orders')
    const v0 = await client.request<MetadataResponse>(METADATA, 0, { topics: [], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
    assert.deepEqual(v0.topics.map((t) => t.name), ['__consumer_offsets', 'orders'])
  } finally {
    client.close()
    await broker.stop()
  }
})

test('a partition whose log went offline is reported without a leader (LEADER_NOT_AVAILABLE, offlineReplicas), the others as usual', async () => {
  const fs = new MemoryFs()
  const broker = await startTestBroker({ coordinator: { fs } })
  const client = await WireClient.connect(broker.port)
  try {
    await broker.coordinator.topics.create('readings', { partitions: 2 })
    fs.injectFault({ op: 'write', path: /readings-1\//, code: 'EIO', times: Infinity })
    await assert.rejects(broker.coordinator.produce('readings', 1, buildRecordBatch([{ key: null, value: Buffer.from('x') }], { timestamp: Date.now() })), (e) => isSluiceError(e, 'KAFKA_STORAGE_ERROR'))
    for (const version of [1, 5, 12]) {
      const response = await client.request<MetadataResponse>(METADATA, version, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'readings' }], allowAutoTopicCreation: version < 4, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
      assert.deepEqual(response.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.leaderId, p.isrNodes, version >= 5 ? p.offlineReplicas : []]), [
        [0, 0, 0, [0], []],
        [1, 5, -1, [], version >= 5 ? [0] : []],
      ])
    }
  } finally {
    fs.clearFaults()
    client.close()
    await broker.stop()
  }
})

test('metadata during a topic\'s creation answers its partitions as leaderless, never fails the request (found by the fuzz test)', async () => {
  const broker = await startTestBroker()
  const client = await WireClient.connect(broker.port)
  try {
    const creating = broker.coordinator.topics.create('wide', { partitions: 64 })
    const seen = new Set<number>()
    for (let i = 0; i < 50; i++) {
      const response = await client.request<MetadataResponse>(METADATA, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
      for (const partition of response.topics.find((t) => t.name === 'wide')?.partitions ?? []) seen.add(partition.errorCode)
    }
    await creating
    assert.ok([...seen].every((code) => code === 0 || code === 5), `codes ${[...seen]}`)
    assert.deepEqual(broker.warnings, [])
  } finally {
    client.close()
    await broker.stop()
  }
})

test('metadata creates unknown topics only when both the broker and the request allow it', async () => {
  for (const [brokerAllows, requestAllows, expected] of [[true, true, 0], [true, false, 3], [false, true, 3]] as const) {
    const broker = await startTestBroker({ broker: { autoCreateTopics: brokerAllows } })
    const client = await WireClient.connect(broker.port)
    try {
      const response = await client.request<MetadataResponse>(METADATA, 9, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fresh' }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad name!' }], allowAutoTopicCreation: requestAllows, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
      assert.equal(response.topics[0]!.errorCode, expected, `broker ${brokerAllows}, request ${requestAllows}`)
      assert.equal(response.topics[0]!.partitions.length, expected === 0 ? 1 : 0)
      assert.equal(response.topics[1]!.errorCode, brokerAllows && requestAllows ? 17 : 3)
      assert.equal(broker.coordinator.topics.has('fresh'), expected === 0)
    } finally {
      client.close()
      await broker.stop()
    }
  }
})

test('ApiVersions advertises exactly the handler table, clamped to the codecs, Produce 3+ and Fetch 4+', async () => {
  const broker = await startTestBroker()
  const client = await WireClient.connect(broker.port)
  try {
    for (const version of [0, 3, 4]) {
      const response = await client.request<ApiVersionsResponse>(18, version, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' })
      assert.equal(response.errorCode, 0)
      assert.deepEqual(response.apiKeys.map((k) => k.apiKey), handlers.map((h) => h.apiKey).sort((a, b) => a - b))
      for (const key of response.apiKeys) {
        const api = apis.get(key.apiKey)!
        assert.ok(key.minVersion >= api.minVersion && key.maxVersion <= api.maxVersion, `${api.name} outside its codec`)
      }
      assert.deepEqual(response.apiKeys.find((k) => k.apiKey === 0), { apiKey: 0, minVersion: 3, maxVersion: 11 })
      assert.deepEqual(response.apiKeys.find((k) => k.apiKey === 1), { apiKey: 1, minVersion: 4, maxVersion: 17 })
    }
  } finally {
    client.close()
    await broker.stop()
  }
})
