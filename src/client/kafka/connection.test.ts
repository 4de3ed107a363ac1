// Tests of one broker connection against the real Sluice broker: version negotiation, pipelining,
// frames larger than a socket chunk, timeouts and a connection the broker closes.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { isSluiceError } from '../../base/errors.ts'
import { systemClock } from '../../base/clock.ts'
import { ApiKey, type FetchResponse, type MetadataResponse, type ProduceResponse } from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { startTestBroker, type TestBroker } from '../../testing/broker.ts'
import { wireIdOfUuid } from './wire-forms.ts'
import { BrokerConnection, CLIENT_VERSIONS } from './connection.ts'

let broker: TestBroker
before(async () => {
  broker = await startTestBroker()
})
after(async () => {
  await broker?.stop()
})

function open(port: number, requestTimeoutMs = 5000): Promise<BrokerConnection> {
  return BrokerConnection.open({ host: '127.0.0.1', port, clientId: 'connection-test', clock: systemClock, connectTimeoutMs: 2000, requestTimeoutMs })
}

function metadataFor(topic: string): (version: number) => unknown {
  return () => ({ topics: [{ topicId: ZERO_UUID, name: topic }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })
}

/** A Fetch of partition 0 from offset 0 on the shared broker. */
function fetchBody(topic: string, maxWaitMs: number): (version: number) => unknown {
  return fetchBodyFor(topic, wireIdOfUuid(broker.coordinator.topics.topicId(topic)), maxWaitMs)
}

/** A Fetch of partition 0 from offset 0; v13+ name the topic by id only. */
function fetchBodyFor(topic: string, topicId: string, maxWaitMs: number): (version: number) => unknown {
  return (version) => ({
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs, minBytes: 1, maxBytes: 64 * 1024 * 1024,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic: version >= 13 ? '' : topic, topicId: version >= 13 ? topicId : ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 64 * 1024 * 1024, replicaDirectoryId: ZERO_UUID }] }],
  })
}

test('ApiVersions picks, per API, the highest version both the client and the broker serve', async (t) => {
  const connection = await open(broker.port)
  t.after(() => connection.close())
  assert.ok(connection.brokerVersions.size > 10)
  for (const [apiKey, ours] of CLIENT_VERSIONS) {
    const theirs = connection.brokerVersions.get(apiKey)
    const expected = theirs === undefined || Math.min(ours.max, theirs.max) < Math.max(ours.min, theirs.min) ? -1 : Math.min(ours.max, theirs.max)
    assert.equal(connection.versionOf(apiKey), expected, `API ${apiKey}`)
  }
  // The broker serves Produce from v3 and the client needs v3+: they meet at the top of both ranges.
  assert.equal(connection.versionOf(ApiKey.Produce), Math.min(CLIENT_VERSIONS.get(ApiKey.Produce)!.max, connection.brokerVersions.get(ApiKey.Produce)!.max))
  // An API the client does not speak is refused before anything is sent.
  assert.equal(connection.versionOf(ApiKey.DescribeAcls), -1)
  await assert.rejects(connection.request(ApiKey.DescribeAcls, () => ({})), (e: unknown) => isSluiceError(e, 'UNSUPPORTED_VERSION') && /DescribeAcls/.test((e as Error).message))
  assert.equal(connection.isClosed, false)
})

test('pipelined requests are all written at once and each gets its own answer', async (t) => {
  const connection = await open(broker.port)
  t.after(() => connection.close())
  const names = Array.from({ length: 100 }, (_, i) => `pipelined-${i}`)
  const answers = await Promise.all(names.map((name) => connection.request<MetadataResponse>(ApiKey.Metadata, metadataFor(name))))
  assert.deepEqual(answers.map((a) => a.response.topics[0]!.name), names)
  assert.ok(answers.every((a) => a.version === connection.versionOf(ApiKey.Metadata)))
})

test('an answer of several megabytes arriving over many socket chunks is read whole', async (t) => {
  const connection = await open(broker.port)
  t.after(() => connection.close())
  await broker.coordinator.topics.create('big-frames', { config: { 'max.message.bytes': 8 * 1024 * 1024 } })
  const value = Buffer.alloc(3 * 1024 * 1024, 7)
  const batch = buildRecordBatch([{ key: null, value }], { timestamp: 1_700_000_000_000 })
  const produced = await connection.request<ProduceResponse>(ApiKey.Produce, () => ({
    transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'big-frames', partitionData: [{ index: 0, records: batch }] }],
  }))
  assert.equal(produced.response.responses[0]!.partitionResponses[0]!.errorCode, 0)
  const { response } = await connection.request<FetchResponse>(ApiKey.Fetch, fetchBody('big-frames', 0))
  const records = response.responses[0]!.partitions[0]!.records!
  assert.equal(records.length, batch.length)
  assert.ok(records.subarray(12).equals(batch.subarray(12)), 'the batch comes back byte for byte (after the offset and length the broker owns)')
})

test('a request unanswered within its timeout fails with REQUEST_TIMED_OUT and closes the connection', async (t) => {
  const connection = await open(broker.port)
  t.after(() => connection.close())
  await broker.coordinator.topics.create('quiet')
  const startedMs = Date.now()
  // The broker holds a long poll on an empty partition; the client gives up first.
  const fetch = connection.request(ApiKey.Fetch, fetchBody('quiet', 5000), { timeoutMs: 200 })
  const behind = connection.request(ApiKey.Metadata, metadataFor('quiet'))
  await assert.rejects(fetch, (e: unknown) => isSluiceError(e, 'REQUEST_TIMED_OUT') && /Fetch/.test((e as Error).message))
  assert.ok(Date.now() - startedMs < 2000)
  // Answers behind it would be matched to the wrong requests: they fail and the connection is gone.
  await assert.rejects(behind, (e: unknown) => isSluiceError(e) && (e.code as string) === 'NETWORK_EXCEPTION')
  assert.equal(connection.isClosed, true)
})

test('a peer that never answers ApiVersions times the open out; a closed port is refused at once', async (t) => {
  const sockets: Socket[] = []
  const silent = createServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    silent.close(() => resolve())
  }))
  const port = (silent.address() as { port: number }).port
  await assert.rejects(open(port, 150), (e: unknown) => isSluiceError(e, 'REQUEST_TIMED_OUT') && /ApiVersions/.test((e as Error).message))

  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const closedPort = (closed.address() as { port: number }).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  await assert.rejects(open(closedPort), (e: unknown) => isSluiceError(e) && (e.code as string) === 'NETWORK_EXCEPTION' && e.retriable && new RegExp(`127\\.0\\.0\\.1:${closedPort}.*ECONNREFUSED`).test((e as Error).message))
})

test('a broker that goes away fails the requests in flight with a retriable NETWORK_EXCEPTION', async () => {
  const own = await startTestBroker()
  const connection = await open(own.port)
  await own.coordinator.topics.create('waiting')
  const topicId = wireIdOfUuid(own.coordinator.topics.topicId('waiting'))
  const fetch = connection.request(ApiKey.Fetch, fetchBodyFor('waiting', topicId, 10_000))
  const closedLater = own.stop()
  await assert.rejects(fetch, (e: unknown) => isSluiceError(e) && (e.code as string) === 'NETWORK_EXCEPTION' && e.retriable)
  await closedLater
  assert.equal(connection.isClosed, true)
  await assert.rejects(connection.request(ApiKey.Metadata, metadataFor('waiting')), (e: unknown) => isSluiceError(e) && (e.code as string) === 'NETWORK_EXCEPTION')
})
