// Raw-socket tests of the connection layer: framing, ordering, limits and what closes a connection.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'
import { WireClient } from './wire-test-kit.ts'
import { decodeApiVersionsResponse, decodeResponseHeader, type ApiVersionsResponse, type FetchRequest, type MetadataResponse } from '../protocol/messages/index.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import { handlers } from './handlers/index.ts'
import type { ApiHandler } from './handler.ts'

const API_VERSIONS = 18
const METADATA = 3
const FETCH = 1

async function withBroker(fn: (broker: TestBroker) => Promise<void>, options?: Parameters<typeof startTestBroker>[0]): Promise<void> {
  const broker = await startTestBroker(options)
  try {
    await fn(broker)
  } finally {
    await broker.stop()
  }
}

const metadataAll = { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }

test('a request arriving one byte at a time is answered', async () => {
  await withBroker(async ({ port }) => {
    const client = await WireClient.connect(port)
    const { frame, correlationId } = client.encode(API_VERSIONS, 3, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1.0' })
    for (const byte of frame) {
      await client.write(Buffer.from([byte]))
      await new Promise((resolve) => setImmediate(resolve))
    }
    const response = await client.response<ApiVersionsResponse>(API_VERSIONS, 3, correlationId)
    assert.equal(response.errorCode, 0)
    client.close()
  })
})

test('pipelined requests are answered in order while a Fetch long-polls, and other connections are not held up', async () => {
  await withBroker(async ({ port, coordinator }) => {
    await coordinator.topics.create('slow')
    const polling = await WireClient.connect(port)
    const other = await WireClient.connect(port)
    const fetch: FetchRequest = {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 400, minBytes: 1, maxBytes: 1 << 20,
      isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
      topics: [{ topic: 'slow', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    }
    const startedMs = Date.now()
    const fetchId = await polling.send(FETCH, 11, fetch)
    const metadataId = await polling.send(METADATA, 9, metadataAll)
    // The other connection's answer comes while the first connection's Fetch still waits.
    const elsewhere = await other.request<MetadataResponse>(METADATA, 9, metadataAll)
    assert.equal(elsewhere.brokers.length, 1)
    assert.ok(Date.now() - startedMs < 350, 'another connection waited for the long-poll')
    await polling.response(FETCH, 11, fetchId)
    assert.ok(Date.now() - startedMs >= 380, 'the Fetch answered before its max wait with no data')
    const metadata = await polling.response<MetadataResponse>(METADATA, 9, metadataId)
    assert.deepEqual(metadata.topics.map((t) => t.name).filter((n) => n === 'slow'), ['slow'])
    polling.close()
    other.close()
  })
})

test('ApiVersions at an unknown version gets a v0 answer with UNSUPPORTED_VERSION and the served ranges', async () => {
  await withBroker(async ({ port }) => {
    const client = await WireClient.connect(port)
    // Version 99 with a body no codec can read: the broker must not try.
    const header = Buffer.alloc(4 + 8 + 2 + 3)
    header.writeInt32BE(header.length - 4, 0)
    header.writeInt16BE(API_VERSIONS, 4)
    header.writeInt16BE(99, 6)
    header.writeInt32BE(4242, 8)
    header.writeInt16BE(-1, 12)
    header.write('abc', 14)
    await client.write(header)
    const frame = await client.nextFrame()
    assert.ok(frame !== null)
    const reader = new Reader(frame)
    assert.equal(decodeResponseHeader(reader, 0).correlationId, 4242)
    const body = decodeApiVersionsResponse(reader, 0)
    assert.equal(reader.error, null)
    assert.equal(body.errorCode, 35)
    const produce = body.apiKeys.find((k) => k.apiKey === 0)
    const fetch = body.apiKeys.find((k) => k.apiKey === 1)
    assert.deepEqual([produce?.minVersion, produce?.maxVersion], [3, 11])
    assert.deepEqual([fetch?.minVersion, fetch?.maxVersion], [4, 17])
    assert.equal(client.isClosed, false)
    client.close()
  })
})

test('an unknown API key, an unserved version and a truncated body each close the connection', async () => {
  await withBroker(async ({ port, warnings }) => {
    const frames: Buffer[] = []
    const unknown = Buffer.alloc(4 + 10)
    unknown.writeInt32BE(10, 0)
    unknown.writeInt16BE(999, 4)
    unknown.writeInt16BE(-1, 12)
    frames.push(unknown)
    const probe = await WireClient.connect(port)
    frames.push(probe.encode(0, 2, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] }).frame)
    const metadata = probe.encode(METADATA, 1, { ...metadataAll, topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'some-topic' }] }).frame
    const truncated = Buffer.from(metadata.subarray(0, metadata.length - 3))
    truncated.writeInt32BE(truncated.length - 4, 0)
    frames.push(truncated)
    probe.close()
    for (const frame of frames) {
      const client = await WireClient.connect(port)
      await client.write(frame)
      assert.equal(await client.nextFrame(), null)
    }
    assert.equal(warnings.length, 3)
    assert.match(warnings.join('\n'), /unknown API key 999/)
    assert.match(warnings.join('\n'), /Produce v2 is outside the served 3-11/)
    assert.match(warnings.join('\n'), /malformed Metadata v1 request/)
  })
})

test('a frame larger than the request limit, or with a negative size, closes before its bytes arrive', async () => {
  await withBroker(async ({ port, warnings }) => {
    for (const size of [1_000_000, -5]) {
      const client = await WireClient.connect(port)
      const prefix = Buffer.alloc(4)
      prefix.writeInt32BE(size, 0)
      await client.write(prefix)
      assert.equal(await client.nextFrame(), null)
    }
    assert.match(warnings.join('\n'), /request size 1000000 is outside \[8, 4096\]/)
  }, { broker: { maxRequestBytes: 4096 } })
})

test('a frame that trickles in past the deadline closes the connection (slowloris)', async () => {
  await withBroker(async ({ port, warnings }) => {
    const client = await WireClient.connect(port)
    const { frame } = client.encode(METADATA, 9, metadataAll)
    const startedMs = Date.now()
    await client.write(frame.subarray(0, 6))
    assert.equal(await client.nextFrame(2000), null)
    const elapsedMs = Date.now() - startedMs
    assert.ok(elapsedMs >= 140 && elapsedMs < 1500, `closed after ${elapsedMs} ms`)
    assert.match(warnings.join('\n'), /took longer than 150 ms/)
  }, { broker: { frameDeadlineMs: 150 } })
})

test("one connection's bad frame leaves another connection working", async () => {
  await withBroker(async ({ port }) => {
    const good = await WireClient.connect(port)
    const bad = await WireClient.connect(port)
    await bad.write(Buffer.from([0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]))
    assert.equal(await bad.nextFrame(), null)
    const response = await good.request<MetadataResponse>(METADATA, 12, metadataAll)
    assert.equal(response.brokers[0]!.port, port)
    good.close()
  })
})

test('a handler that throws closes only its connection and is logged', async () => {
  const failing: ApiHandler = {
    apiKey: METADATA, name: 'Metadata', minVersion: 0, maxVersion: 12,
    handle() {
      throw new Error('bug in a handler')
    },
  }
  const table = [...handlers.filter((h) => h.apiKey !== METADATA), failing]
  await withBroker(async ({ port, warnings }) => {
    const victim = await WireClient.connect(port)
    const bystander = await WireClient.connect(port)
    await victim.send(METADATA, 9, metadataAll)
    assert.equal(await victim.nextFrame(), null)
    const versions = await bystander.request<ApiVersionsResponse>(API_VERSIONS, 0, {})
    assert.equal(versions.errorCode, 0)
    assert.match(warnings.join('\n'), /Metadata v9 handler failed .*bug in a handler/s)
    bystander.close()
  }, { broker: { handlers: table } })
})

test('a client pipelining past the in-flight limit gets every answer, in order', async () => {
  await withBroker(async ({ port }) => {
    const client = await WireClient.connect(port)
    const frames: Buffer[] = []
    const ids: number[] = []
    for (let i = 0; i < 200; i++) {
      const { frame, correlationId } = client.encode(i % 2 === 0 ? METADATA : API_VERSIONS, i % 2 === 0 ? 1 : 2, i % 2 === 0 ? metadataAll : {})
      frames.push(frame)
      ids.push(correlationId)
    }
    await client.write(Buffer.concat(frames))
    for (let i = 0; i < 200; i++) {
      const frame = await client.nextFrame()
      assert.ok(frame !== null)
      assert.equal(frame.readInt32BE(0), ids[i])
    }
    client.close()
  }, { broker: { maxInFlightRequests: 3 } })
})
