// Fetch over the wire: stored batches back byte for byte, empty partitions, size limits, long poll,
// OFFSET_OUT_OF_RANGE, topic ids (v13+) and incremental fetch sessions (KIP-227).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, type TestBroker } from '../../testing/broker.ts'
import { WireClient } from '../wire-test-kit.ts'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import type { FetchRequest, FetchResponse, FetchResponsePartitionData } from '../../protocol/messages/index.ts'
import { wireTopicId } from '../topic-ids.ts'

const FETCH = 1
const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA'

function fetchRequest(partitions: Array<[topic: string, partition: number, offset: number]>, options: Partial<FetchRequest> = {}, partitionMaxBytes = 1 << 20): FetchRequest {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 24,
    isolationLevel: 1, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
    topics: partitions.map(([topic, partition, fetchOffset]) => ({
      topic, topicId: ZERO,
      partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes, replicaDirectoryId: ZERO }],
    })),
    ...options,
  }
}

function parts(response: FetchResponse): FetchResponsePartitionData[] {
  return response.responses.flatMap((t) => t.partitions)
}

async function withClient(fn: (client: WireClient, broker: TestBroker, batches: Buffer[]) => Promise<void>): Promise<void> {
  const broker = await startTestBroker()
  const client = await WireClient.connect(broker.port)
  try {
    await broker.coordinator.topics.create('events', { partitions: 2 })
    const batches = [0, 1, 2].map((i) => buildRecordBatch([{ key: null, value: Buffer.alloc(3000, i) }], { timestamp: 1_700_000_000_000 + i }))
    for (const b of batches) await broker.coordinator.produce('events', 0, Buffer.from(b))
    await fn(client, broker, batches)
  } finally {
    client.close()
    await broker.stop()
  }
}

test('fetch returns the stored batches byte for byte, and zero-length records for an empty partition', async () => {
  await withClient(async (client, _broker, batches) => {
    const response = await client.request<FetchResponse>(FETCH, 11, fetchRequest([['events', 0, 0], ['events', 1, 0]]))
    const [full, empty] = parts(response)
    assert.equal(full!.errorCode, 0)
    assert.equal(full!.highWatermark, 3)
    assert.equal(full!.lastStableOffset, 3)
    assert.deepEqual(full!.abortedTransactions, [])
    const expected = Buffer.concat(batches.map((b, i) => { const c = Buffer.from(b); c.writeBigInt64BE(BigInt(i), 0); return c }))
    assert.deepEqual(full!.records, expected)
    assert.equal(empty!.errorCode, 0)
    assert.ok(empty!.records !== null && empty!.records.length === 0, 'an empty partition must carry zero-length records, not null')
  })
})

test('fetch respects partition and response max bytes but always returns the first batch', async () => {
  await withClient(async (client, { coordinator }, batches) => {
    await coordinator.produce('events', 1, Buffer.from(batches[0]!))
    const perPartition = await client.request<FetchResponse>(FETCH, 11, fetchRequest([['events', 0, 0]], {}, 100))
    assert.equal(parts(perPartition)[0]!.records!.length, batches[0]!.length)
    const response = await client.request<FetchResponse>(FETCH, 11, fetchRequest([['events', 0, 0], ['events', 1, 0]], { maxBytes: 5000 }))
    const [first, second] = parts(response)
    assert.equal(first!.records!.length, batches[0]!.length)
    assert.equal(second!.records!.length, 0, 'the second partition must not exceed the response limit')
    assert.equal(second!.highWatermark, 1)
  })
})

test('fetch long-polls until data arrives, and answers at maxWaitMs without it', async () => {
  await withClient(async (client, { coordinator }, batches) => {
    const startedMs = Date.now()
    const id = await client.send(FETCH, 12, fetchRequest([['events', 1, 0]], { maxWaitMs: 5000 }))
    setTimeout(() => void coordinator.produce('events', 1, Buffer.from(batches[1]!)), 100)
    const woken = await client.response<FetchResponse>(FETCH, 12, id)
    assert.equal(parts(woken)[0]!.records!.length, batches[1]!.length)
    assert.ok(Date.now() - startedMs < 2000)
    const idleStartMs = Date.now()
    const idle = await client.request<FetchResponse>(FETCH, 12, fetchRequest([['events', 1, 1]], { maxWaitMs: 200 }))
    assert.equal(parts(idle)[0]!.records!.length, 0)
    assert.ok(Date.now() - idleStartMs >= 190)
  })
})

test('fetch answers OFFSET_OUT_OF_RANGE and UNKNOWN_TOPIC_OR_PARTITION at once', async () => {
  await withClient(async (client) => {
    const startedMs = Date.now()
    const response = await client.request<FetchResponse>(FETCH, 11, fetchRequest([['events', 0, 99], ['nope', 0, 0]], { maxWaitMs: 3000 }))
    assert.deepEqual(parts(response).map((p) => p.errorCode), [1, 3])
    assert.ok(Date.now() - startedMs < 1000)
  })
})

test('fetch v13+ finds topics by id and answers UNKNOWN_TOPIC_ID for an unknown one', async () => {
  await withClient(async (client, { coordinator }) => {
    const topicId = wireTopicId(coordinator.topics.topicId('events'))
    const request = fetchRequest([['', 0, 0], ['', 0, 0]])
    request.topics[0]!.topicId = topicId
    request.topics[1]!.topicId = 'AAAAAAAAAAAAAAAAAAAAAQ'
    const response = await client.request<FetchResponse>(FETCH, 16, request)
    assert.equal(response.responses[0]!.topicId, topicId)
    assert.deepEqual(parts(response).map((p) => p.errorCode), [0, 100])
    assert.equal(parts(response)[0]!.highWatermark, 3)
  })
})

// An incremental request (epoch > 0) of `sessionId`, naming `partitions` (new fetch state) and forgetting `forget`.
function incremental(sessionId: number, sessionEpoch: number, partitions: Array<[topic: string, partition: number, offset: number]>, forget: Array<[topic: string, partition: number]> = [], options: Partial<FetchRequest> = {}): FetchRequest {
  return fetchRequest(partitions, {
    sessionId, sessionEpoch, forgottenTopicsData: forget.map(([topic, partition]) => ({ topic, topicId: ZERO, partitions: [partition] })), ...options,
  })
}

function answered(response: FetchResponse): string[] {
  return response.responses.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partitionIndex} hw=${p.highWatermark} bytes=${p.records?.length ?? -1}`))
}

test('fetch sessions: epoch 0 creates one; incremental fetches answer only partitions with news, and forgotten ones leave', async () => {
  await withClient(async (client, { coordinator }, batches) => {
    const full = await client.request<FetchResponse>(FETCH, 12, fetchRequest([['events', 0, 0], ['events', 1, 0]], { sessionEpoch: 0 }))
    assert.equal(full.errorCode, 0)
    assert.notEqual(full.sessionId, 0, 'a session was created')
    const id = full.sessionId
    assert.deepEqual(parts(full).map((p) => [p.partitionIndex, p.highWatermark]), [[0, 3], [1, 0]])

    // The client read partition 0 to its end and says so; nothing else changed: an empty answer.
    const quiet = await client.request<FetchResponse>(FETCH, 12, incremental(id, 1, [['events', 0, 3]]))
    assert.deepEqual([quiet.errorCode, quiet.sessionId, answered(quiet)], [0, id, []])

    // An incremental fetch long-polls over every partition of the session, and answers the one that moved.
    const pending = client.send(FETCH, 12, incremental(id, 2, [], [], { maxWaitMs: 5000 }))
    setTimeout(() => void coordinator.produce('events', 1, Buffer.from(batches[0]!)), 50)
    const woken = await client.response<FetchResponse>(FETCH, 12, await pending)
    assert.deepEqual(answered(woken), [`events/1 hw=1 bytes=${batches[0]!.length}`])

    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(id, 2, []))).errorCode, 71, 'a repeated epoch is INVALID_FETCH_SESSION_EPOCH')
    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(id, 9, []))).errorCode, 71, 'a skipped epoch too')

    // Still at epoch 3 (errors do not advance it). Partition 1 moves on to offset 1 and is forgotten in
    // the same request; news on it is then no longer answered.
    const forgot = await client.request<FetchResponse>(FETCH, 12, incremental(id, 3, [['events', 1, 1]], [['events', 1]]))
    assert.deepEqual(answered(forgot), [])
    await coordinator.produce('events', 1, Buffer.from(batches[1]!))
    assert.deepEqual(answered(await client.request<FetchResponse>(FETCH, 12, incremental(id, 4, []))), [])
    // A partition named again rejoins the session and is answered at once (its state is new).
    const rejoined = await client.request<FetchResponse>(FETCH, 12, incremental(id, 5, [['events', 1, 2]]))
    assert.deepEqual(answered(rejoined), ['events/1 hw=2 bytes=0'])

    // Forgetting every partition closes the session: a sessionless answer, then NOT_FOUND.
    const emptied = await client.request<FetchResponse>(FETCH, 12, incremental(id, 6, [], [['events', 0], ['events', 1]]))
    assert.deepEqual([emptied.errorCode, emptied.sessionId, answered(emptied)], [0, 0, []])
    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(id, 7, []))).errorCode, 70)
  })
})

test('fetch sessions: a full fetch closes the session it names, unknown ids are not found, and v13 topic ids do not mix with names', async () => {
  await withClient(async (client, { coordinator }) => {
    const topicId = wireTopicId(coordinator.topics.topicId('events'))
    const byId = (request: FetchRequest): FetchRequest => ({ ...request, topics: request.topics.map((t) => ({ ...t, topic: '', topicId })), forgottenTopicsData: request.forgottenTopicsData.map((t) => ({ ...t, topic: '', topicId })) })
    const opened = await client.request<FetchResponse>(FETCH, 16, byId(fetchRequest([['events', 0, 0]], { sessionEpoch: 0 })))
    assert.notEqual(opened.sessionId, 0)
    const id = opened.sessionId
    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(id, 1, []))).errorCode, 106, 'a v12 request in a v13+ session')
    const next = await client.request<FetchResponse>(FETCH, 16, byId(incremental(id, 1, [['events', 0, 3]])))
    assert.deepEqual([next.errorCode, next.sessionId, next.responses.length], [0, id, 0])

    // A full sessionless fetch (epoch -1) naming the session closes it.
    const closing = await client.request<FetchResponse>(FETCH, 16, byId(fetchRequest([['events', 0, 3]], { sessionId: id, sessionEpoch: -1 })))
    assert.deepEqual([closing.errorCode, closing.sessionId], [0, 0])
    assert.equal((await client.request<FetchResponse>(FETCH, 16, byId(incremental(id, 2, [])))).errorCode, 70)
    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(1234, 3, []))).errorCode, 70, 'FETCH_SESSION_ID_NOT_FOUND for an id never given')

    // A full fetch at epoch 0 naming a session replaces it with a new one.
    const first = (await client.request<FetchResponse>(FETCH, 12, fetchRequest([['events', 0, 0]], { sessionEpoch: 0 }))).sessionId
    const second = await client.request<FetchResponse>(FETCH, 12, fetchRequest([['events', 0, 0]], { sessionId: first, sessionEpoch: 0 }))
    assert.ok(second.sessionId !== 0 && second.sessionId !== first)
    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(first, 1, []))).errorCode, 70)
    assert.equal((await client.request<FetchResponse>(FETCH, 12, incremental(second.sessionId, 1, [['events', 0, 3]]))).errorCode, 0)
  })
})
