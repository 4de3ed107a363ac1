// Hand-written bodies for the APIs Sluice serves first, at old, current and flexible versions:
// they survive encode → decode, hit bytes worked out by hand from the protocol guide, decode
// absent fields to their defaults, and survive truncation and mutation through the sticky error
// only. (tools/protogen/codecs.test.ts runs every API at every version with random bodies.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { Reader, ZERO_UUID } from '../primitives/reader.ts'
import { Writer } from '../primitives/writer.ts'
import {
  ApiKey,
  apis,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  decodeRequestHeader,
  encodeApiVersionsRequest,
  encodeApiVersionsResponse,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  encodeMetadataRequest,
  encodeProduceRequest,
  encodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  type ApiVersionsResponse,
  type ConsumerProtocolSubscription,
  type FetchRequest,
  type FetchResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type MetadataRequest,
  type MetadataResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type ProduceRequest,
  type ProduceResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from './index.ts'

const TOPIC_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64url')
const BATCH = Buffer.from('000000000000000000000031ffffffff02', 'hex') // a batch header's start

interface Sample {
  readonly label: string
  readonly apiKey: number
  readonly direction: 'request' | 'response'
  readonly version: number
  readonly body: unknown
}

// Bodies hold exactly the decoder's defaults in fields their version lacks, so they round-trip.
function samples(): Sample[] {
  const list: Sample[] = []
  const add = (apiKey: number, direction: Sample['direction'], versions: number[], make: (v: number) => unknown): void => {
    for (const version of versions) {
      const name = apis.get(apiKey)!.name
      list.push({ label: `${name}${direction === 'request' ? 'Request' : 'Response'} v${version}`, apiKey, direction, version, body: make(version) })
    }
  }
  add(ApiKey.ApiVersions, 'response', [0, 3], (v): ApiVersionsResponse => ({
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: v >= 1 ? 5 : 0,
    supportedFeatures: v >= 3 ? [{ name: 'metadata.version', minVersion: 1, maxVersion: 21 }] : [],
    finalizedFeaturesEpoch: v >= 3 ? 7 : -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }))
  add(ApiKey.Metadata, 'request', [1, 9, 12], (v): MetadataRequest => ({
    topics: [{ topicId: v >= 10 ? TOPIC_ID : ZERO_UUID, name: 'orders' }],
    allowAutoTopicCreation: v >= 4 ? false : true,
    includeClusterAuthorizedOperations: v >= 8 && v <= 10,
    includeTopicAuthorizedOperations: v >= 8,
  }))
  add(ApiKey.Metadata, 'response', [1, 9, 12], (v): MetadataResponse => ({
    throttleTimeMs: v >= 3 ? 1 : 0,
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: v >= 1 ? null : null }],
    clusterId: v >= 2 ? 'sluice-cluster' : null,
    controllerId: v >= 1 ? 1 : -1,
    topics: [{
      errorCode: 0,
      name: 'orders',
      topicId: v >= 10 ? TOPIC_ID : ZERO_UUID,
      isInternal: false,
      partitions: [{
        errorCode: 0,
        partitionIndex: 0,
        leaderId: 1,
        leaderEpoch: v >= 7 ? 3 : -1,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: v >= 5 ? [] : [],
      }],
      topicAuthorizedOperations: v >= 8 ? 0x5f8 : -2147483648,
    }],
    clusterAuthorizedOperations: v >= 8 && v <= 10 ? 12 : -2147483648,
  }))
  add(ApiKey.Produce, 'request', [3, 9, 11], (v): ProduceRequest => ({
    transactionalId: v >= 9 ? 'tx-1' : null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'orders', partitionData: [{ index: 2, records: BATCH }, { index: 3, records: null }] }],
  }))
  add(ApiKey.Produce, 'response', [3, 8, 10], (v): ProduceResponse => ({
    responses: [{
      name: 'orders',
      partitionResponses: [{
        index: 2,
        errorCode: v >= 10 ? 6 : 0,
        baseOffset: 2 ** 40,
        logAppendTimeMs: -1,
        logStartOffset: v >= 5 ? 0 : -1,
        recordErrors: v >= 8 ? [{ batchIndex: 1, batchIndexErrorMessage: 'bad' }] : [],
        errorMessage: v >= 8 ? 'one record was rejected' : null,
        currentLeader: v >= 10 ? { leaderId: 2, leaderEpoch: 9 } : { leaderId: -1, leaderEpoch: -1 },
      }],
    }],
    throttleTimeMs: 0,
    nodeEndpoints: v >= 10 ? [{ nodeId: 2, host: 'broker-2', port: 9093, rack: 'r1' }] : [],
  }))
  add(ApiKey.Fetch, 'request', [4, 12, 13], (v): FetchRequest => ({
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 52428800,
    isolationLevel: 1,
    sessionId: v >= 7 ? 0 : 0,
    sessionEpoch: -1,
    topics: [{
      topic: v <= 12 ? 'orders' : '',
      topicId: v >= 13 ? TOPIC_ID : ZERO_UUID,
      partitions: [{
        partition: 0,
        currentLeaderEpoch: v >= 9 ? 4 : -1,
        fetchOffset: 1234,
        lastFetchedEpoch: v >= 12 ? 4 : -1,
        logStartOffset: v >= 5 ? 0 : -1,
        partitionMaxBytes: 1048576,
        replicaDirectoryId: ZERO_UUID,
      }],
    }],
    forgottenTopicsData: [],
    rackId: v >= 11 ? 'rack-a' : '',
  }))
  add(ApiKey.Fetch, 'response', [4, 11, 12, 16], (v): FetchResponse => ({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: v >= 7 ? 77 : 0,
    responses: [{
      topic: v <= 12 ? 'orders' : '',
      topicId: v >= 13 ? TOPIC_ID : ZERO_UUID,
      partitions: [{
        partitionIndex: 0,
        errorCode: 0,
        highWatermark: 99,
        lastStableOffset: 98,
        logStartOffset: v >= 5 ? 0 : -1,
        divergingEpoch: { epoch: -1, endOffset: -1 },
        currentLeader: v >= 12 ? { leaderId: 1, leaderEpoch: 4 } : { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 },
        abortedTransactions: v >= 11 ? null : [{ producerId: 42, firstOffset: 90 }],
        preferredReadReplica: -1,
        records: BATCH,
      }],
    }],
    nodeEndpoints: v >= 16 ? [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }] : [],
  }))
  add(ApiKey.JoinGroup, 'request', [0, 5, 6, 9], (v): JoinGroupRequest => ({
    groupId: 'audit',
    sessionTimeoutMs: 10000,
    rebalanceTimeoutMs: v >= 1 ? 30000 : -1,
    memberId: '',
    groupInstanceId: v >= 5 ? 'instance-1' : null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1]) }],
    reason: v >= 8 ? 'rejoin' : null,
  }))
  add(ApiKey.JoinGroup, 'response', [0, 6, 7], (v): JoinGroupResponse => ({
    throttleTimeMs: v >= 2 ? 3 : 0,
    errorCode: 0,
    generationId: 1,
    protocolType: v >= 7 ? 'consumer' : null,
    protocolName: 'range',
    leader: 'member-1',
    skipAssignment: false,
    memberId: 'member-1',
    members: [{ memberId: 'member-1', groupInstanceId: v >= 5 ? null : null, metadata: Buffer.from([1, 2]) }],
  }))
  add(ApiKey.SyncGroup, 'request', [0, 3, 5], (v): SyncGroupRequest => ({
    groupId: 'audit',
    generationId: 1,
    memberId: 'member-1',
    groupInstanceId: null,
    protocolType: v >= 5 ? 'consumer' : null,
    protocolName: v >= 5 ? 'range' : null,
    assignments: [{ memberId: 'member-1', assignment: Buffer.from([0, 0, 9]) }],
  }))
  add(ApiKey.SyncGroup, 'response', [0, 4, 5], (v): SyncGroupResponse => ({
    throttleTimeMs: v >= 1 ? 2 : 0,
    errorCode: 0,
    protocolType: v >= 5 ? 'consumer' : null,
    protocolName: v >= 5 ? 'range' : null,
    assignment: Buffer.from([0, 0, 9]),
  }))
  add(ApiKey.OffsetCommit, 'request', [2, 8, 9], (v): OffsetCommitRequest => ({
    groupId: 'audit',
    generationIdOrMemberEpoch: 1,
    memberId: 'member-1',
    groupInstanceId: v >= 7 ? 'instance-1' : null,
    retentionTimeMs: v >= 2 && v <= 4 ? 86400000 : -1,
    topics: [{
      name: 'orders',
      partitions: [{
        partitionIndex: 0,
        committedOffset: 100,
        committedLeaderEpoch: v >= 6 ? 3 : -1,
        commitTimestamp: -1,
        committedMetadata: v >= 8 ? null : '',
      }],
    }],
  }))
  add(ApiKey.OffsetCommit, 'response', [2, 8], (v): OffsetCommitResponse => ({
    throttleTimeMs: v >= 3 ? 1 : 0,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
  }))
  add(ApiKey.ListOffsets, 'request', [1, 6, 8], (v): ListOffsetsRequest => ({
    replicaId: -1,
    isolationLevel: v >= 2 ? 1 : 0,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: v >= 4 ? 2 : -1, timestamp: -2, maxNumOffsets: 1 }] }],
    timeoutMs: 0,
  }))
  add(ApiKey.ListOffsets, 'response', [0, 1, 6, 8], (v): ListOffsetsResponse => ({
    throttleTimeMs: v >= 2 ? 1 : 0,
    topics: [{
      name: 'orders',
      partitions: [{
        partitionIndex: 0,
        errorCode: 0,
        oldStyleOffsets: v === 0 ? [5, 0] : [],
        timestamp: v >= 1 ? 1700000000000 : -1,
        offset: v >= 1 ? 5 : -1,
        leaderEpoch: v >= 4 ? 2 : -1,
      }],
    }],
  }))
  return list
}

function codec(sample: Sample): {
  encode: (w: Writer, version: number, body: unknown) => void
  decode: (r: Reader, version: number) => unknown
} {
  const api = apis.get(sample.apiKey)!
  return sample.direction === 'request'
    ? { encode: api.encodeRequest, decode: api.decodeRequest }
    : { encode: api.encodeResponse, decode: api.decodeResponse }
}

function encode(sample: Sample): Buffer {
  const w = new Writer()
  codec(sample).encode(w, sample.version, sample.body)
  return w.toBuffer()
}

test('the first APIs Sluice serves round-trip at old, current and flexible versions', () => {
  for (const sample of samples()) {
    const bytes = encode(sample)
    const r = new Reader(bytes)
    const decoded = codec(sample).decode(r, sample.version)
    assert.equal(r.error, null, sample.label)
    assert.equal(r.remaining, 0, sample.label)
    assert.deepStrictEqual(decoded, sample.body, sample.label)
  }
})

test('consumer protocol payloads round-trip at every version', () => {
  for (let version = 0; version <= 3; version++) {
    const subscription: ConsumerProtocolSubscription = {
      topics: ['orders', 'payments'],
      userData: version === 2 ? null : Buffer.from('hint'),
      ownedPartitions: version >= 1 ? [{ topic: 'orders', partitions: [0, 2] }] : [],
      generationId: version >= 2 ? 4 : -1,
      rackId: version >= 3 ? 'rack-a' : null,
    }
    const w = new Writer()
    encodeConsumerProtocolSubscription(w, version, subscription)
    const r = new Reader(w.toBuffer())
    assert.deepStrictEqual(decodeConsumerProtocolSubscription(r, version), subscription)
    assert.equal(r.remaining, 0)
    const assignment = { assignedPartitions: [{ topic: 'orders', partitions: [1] }], userData: null }
    const wa = new Writer()
    encodeConsumerProtocolAssignment(wa, version, assignment)
    const ra = new Reader(wa.toBuffer())
    assert.deepStrictEqual(decodeConsumerProtocolAssignment(ra, version), assignment)
  }
})

test('ApiVersions v3 writes compact arrays and its tagged fields in tag order', () => {
  const w = new Writer()
  encodeApiVersionsResponse(w, 3, {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: 7,
    finalizedFeatures: [],
    zkMigrationReady: true,
  })
  assert.equal(
    w.toBuffer().toString('hex'),
    '0000' + // errorCode
      '02' + '0012' + '0000' + '0004' + '00' + // apiKeys: count+1, one entry, its empty tag section
      '00000000' + // throttleTimeMs
      '02' + // two tagged fields (empty arrays and false are defaults, so not written)
      '01' + '08' + '0000000000000007' + // tag 1, 8 bytes: finalizedFeaturesEpoch
      '03' + '01' + '01', // tag 3, 1 byte: zkMigrationReady
  )
})

test('a flexible request header keeps its int16 client id and ends with a tag section', () => {
  const w = new Writer()
  const size = w.reserveInt32()
  encodeRequestHeader(w, 2, { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'kcat' })
  encodeApiVersionsRequest(w, 3, { clientSoftwareName: 'sluice', clientSoftwareVersion: '0.1.0' })
  w.patchInt32(size, w.bytesSince(size))
  const frame = w.toBuffer()
  assert.equal(
    frame.toString('hex'),
    '0000001d' + '0012' + '0003' + '00000001' + '0004' + '6b636174' + '00' +
      '07' + Buffer.from('sluice').toString('hex') + '06' + Buffer.from('0.1.0').toString('hex') + '00',
  )
  const r = new Reader(frame, 4)
  assert.deepStrictEqual(decodeRequestHeader(r, requestHeaderVersion(18, 3)), {
    requestApiKey: 18,
    requestApiVersion: 3,
    correlationId: 1,
    clientId: 'kcat',
  })
})

test('fields a version lacks decode to their defaults', () => {
  const w = new Writer()
  encodeProduceRequest(w, 2, { transactionalId: null, acks: 1, timeoutMs: 100, topicData: [] })
  const produce = apis.get(ApiKey.Produce)!.decodeRequest(new Reader(w.toBuffer()), 2) as ProduceRequest
  assert.equal(produce.transactionalId, null)
  const m = new Writer()
  encodeMetadataRequest(m, 1, {
    topics: null,
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  })
  assert.equal(m.toBuffer().toString('hex'), 'ffffffff', 'v1 writes a null array for all topics')
  const metadata = apis.get(ApiKey.Metadata)!.decodeRequest(new Reader(m.toBuffer()), 1) as MetadataRequest
  assert.equal(metadata.allowAutoTopicCreation, true, 'v0-3 always allowed auto-creation')
  assert.equal(metadata.topics, null)
})

test('a non-default value the version cannot carry is refused; an ignorable one is dropped', () => {
  const produce: ProduceRequest = { transactionalId: 'tx', acks: 1, timeoutMs: 100, topicData: [] }
  assert.throws(
    () => encodeProduceRequest(new Writer(), 2, produce),
    (error: unknown) => isSluiceError(error, 'INVALID_ARGUMENT') && /transactionalId/.test(String(error)),
  )
  const w = new Writer()
  const response: ApiVersionsResponse = {
    errorCode: 0,
    apiKeys: [],
    throttleTimeMs: 100, // ignorable: v0 has no room for it
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }
  encodeApiVersionsResponse(w, 0, response)
  assert.equal(w.toBuffer().toString('hex'), '0000' + '00000000')
})

test('a null where the version forbids one is written as the empty value', () => {
  const w = new Writer()
  encodeMetadataRequest(w, 0, {
    topics: null,
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  })
  assert.equal(w.toBuffer().toString('hex'), '00000000')
})

test('header versions follow flexibility, with the two historical exceptions', () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1)
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2)
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0)
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2)
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0, 'ApiVersions answers with header v0')
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1)
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0)
  assert.equal(requestHeaderVersion(9999, 0), 1)
})

test('the API table advertises stable versions only', () => {
  assert.equal(apis.size, 88)
  const produce = apis.get(ApiKey.Produce)!
  assert.deepEqual([produce.minVersion, produce.maxVersion, produce.latestVersionUnstable], [0, 11, false])
  assert.deepEqual(produce.deprecatedVersions, { min: 0, max: 6 })
  const heartbeat = apis.get(ApiKey.ConsumerGroupHeartbeat)!
  assert.deepEqual([heartbeat.maxVersion, heartbeat.latestVersion, heartbeat.latestVersionUnstable], [0, 1, true])
  const endTxn = apis.get(ApiKey.EndTxn)!
  assert.equal(endTxn.maxVersion, 4)
  const shareFetch = apis.get(ApiKey.ShareFetch)!
  assert.ok(shareFetch.maxVersion < shareFetch.minVersion, 'no stable ShareFetch version yet')
  assert.ok(apis.get(ApiKey.JoinGroup)!.listeners.includes('broker'))
})

test('every strict truncation is reported and mutations never throw', () => {
  const random = randomFromEnv('message fuzz')
  let mutatedErrors = 0
  for (const sample of samples()) {
    const bytes = encode(sample)
    const { decode } = codec(sample)
    for (let cut = 0; cut < bytes.length; cut++) {
      const r = new Reader(Buffer.from(bytes.subarray(0, cut)))
      decode(r, sample.version)
      assert.notEqual(r.error, null, `${sample.label} cut at ${cut}`)
    }
    for (let round = 0; round < 200; round++) {
      const input = Buffer.from(bytes)
      for (let flips = random.int(1, 5); flips > 0; flips--) {
        input[random.int(0, input.length)] = random.pick([0x00, 0x7f, 0x80, 0xff, random.int(0, 256)])
      }
      const r = new Reader(input)
      assert.doesNotThrow(() => decode(r, sample.version), `${sample.label} (SEED=${random.seed})`)
      if (r.error !== null) mutatedErrors++
    }
  }
  assert.ok(mutatedErrors > 0)
})

test('decoded records and zero-copy bytes are views of the request buffer', () => {
  const sample = samples().find((s) => s.label === 'ProduceRequest v9')!
  const bytes = encode(sample)
  const decoded = codec(sample).decode(new Reader(bytes), 9) as ProduceRequest
  const records = decoded.topicData[0]!.partitionData[0]!.records!
  assert.equal(records.buffer, bytes.buffer, 'same memory as the input')
  assert.deepEqual(records, BATCH)
  assert.equal(decoded.topicData[0]!.partitionData[1]!.records, null)
})
