// The broker's resource limits under clients that push them (connection.test.ts covers the request
// size limit, in-flight answers in order and the slowloris deadline): the connection limit, memory
// that follows the bytes received rather than the sizes declared, reading that pauses at the
// in-flight limit and behind an unanswered Fetch, 1,000 idle connections measured in a broker
// process of their own (limits-child.ts), and consumers that stop reading without slowing anyone
// else down.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'
import type { ApiVersionsResponse, FetchRequest, FetchResponse, MetadataResponse, ProduceResponse } from '../protocol/messages/index.ts'
import { buildRecordBatch, readRecords } from '../protocol/records/index.ts'
import { Random } from '../base/random.ts'
import type { ApiHandler } from './handler.ts'
import { handlers } from './handlers/index.ts'
import { metadataHandler } from './handlers/03-metadata.ts'
import { WireClient } from './wire-test-kit.ts'

const PRODUCE = 0
const FETCH = 1
const METADATA = 3
const API_VERSIONS = 18
const MIB = 1024 * 1024
const metadataAll = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }

async function withBroker(fn: (broker: TestBroker) => Promise<void>, options?: Parameters<typeof startTestBroker>[0]): Promise<void> {
  const broker = await startTestBroker(options)
  try {
    await fn(broker)
  } finally {
    await broker.stop()
  }
}

async function apiVersions(client: WireClient): Promise<number> {
  return (await client.request<ApiVersionsResponse>(API_VERSIONS, 3, { clientSoftwareName: 'limits', clientSoftwareVersion: '1' })).errorCode
}

test('the connection past maxConnections is closed on arrival, the others keep working, and a freed slot is reused', async () => {
  await withBroker(async ({ port, broker, warnings }) => {
    const open = [await WireClient.connect(port), await WireClient.connect(port), await WireClient.connect(port)]
    for (const client of open) assert.equal(await apiVersions(client), 0)
    const refused = await WireClient.connect(port)
    await refused.write(refused.encode(API_VERSIONS, 3, { clientSoftwareName: 'limits', clientSoftwareVersion: '1' }).frame).catch(() => {})
    assert.equal(await refused.nextFrame(), null)
    assert.match(warnings.join('\n'), /refusing a connection .*: 3 connections are open/)
    for (const client of open) assert.equal(await apiVersions(client), 0)
    open[0]!.close()
    for (let waitedMs = 0; broker.connectionCount > 2 && waitedMs < 2000; waitedMs += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    const next = await WireClient.connect(port)
    assert.equal(await apiVersions(next), 0)
    for (const client of [...open, next]) client.close()
  }, { broker: { maxConnections: 3 } })
})

test('a frame size under the limit commits memory only as its bytes arrive, and the deadline closes it', async () => {
  await withBroker(async ({ port }) => {
    const before = process.memoryUsage()
    let peakBytes = before.arrayBuffers
    const sampler = setInterval(() => { peakBytes = Math.max(peakBytes, process.memoryUsage().arrayBuffers) }, 1)
    const clients: WireClient[] = []
    try {
      // 16 connections each promise 96 MiB (under the 100 MiB default) and send 1 KiB of it: the
      // broker must not reserve 1.5 GiB on their word.
      for (let i = 0; i < 16; i++) {
        const client = await WireClient.connect(port)
        const start = Buffer.alloc(4 + 1024)
        start.writeInt32BE(96 * MIB, 0)
        start.writeInt16BE(METADATA, 4)
        await client.write(start)
        clients.push(client)
      }
      const healthy = await WireClient.connect(port)
      assert.equal(await apiVersions(healthy), 0) // every partial frame has been read by now
      healthy.close()
      const grewMiB = (peakBytes - before.arrayBuffers) / MIB
      assert.ok(grewMiB < 32, `array buffers grew ${grewMiB.toFixed(1)} MiB for 16 KiB received`)
      for (const client of clients) assert.equal(await client.nextFrame(3000), null, 'the frame deadline closes the connection')
    } finally {
      clearInterval(sampler)
      for (const client of clients) client.close()
    }
  }, { broker: { frameDeadlineMs: 300 } })
})

test('a large frame arriving in many pieces of random sizes is reassembled intact', async () => {
  await withBroker(async ({ port, coordinator }) => {
    await coordinator.topics.create('pieces')
    const random = new Random(11)
    const value = random.bytes(300_000)
    const client = await WireClient.connect(port)
    const { frame, correlationId } = client.encode(PRODUCE, 9, {
      transactionalId: null, acks: 1, timeoutMs: 5000,
      topicData: [{ name: 'pieces', partitionData: [{ index: 0, records: buildRecordBatch([{ key: null, value }], { timestamp: 1_700_000_000_000 }) }] }],
    })
    // Pieces from 1 byte to 20 KB, each its own TCP segment: the frame buffer grows many times.
    for (let pos = 0; pos < frame.length;) {
      const end = Math.min(frame.length, pos + (random.chance(0.3) ? random.int(1, 8) : random.int(1000, 20_000)))
      await client.write(frame.subarray(pos, end))
      await new Promise((resolve) => setImmediate(resolve))
      pos = end
    }
    const produced = await client.response<ProduceResponse>(PRODUCE, 9, correlationId)
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, 0)
    const [record] = readRecords((await coordinator.partition('pieces', 0).read(0, MIB)).records)
    assert.ok(record?.value?.equals(value))
    client.close()
  })
})

test('a size prefix that stops half-way is closed at the frame deadline', async () => {
  await withBroker(async ({ port, warnings }) => {
    const client = await WireClient.connect(port)
    await client.write(Buffer.from([0, 0]))
    assert.equal(await client.nextFrame(3000), null)
    assert.match(warnings.join('\n'), /took longer than 150 ms/)
  }, { broker: { frameDeadlineMs: 150 } })
})

test('at maxInFlightRequests the connection stops reading until answers go out, then answers everything in order', async () => {
  let started = 0
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  // Metadata answers only once the gate opens: its requests stay in flight.
  const gated: ApiHandler = {
    ...metadataHandler as ApiHandler,
    async handle(context, request, version) {
      started++
      await gate
      return (metadataHandler as ApiHandler).handle(context, request, version)
    },
  }
  const table = handlers.map((h) => (h.apiKey === METADATA ? gated : h))
  await withBroker(async ({ port }) => {
    const client = await WireClient.connect(port)
    const requests = Array.from({ length: 20 }, () => client.encode(METADATA, 12, metadataAll))
    await client.write(Buffer.concat(requests.map((r) => r.frame)))
    for (let waitedMs = 0; started < 4 && waitedMs < 2000; waitedMs += 5) await new Promise((resolve) => setTimeout(resolve, 5))
    await new Promise((resolve) => setTimeout(resolve, 100)) // time to read more, were it reading
    assert.equal(started, 4, 'requests past the in-flight limit were read while 4 waited')
    release()
    for (const { correlationId } of requests) await client.response<MetadataResponse>(METADATA, 12, correlationId)
    assert.equal(started, 20)
    client.close()
  }, { broker: { handlers: table, maxInFlightRequests: 4 } })
})

// Starts limits-child.ts; resolves with its port and a way to ask for its memory.
async function startBrokerChild(dataDir: string): Promise<{ port: number; measure(): Promise<{ rssBytes: number; connections: number }>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'limits-child.ts'), dataDir], { stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const waiting: Array<(message: Record<string, number>) => void> = []
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(JSON.parse(line) as Record<string, number>))
  const next = (): Promise<Record<string, number>> => new Promise((resolve, reject) => {
    waiting.push(resolve)
    void exited.then(() => reject(new Error('the broker child exited')))
  })
  const { port } = await next()
  return {
    port: port!,
    async measure() {
      const reply = next()
      child.stdin.write('measure\n')
      const { rssBytes, connections } = await reply
      return { rssBytes: rssBytes!, connections: connections! }
    },
    async stop() {
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

test('1,000 idle connections, each past an ApiVersions exchange, cost the broker process under 100 MiB of RSS', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-limits-'))
  const broker = await startBrokerChild(dataDir)
  const clients: WireClient[] = []
  try {
    // Warm up: the first connections and requests load and compile the code paths.
    for (let i = 0; i < 20; i++) {
      const client = await WireClient.connect(broker.port)
      await apiVersions(client)
      client.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = await broker.measure()
    for (let batch = 0; batch < 10; batch++) {
      // 100 at a time: within the listen backlog, so no connect waits on a SYN retry.
      const opened = await Promise.all(Array.from({ length: 100 }, async () => {
        const client = await WireClient.connect(broker.port)
        assert.equal(await apiVersions(client), 0)
        return client
      }))
      clients.push(...opened)
    }
    const after = await broker.measure()
    assert.equal(after.connections, 1000)
    const grewMiB = (after.rssBytes - before.rssBytes) / MIB
    t.diagnostic(`broker RSS ${(before.rssBytes / MIB).toFixed(1)} MiB → ${(after.rssBytes / MIB).toFixed(1)} MiB with 1,000 idle connections: +${grewMiB.toFixed(1)} MiB (${((after.rssBytes - before.rssBytes) / 1000 / 1024).toFixed(1)} KiB each)`)
    assert.ok(grewMiB < 100, `1,000 idle connections grew the broker's RSS by ${grewMiB.toFixed(1)} MiB`)
    for (const client of clients.slice(0, 10)) assert.equal(await apiVersions(client), 0)
  } finally {
    for (const client of clients) client.close()
    await broker.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
})

// Sends Fetch requests and never reads: the broker's writes back up into TCP buffers.
function stalledConsumer(port: number, request: Buffer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause() // nothing is ever read: the receive window closes
      socket.write(request)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

function fetchRequest(topic: string, partition: number, fetchOffset: number, maxBytes: number): FetchRequest {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
    topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  }
}

test('a consumer pipelining Fetches without reading makes the broker hold one answer, and gets them all in order once it reads', { timeout: 60_000 }, async (t) => {
  await withBroker(async ({ port, coordinator }) => {
    await coordinator.topics.create('big', { config: { 'max.message.bytes': 2 * MIB } })
    const value = Buffer.alloc(MIB - 1024, 0x62)
    for (let i = 0; i < 8; i++) await coordinator.produce('big', 0, buildRecordBatch([{ key: null, value }], { timestamp: 1_700_000_000_000 }))
    const client = await WireClient.connect(port)
    client.pauseReading()
    const requests = Array.from({ length: 16 }, () => client.encode(FETCH, 12, fetchRequest('big', 0, 0, 64 * MIB)))
    const before = process.memoryUsage().arrayBuffers
    let peakBytes = before
    const sampler = setInterval(() => { peakBytes = Math.max(peakBytes, process.memoryUsage().arrayBuffers) }, 1)
    try {
      await client.write(Buffer.concat(requests.map((r) => r.frame)))
      await new Promise((resolve) => setTimeout(resolve, 500))
    } finally {
      clearInterval(sampler)
    }
    // Each answer carries the partition's 8 MiB; all 16 read at once would hold 128 MiB.
    const grewMiB = (peakBytes - before) / MIB
    t.diagnostic(`16 pipelined 8 MiB Fetches, unread: the broker's buffers grew ${grewMiB.toFixed(1)} MiB`)
    assert.ok(grewMiB < 40, `buffers grew ${grewMiB.toFixed(1)} MiB`)
    client.resumeReading()
    const logBytes = (await coordinator.partition('big', 0).read(0, 64 * MIB)).records.length
    for (const { correlationId } of requests) {
      const response = await client.response<FetchResponse>(FETCH, 12, correlationId)
      assert.equal(response.responses[0]!.partitions[0]!.records?.length, logBytes)
    }
    client.close()
  })
})

test('a consumer that stops reading its socket does not slow the other connections down', { timeout: 60_000 }, async (t) => {
  await withBroker(async ({ port, coordinator }) => {
    // 16 MiB to fetch: more than the socket buffers between the broker and a stalled client hold.
    await coordinator.topics.create('big', { config: { 'max.message.bytes': 2 * MIB } })
    const value = Buffer.alloc(MIB - 1024, 0x61)
    for (let i = 0; i < 16; i++) await coordinator.produce('big', 0, buildRecordBatch([{ key: null, value }], { timestamp: 1_700_000_000_000 }))
    await coordinator.topics.create('busy', { partitions: 2 })

    const probe = await WireClient.connect(port)
    const stalledFetch = probe.encode(FETCH, 12, fetchRequest('big', 0, 0, 64 * MIB)).frame
    const stalled = await Promise.all(Array.from({ length: 3 }, () => stalledConsumer(port, stalledFetch)))
    probe.close()

    // Meanwhile, four clients produce and fetch as fast as they can for a second.
    const latenciesMs: number[] = []
    const deadline = Date.now() + 1000
    await Promise.all(Array.from({ length: 4 }, async (_, i) => {
      const client = await WireClient.connect(port)
      const partition = i % 2
      while (Date.now() < deadline) {
        let startedMs = performance.now()
        const produced = await client.request<ProduceResponse>(PRODUCE, 9, {
          transactionalId: null, acks: 1, timeoutMs: 5000,
          topicData: [{ name: 'busy', partitionData: [{ index: partition, records: buildRecordBatch([{ key: null, value: Buffer.from(`v${i}`) }], { timestamp: Date.now() }) }] }],
        })
        latenciesMs.push(performance.now() - startedMs)
        const { errorCode, baseOffset } = produced.responses[0]!.partitionResponses[0]!
        assert.equal(errorCode, 0)
        startedMs = performance.now()
        const fetched = await client.request<FetchResponse>(FETCH, 12, fetchRequest('busy', partition, baseOffset, MIB))
        latenciesMs.push(performance.now() - startedMs)
        assert.equal(fetched.responses[0]!.partitions[0]!.errorCode, 0)
        assert.ok((fetched.responses[0]!.partitions[0]!.records?.length ?? 0) > 0)
      }
      client.close()
    }))
    latenciesMs.sort((a, b) => a - b)
    const p99 = latenciesMs[Math.floor(latenciesMs.length * 0.99)]!
    const max = latenciesMs[latenciesMs.length - 1]!
    const median = latenciesMs[latenciesMs.length >> 1]!
    t.diagnostic(`${latenciesMs.length} produce/fetch requests beside 3 stalled consumers: median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`)
    assert.ok(latenciesMs.length > 100, `only ${latenciesMs.length} requests in a second`)
    // Generous, the machine is shared (alone, a first produce or a GC costs a few hundred ms here
    // too): a stall behind the blocked sockets would last until they are destroyed, seconds.
    assert.ok(median < 50, `median latency ${median.toFixed(1)} ms`)
    assert.ok(p99 < 1000, `p99 latency ${p99.toFixed(1)} ms`)
    assert.ok(max < 3000, `max latency ${max.toFixed(1)} ms`)

    // The stalled sockets are really blocked: they took less than the broker has to send them.
    for (const socket of stalled) assert.ok(socket.bytesRead < 16 * MIB, `a stalled socket read ${socket.bytesRead} bytes`)
    t.diagnostic(`the stalled sockets took ${stalled.map((s) => (s.bytesRead / MIB).toFixed(1)).join(', ')} MiB of their 16 MiB answers`)
    for (const socket of stalled) socket.destroy()
    const after = await WireClient.connect(port)
    assert.equal(await apiVersions(after), 0)
    after.close()
  })
})
