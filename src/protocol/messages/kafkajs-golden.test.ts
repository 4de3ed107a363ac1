// Golden bytes from a real client: KafkaJS 2.2.4's own request encoders (its `protocol/requests/*`
// modules, framed by `protocol/request.js` exactly as it puts them on the socket) decode with
// Sluice's generated codecs to the fields KafkaJS meant; and bodies Sluice encodes decode with
// KafkaJS's response decoders. KafkaJS speaks only classic (non-flexible) versions, which is also
// what librdkafka 2.0 and kafka-python 2.0 use for these APIs.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { Reader, ZERO_UUID } from '../primitives/reader.ts'
import { Writer } from '../primitives/writer.ts'
import {
  ApiKey,
  apis,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  decodeRequestHeader,
  encodeApiVersionsResponse,
  encodeConsumerProtocolAssignment,
  encodeFetchResponse,
  encodeJoinGroupResponse,
  encodeMetadataResponse,
  encodeProduceResponse,
  requestHeaderVersion,
  type FetchRequest,
  type JoinGroupRequest,
  type ListOffsetsRequest,
  type MetadataRequest,
  type OffsetCommitRequest,
  type ProduceRequest,
  type RequestHeader,
  type SyncGroupRequest,
} from './index.ts'

// KafkaJS's internals are CommonJS without type declarations: load them through require.
const require = createRequire(import.meta.url)
type KafkaJsRequest = { apiKey: number; apiVersion: number; encode: () => Promise<unknown> }
type Module = (args?: Record<string, unknown>) => KafkaJsRequest
const frame = require('kafkajs/src/protocol/request.js') as (args: {
  correlationId: number
  clientId: string
  request: KafkaJsRequest
}) => Promise<{ buffer: Buffer }>
const kafkajs = (path: string): Module => require(`kafkajs/src/protocol/requests/${path}`) as Module
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: { encode(args: { version: number; topics: string[]; userData?: Buffer }): Buffer }
  MemberAssignment: {
    encode(args: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer
    decode(buffer: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer }
  }
}
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(args: Record<string, unknown>): Promise<{ buffer: Buffer }>
}
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  args: Record<string, unknown>,
) => unknown
const decodeResponse = (path: string): ((body: Buffer) => Promise<Record<string, unknown>>) =>
  (require(`kafkajs/src/protocol/requests/${path}`) as { decode(body: Buffer): Promise<Record<string, unknown>> }).decode

/** Frames a KafkaJS request as KafkaJS would send it and decodes it the way the broker will. */
async function decodeKafkaJs(request: KafkaJsRequest): Promise<{ header: RequestHeader; body: unknown }> {
  const bytes = (await frame({ correlationId: 42, clientId: 'golden', request })).buffer
  assert.equal(bytes.readInt32BE(0), bytes.length - 4, 'size prefix')
  const r = new Reader(bytes, 4)
  const header = decodeRequestHeader(r, requestHeaderVersion(request.apiKey, request.apiVersion))
  const body = apis.get(request.apiKey)!.decodeRequest(r, request.apiVersion)
  assert.equal(r.error, null)
  assert.equal(r.remaining, 0, 'the whole frame was consumed')
  assert.deepStrictEqual(header, {
    requestApiKey: request.apiKey,
    requestApiVersion: request.apiVersion,
    correlationId: 42,
    clientId: 'golden',
  })
  return { header, body }
}

test('KafkaJS ApiVersions v0 is a bare v1 header', async () => {
  const { body } = await decodeKafkaJs(kafkajs('apiVersions/v0/request.js')())
  assert.deepStrictEqual(body, { clientSoftwareName: '', clientSoftwareVersion: '' })
})

test('KafkaJS Metadata v1 names its topics, or sends null for all topics', async () => {
  const named = (await decodeKafkaJs(kafkajs('metadata/v1/request.js')({ topics: ['orders', 'payments'] })))
    .body as MetadataRequest
  assert.deepStrictEqual(named.topics, [
    { topicId: ZERO_UUID, name: 'orders' },
    { topicId: ZERO_UUID, name: 'payments' },
  ])
  assert.equal(named.allowAutoTopicCreation, true)
  const all = (await decodeKafkaJs(kafkajs('metadata/v1/request.js')({ topics: [] }))).body as MetadataRequest
  assert.equal(all.topics, null, 'KafkaJS writes an empty list as a null array')
})

test('KafkaJS Produce v3 carries its record batch untouched', async () => {
  const request = kafkajs('produce/v3/request.js')({
    acks: -1,
    timeout: 30000,
    transactionalId: null,
    topicData: [{
      topic: 'orders',
      partitions: [{
        partition: 1,
        firstSequence: 0,
        messages: [
          { key: 'k1', value: 'v1', timestamp: 1700000000000 },
          { key: 'k2', value: 'v2', timestamp: 1700000000005 },
        ],
      }],
    }],
  })
  const body = (await decodeKafkaJs(request)).body as ProduceRequest
  assert.equal(body.transactionalId, null)
  assert.equal(body.acks, -1)
  assert.equal(body.timeoutMs, 30000)
  const partition = body.topicData[0]!.partitionData[0]!
  assert.equal(body.topicData[0]!.name, 'orders')
  assert.equal(partition.index, 1)
  const batch = partition.records!
  assert.equal(batch.readInt32BE(8), batch.length - 12, 'batchLength covers the rest of the blob')
  assert.equal(batch.readInt8(16), 2, 'magic 2')
  assert.equal(Number(batch.readBigInt64BE(27)), 1700000000000, 'baseTimestamp')
  assert.equal(batch.readInt32BE(57), 2, 'two records')
})

test('KafkaJS Fetch v4 asks for its partitions with read_committed', async () => {
  const request = kafkajs('fetch/v4/request.js')({
    replicaId: -1,
    maxWaitTime: 500,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '1234', maxBytes: 1048576 }] }],
  })
  const body = (await decodeKafkaJs(request)).body as FetchRequest
  assert.deepEqual(
    [body.replicaId, body.maxWaitMs, body.minBytes, body.maxBytes, body.isolationLevel],
    [-1, 500, 1, 10485760, 1],
  )
  assert.equal(body.topics[0]!.topic, 'orders')
  assert.deepEqual(
    [body.topics[0]!.partitions[0]!.fetchOffset, body.topics[0]!.partitions[0]!.partitionMaxBytes],
    [1234, 1048576],
  )
  assert.equal(body.sessionEpoch, -1, 'v4 predates fetch sessions: the default')
})

test('KafkaJS JoinGroup v0 and v5 carry a consumer subscription Sluice can read', async () => {
  const metadata = MemberMetadata.encode({ version: 0, topics: ['orders', 'payments'], userData: Buffer.from('u') })
  for (const version of [0, 5]) {
    const request = kafkajs(`joinGroup/v${version}/request.js`)({
      groupId: 'audit',
      sessionTimeout: 10000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata }],
    })
    const body = (await decodeKafkaJs(request)).body as JoinGroupRequest
    assert.equal(body.groupId, 'audit')
    assert.equal(body.sessionTimeoutMs, 10000)
    assert.equal(body.rebalanceTimeoutMs, version >= 1 ? 60000 : -1)
    assert.equal(body.protocolType, 'consumer')
    const protocol = body.protocols[0]!
    assert.equal(protocol.name, 'RoundRobinAssigner')
    const r = new Reader(protocol.metadata)
    const subscription = decodeConsumerProtocolSubscription(r, r.int16())
    assert.equal(r.error, null)
    assert.deepStrictEqual(subscription.topics, ['orders', 'payments'])
    assert.deepEqual(subscription.userData, Buffer.from('u'))
  }
})

test('KafkaJS SyncGroup v3 carries an assignment Sluice can read', async () => {
  const assignment = MemberAssignment.encode({ version: 0, assignment: { orders: [0, 2], payments: [1] } })
  const request = kafkajs('syncGroup/v3/request.js')({
    groupId: 'audit',
    generationId: 3,
    memberId: 'm-1',
    groupInstanceId: null,
    groupAssignment: [{ memberId: 'm-1', memberAssignment: assignment }],
  })
  const body = (await decodeKafkaJs(request)).body as SyncGroupRequest
  assert.deepEqual([body.groupId, body.generationId, body.memberId, body.groupInstanceId], ['audit', 3, 'm-1', null])
  const r = new Reader(body.assignments[0]!.assignment)
  const decoded = decodeConsumerProtocolAssignment(r, r.int16())
  assert.deepStrictEqual(decoded.assignedPartitions, [
    { topic: 'orders', partitions: [0, 2] },
    { topic: 'payments', partitions: [1] },
  ])
})

test('KafkaJS OffsetCommit v2 and ListOffsets v2 decode field for field', async () => {
  const commit = (await decodeKafkaJs(kafkajs('offsetCommit/v2/request.js')({
    groupId: 'audit',
    groupGenerationId: 3,
    memberId: 'm-1',
    retentionTime: -1,
    topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '100' }] }],
  }))).body as OffsetCommitRequest
  assert.deepEqual([commit.groupId, commit.generationIdOrMemberEpoch, commit.memberId, commit.retentionTimeMs], [
    'audit', 3, 'm-1', -1,
  ])
  assert.deepStrictEqual(commit.topics[0]!.partitions[0], {
    partitionIndex: 0,
    committedOffset: 100,
    committedLeaderEpoch: -1,
    commitTimestamp: -1,
    committedMetadata: null,
  })
  const list = (await decodeKafkaJs(kafkajs('listOffsets/v2/request.js')({
    replicaId: -1,
    isolationLevel: 1,
    topics: [{ topic: 'orders', partitions: [{ partition: 0, timestamp: -2 }] }],
  }))).body as ListOffsetsRequest
  assert.deepEqual([list.replicaId, list.isolationLevel, list.topics[0]!.partitions[0]!.timestamp], [-1, 1, -2])
})

function encodeBody(encode: (w: Writer) => void): Buffer {
  const w = new Writer()
  encode(w)
  return w.toBuffer()
}

test('KafkaJS reads the ApiVersions, Metadata and Produce responses Sluice writes', async () => {
  const apiVersions = await decodeResponse('apiVersions/v0/response.js')(encodeBody((w) => encodeApiVersionsResponse(w, 0, {
    errorCode: 0,
    apiKeys: [{ apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 11 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  })))
  assert.deepEqual(apiVersions.apiVersions, [{ apiKey: 0, minVersion: 3, maxVersion: 11 }])

  const metadata = await decodeResponse('metadata/v1/response.js')(encodeBody((w) => encodeMetadataResponse(w, 1, {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    clusterId: null,
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: 'orders',
      topicId: ZERO_UUID,
      isInternal: false,
      partitions: [{
        errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: -1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [],
      }],
      topicAuthorizedOperations: -2147483648,
    }],
    clusterAuthorizedOperations: -2147483648,
  })))
  assert.deepEqual(metadata.brokers, [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }])
  assert.deepEqual(metadata.topicMetadata, [{
    topicErrorCode: 0,
    topic: 'orders',
    isInternal: false,
    partitionMetadata: [{ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1] }],
  }])

  const produce = await decodeResponse('produce/v3/response.js')(encodeBody((w) => encodeProduceResponse(w, 3, {
    responses: [{
      name: 'orders',
      partitionResponses: [{
        index: 1, errorCode: 0, baseOffset: 2 ** 40, logAppendTimeMs: -1, logStartOffset: -1,
        recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 },
      }],
    }],
    throttleTimeMs: 7,
    nodeEndpoints: [],
  })))
  assert.deepEqual(produce, {
    topics: [{ topicName: 'orders', partitions: [{ partition: 1, errorCode: 0, baseOffset: String(2 ** 40), logAppendTime: '-1' }] }],
    throttleTime: 7,
  })
})

test('KafkaJS reads a JoinGroup v0 response and the records of a Fetch v4 response', async () => {
  const join = await decodeResponse('joinGroup/v0/response.js')(encodeBody((w) => encodeJoinGroupResponse(w, 0, {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId: 1,
    protocolType: null,
    protocolName: 'RoundRobinAssigner',
    leader: 'm-1',
    skipAssignment: false,
    memberId: 'm-1',
    members: [{ memberId: 'm-1', groupInstanceId: null, metadata: Buffer.from([0, 0]) }],
  })))
  assert.deepEqual(
    [join.generationId, join.groupProtocol, join.leaderId, join.memberId],
    [1, 'RoundRobinAssigner', 'm-1', 'm-1'],
  )

  const assignment = encodeBody((w) => {
    w.int16(0)
    encodeConsumerProtocolAssignment(w, 0, { assignedPartitions: [{ topic: 'orders', partitions: [0, 1] }], userData: null })
  })
  assert.deepEqual(MemberAssignment.decode(assignment).assignment, { orders: [0, 1] })

  const batch = (await RecordBatch({
    firstOffset: '5',
    firstTimestamp: 1700000000000,
    maxTimestamp: 1700000000000,
    lastOffsetDelta: 0,
    records: [Record({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('hello') })],
  })).buffer
  const fetch = await decodeResponse('fetch/v4/response.js')(encodeBody((w) => encodeFetchResponse(w, 4, {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [{
      topic: 'orders',
      topicId: ZERO_UUID,
      partitions: [{
        partitionIndex: 0, errorCode: 0, highWatermark: 6, lastStableOffset: 6, logStartOffset: -1,
        divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: [], preferredReadReplica: -1, records: batch,
      }],
    }],
    nodeEndpoints: [],
  })))
  const partition = (fetch.responses as { partitions: { highWatermark: string; messages: { offset: string; value: Buffer }[] }[] }[])[0]!.partitions[0]!
  assert.equal(partition.highWatermark, '6')
  assert.deepEqual(partition.messages.map((m) => [m.offset, m.value.toString()]), [['5', 'hello']])
})
