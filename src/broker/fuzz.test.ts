// Seeded fuzz of the broker's request path. For every API key and version the broker advertises
// (the handler table through api-range.ts, as ApiVersions does), a request body is sampled with the
// generated decoders (wire-test-kit.ts `sampleRequest`), sent once as is, then mutated: truncated,
// bytes flipped, a length prefix forged huge or negative, garbage appended inside or after the
// frame, the frame size forged. Each mutated frame must be answered (a response that decodes with
// that API's decoder, to the last byte) or close its connection, within a deadline; a healthy
// connection opened at the start must keep answering ApiVersions and Metadata after every round;
// no handler or codec may throw. The second test forges ~2^31 lengths in small frames and watches
// the process's memory.
//
// Replay: the seed is in the test name. SLUICE_FUZZ_SEED=<n> replays a run, SLUICE_FUZZ_CASE=
// <apiKey>:<version>:<index> runs one case of it, SLUICE_FUZZ_ITERATIONS=<n> sets the mutated
// frames per API version (default 16: ~2,750 frames, a few seconds).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Random } from '../base/random.ts'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'
import {
  apis, decodeRequestHeader, decodeResponseHeader, requestHeaderVersion, responseHeaderVersion,
  type ApiVersionsResponse, type MetadataResponse,
} from '../protocol/messages/index.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import { writeUnsignedVarint } from '../protocol/primitives/varint.ts'
import { buildRecordBatch } from '../protocol/records/index.ts'
import { Dispatcher } from './dispatch.ts'
import { handlers } from './handlers/index.ts'
import { WireClient, encodeRequestFrame, sampleRequest, type LengthField } from './wire-test-kit.ts'

const SEED = process.env['SLUICE_FUZZ_SEED'] === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env['SLUICE_FUZZ_SEED']) >>> 0
const MUTATIONS_PER_VERSION = Number(process.env['SLUICE_FUZZ_ITERATIONS'] ?? 16)
const ONLY = process.env['SLUICE_FUZZ_CASE']?.split(':').map(Number) ?? null
/** Connections sending mutated frames at once: cases that wait for the frame deadline overlap. */
const LANES = 16
const FRAME_DEADLINE_MS = 120
const MAX_REQUEST_BYTES = 1 << 20
/** Time a request gets to be answered or refused; generous, the machine is shared. */
const ANSWER_DEADLINE_MS = 5000
/** A mutated frame that decodes as a Fetch waiting longer than this may go unanswered (a valid long poll). */
const LONG_POLL_MS = 1000
/** CreateTopics/CreatePartitions asking for more partitions are valid but slow; such mutations are drawn again. */
const PARTITIONS_CHEAP_MAX = 16
const PROBE_CORRELATION_BASE = 2_000_000_000
/** The case index of each API version's unmutated sampled request. */
const VALID_INDEX = 0xffff
const API_VERSIONS = 18
const METADATA = 3

const dispatcher = new Dispatcher(handlers)
const pairs = dispatcher.advertised.flatMap(({ apiKey, minVersion, maxVersion }) =>
  Array.from({ length: maxVersion - minVersion + 1 }, (_, i) => ({ apiKey, version: minVersion + i })))
const apiVersionsMax = dispatcher.advertised.find((a) => a.apiKey === API_VERSIONS)!.maxVersion
const metadataAll = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }
const replay = (apiKey: number, version: number, index: number | string): string =>
  `SLUICE_FUZZ_SEED=${SEED} SLUICE_FUZZ_CASE=${apiKey}:${version}:${index}`

/** One uint32 from the seed and a case's coordinates, so any case can be rebuilt alone. */
function caseSeed(...parts: number[]): number {
  let h = SEED ^ 0x9e3779b9
  for (const part of parts) {
    h = Math.imul(h ^ (part & 0xffff), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

/**
 * Case `index` of an API version, sampled and encoded; its correlation id comes from the same
 * coordinates (so a replayed case sends the same bytes) and stays below the probes' ids. JoinGroup
 * gets a group of its own, which answers at once (a shared one waits for its members to rejoin).
 */
function sampleFrame(apiKey: number, version: number, index: number, random: Random, extreme = false): { frame: Buffer; lengthFields: LengthField[]; body: Record<string, unknown> } {
  const body = sampleRequest(apiKey, version, random, { extreme }) as Record<string, unknown>
  if (apiKey === 11) body['groupId'] = `fz-join-${version}-${index}`
  const correlationId = apiKey * 1_000_000 + version * 10_000 + (index % 10_000)
  return { ...encodeRequestFrame(apiKey, version, body, correlationId, 'fuzz'), body }
}

/** How the broker must treat a frame: by its size prefix and the bytes that follow it. */
type Framing =
  | 'wellformed' // a request the codecs encoded, unchanged: answered, never closed
  | 'exact' // size prefix matches the bytes: answered or closed, and a probe after it is read cleanly
  | 'refused' // size outside [8, max]: closed at once, nothing answered
  | 'stalls' // fewer bytes than the size promises: closed by the frame deadline, nothing answered
  | 'desync' // the stream does not split into the frames sent: closed, or left waiting harmlessly
interface Mutation {
  kind: string
  bytes: Buffer
  framing: Framing
}

function withSize(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

// A length prefix replaced by a value far past the frame (or negative); compact prefixes change width.
function forgeLength(frame: Buffer, field: LengthField, random: Random): Buffer {
  const body = Buffer.from(frame.subarray(4))
  const at = field.position - 4
  if (field.form === 'int16') {
    body.writeInt16BE(random.pick([0x7fff, -2, -32768, 0x4000]), at)
    return withSize(body)
  }
  if (field.form === 'int32') {
    body.writeInt32BE(random.pick([0x7fffffff, -2, -0x80000000, 0x40000000, 0x10000]), at)
    return withSize(body)
  }
  const varint = Buffer.alloc(5)
  const end = writeUnsignedVarint(varint, 0, random.pick([0xffffffff, 0x80000000, 0x7fffffff, 0x10000, 0]))
  return withSize(Buffer.concat([body.subarray(0, at), varint.subarray(0, end), body.subarray(at + field.bytes)]))
}

function mutate(frame: Buffer, lengthFields: LengthField[], random: Random): Mutation {
  const body = frame.subarray(4)
  const roll = random.int(0, 100)
  if (roll < 20) {
    const cut = random.int(0, body.length)
    return { kind: `truncate to ${cut}`, bytes: withSize(body.subarray(0, cut)), framing: cut < 8 ? 'refused' : 'exact' }
  }
  if (roll < 45 || (roll < 70 && lengthFields.length === 0)) {
    const bytes = Buffer.from(frame)
    const flips = random.int(1, 4)
    for (let i = 0; i < flips; i++) bytes[random.int(4, bytes.length)]! ^= random.int(1, 256)
    return { kind: `flip ${flips}`, bytes, framing: 'exact' }
  }
  if (roll < 70) {
    const field = random.pick(lengthFields)
    return { kind: `forge ${field.form} length at ${field.position}`, bytes: forgeLength(frame, field, random), framing: 'exact' }
  }
  if (roll < 80) {
    return { kind: 'garbage inside', bytes: withSize(Buffer.concat([body, random.bytes(random.int(1, 64))])), framing: 'exact' }
  }
  if (roll < 85) {
    const size = random.pick([-1, -0x80000000, 0, 7, MAX_REQUEST_BYTES + 1, 0x7fffffff])
    const bytes = Buffer.from(frame)
    bytes.writeInt32BE(size, 0)
    return { kind: `frame size ${size}`, bytes, framing: 'refused' }
  }
  if (roll < 89) {
    const bytes = Buffer.from(frame)
    bytes.writeInt32BE(random.int(8, body.length), 0)
    return { kind: 'frame size short', bytes, framing: 'desync' }
  }
  if (roll < 92) {
    const bytes = Buffer.from(frame)
    bytes.writeInt32BE(body.length + random.int(1, 1000), 0)
    return { kind: 'frame size long', bytes, framing: 'stalls' }
  }
  if (roll < 95) {
    const cut = random.int(1, frame.length)
    return { kind: `stop after ${cut} bytes`, bytes: frame.subarray(0, cut), framing: 'stalls' }
  }
  return { kind: 'garbage after', bytes: Buffer.concat([frame, random.bytes(random.int(1, 32))]), framing: 'desync' }
}

/** The request a frame body carries, decoded as the broker will (null when it will not). */
function decodeSent(body: Buffer): { apiKey: number; version: number; request: Record<string, unknown> | null } {
  const apiKey = body.readInt16BE(0)
  const version = body.readInt16BE(2)
  const route = dispatcher.route(apiKey, version)
  if (route.kind !== 'serve') return { apiKey, version, request: null }
  const reader = new Reader(body)
  decodeRequestHeader(reader, requestHeaderVersion(apiKey, version))
  const request = route.api.decodeRequest(reader, version) as Record<string, unknown>
  return { apiKey, version, request: reader.error === null ? request : null }
}

// Valid but slow requests (tens of thousands of partitions to create) are outside this test's scope.
function isExpensive(apiKey: number, request: Record<string, unknown> | null): boolean {
  if (request === null) return false
  const topics = (request['topics'] ?? []) as Array<Record<string, unknown>>
  if (apiKey === 19) return topics.some((t) => (t['numPartitions'] as number) > PARTITIONS_CHEAP_MAX)
  if (apiKey === 37) return topics.some((t) => (t['count'] as number) > PARTITIONS_CHEAP_MAX)
  return false
}

/** Why `frame` is not a well-formed answer to the request sent (null if it is). */
function responseProblem(frame: Buffer, apiKey: number, version: number, correlationId: number): string | null {
  if (frame.length < 4) return `a ${frame.length}-byte response frame`
  if (frame.readInt32BE(0) !== correlationId) return `correlation id ${frame.readInt32BE(0)}, expected ${correlationId}`
  // ApiVersions above our range is answered in v0 (dispatch.ts).
  const isFallback = apiKey === API_VERSIONS && version > apiVersionsMax
  const reader = new Reader(frame)
  decodeResponseHeader(reader, isFallback ? 0 : responseHeaderVersion(apiKey, version))
  apis.get(apiKey)!.decodeResponse(reader, isFallback ? 0 : version)
  if (reader.error !== null) return `response does not decode: ${reader.error}`
  if (reader.remaining !== 0) return `response has ${reader.remaining} bytes after its body`
  return null
}

type Outcome = { end: 'answered' | 'closed' | 'timeout'; frames: Buffer[]; elapsedMs: number }

/** Reads until the probe's answer, the close, or the deadline. */
async function outcome(client: WireClient, probeId: number | null, timeoutMs: number): Promise<Outcome> {
  const startedMs = Date.now()
  const frames: Buffer[] = []
  for (;;) {
    const leftMs = startedMs + timeoutMs - Date.now()
    if (leftMs <= 0) return { end: 'timeout', frames, elapsedMs: Date.now() - startedMs }
    let frame: Buffer | null
    try {
      frame = await client.nextFrame(leftMs)
    } catch {
      return { end: 'timeout', frames, elapsedMs: Date.now() - startedMs } // nextFrame's own deadline
    }
    if (frame === null) return { end: 'closed', frames, elapsedMs: Date.now() - startedMs }
    if (probeId !== null && frame.length >= 4 && frame.readInt32BE(0) === probeId) return { end: 'answered', frames, elapsedMs: Date.now() - startedMs }
    frames.push(frame)
  }
}

let broker: TestBroker
let healthy: WireClient
/** The case each lane connection (by its local port) is running, to name the case a warning is about. */
const caseByPort = new Map<number, string>()
/** A handler or a codec threw: a bug, whatever the input. Filled by onWarning. */
const bugs: string[] = []

function onWarning(message: string): void {
  if (!/handler failed|decoding .* failed/.test(message)) return
  const port = Number(/(?:from|for) [^ ]*:(\d+):/.exec(message)?.[1])
  bugs.push(`${caseByPort.get(port) ?? `port ${port}`}: ${message.split('\n').slice(0, 4).join(' | ')}`)
}
const stats = { frames: 0, answered: 0, closed: 0, longPolls: 0, desyncLeftOpen: 0, rerolled: 0 }

before(async () => {
  broker = await startTestBroker({
    broker: { frameDeadlineMs: FRAME_DEADLINE_MS, maxRequestBytes: MAX_REQUEST_BYTES, onWarning },
    coordinator: { groups: { initialRebalanceDelayMs: 0 } },
  })
  await broker.coordinator.topics.create('fuzz', { partitions: 2 })
  await broker.coordinator.produce('fuzz', 0, buildRecordBatch([{ key: null, value: Buffer.from('fuzz') }], { timestamp: 1_700_000_000_000 }))
  healthy = await WireClient.connect(broker.port)
  caseByPort.set(healthy.localPort, 'the healthy connection (ApiVersions + Metadata after a round)')
})

after(async () => {
  healthy?.close()
  await broker?.stop()
})

async function checkHealthy(client = healthy): Promise<void> {
  const versions = await client.request<ApiVersionsResponse>(API_VERSIONS, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' })
  assert.equal(versions.errorCode, 0)
  const metadata = await client.request<MetadataResponse>(METADATA, 12, metadataAll)
  assert.equal(metadata.brokers.length, 1)
}

test(`fuzz: every advertised API version answers or closes on mutated requests, and the broker keeps serving (SLUICE_FUZZ_SEED=${SEED})`, { timeout: 120_000 }, async (t) => {
  const failures: string[] = []
  const lanes: Array<WireClient | null> = Array.from({ length: LANES }, () => null)
  let probeSeq = 0
  const connection = async (lane: number): Promise<WireClient> => {
    const open = lanes[lane]
    if (open !== null && open !== undefined && !open.isClosed) return open
    const client = await WireClient.connect(broker.port)
    lanes[lane] = client
    return client
  }
  // Closes a lane's connection now (its close event comes later, so it is forgotten at once).
  const drop = (lane: number): void => {
    lanes[lane]?.close()
    lanes[lane] = null
  }

  // Sends one frame (and, when it keeps the stream in step, a probe after it) and checks what follows.
  const runCase = async (lane: number, where: string, mutation: Mutation): Promise<void> => {
    // A frame that must end in a close gets a connection of its own, so nothing sent before can explain it.
    if (mutation.framing === 'refused' || mutation.framing === 'stalls') drop(lane)
    const client = await connection(lane)
    caseByPort.set(client.localPort, `${where} (${mutation.kind})`)
    const probeId = PROBE_CORRELATION_BASE + probeSeq++
    const isFramed = mutation.framing !== 'refused' && mutation.framing !== 'stalls'
    const probe = client.encode(API_VERSIONS, 0, {}, { correlationId: probeId }).frame
    await client.write(isFramed ? Buffer.concat([mutation.bytes, probe]) : mutation.bytes)
    stats.frames++
    const fail = (problem: string): void => {
      failures.push(`${where} (${mutation.kind}, ${mutation.framing}): ${problem}`)
    }
    if (mutation.framing === 'refused' || mutation.framing === 'stalls') {
      const result = await outcome(client, null, FRAME_DEADLINE_MS + ANSWER_DEADLINE_MS)
      if (result.end !== 'closed') fail(`not closed within ${result.elapsedMs} ms`)
      else if (result.frames.length > 0) fail(`${result.frames.length} frames answered before the close`)
      else if (mutation.framing === 'stalls' && result.elapsedMs < FRAME_DEADLINE_MS * 0.8) fail(`closed after ${result.elapsedMs} ms, before the frame deadline`)
      stats.closed++
      return
    }
    if (mutation.framing === 'desync') {
      const result = await outcome(client, probeId, FRAME_DEADLINE_MS + ANSWER_DEADLINE_MS)
      // Whatever the stream now means to the broker, it has closed, answered up to the probe, or
      // holds a partial frame whose deadline has passed; only the last would be left open.
      if (result.end === 'timeout') stats.desyncLeftOpen++
      drop(lane) // the stream may still hold part of a frame
      return
    }
    const body = mutation.bytes.subarray(4)
    const sent = decodeSent(body)
    const correlationId = body.readInt32BE(4)
    const fetchWaitMs = sent.apiKey === 1 && sent.request !== null ? (sent.request['maxWaitMs'] as number) : 0
    const mayWait = fetchWaitMs > LONG_POLL_MS
    const result = await outcome(client, probeId, mayWait ? LONG_POLL_MS : ANSWER_DEADLINE_MS)
    if (result.end === 'timeout') {
      if (mayWait && result.frames.length === 0) stats.longPolls++
      else fail(`neither answered nor closed within ${result.elapsedMs} ms (frames ${result.frames.map((f) => f.readInt32BE(0)).join()}, probe ${probeId}, sent ${correlationId}): ${JSON.stringify(sent.request)?.slice(0, 300)}`)
      drop(lane)
      return
    }
    if (result.end === 'answered') stats.answered++
    else stats.closed++
    if (mutation.framing === 'wellformed' && result.end !== 'answered') fail(`a well-formed request was ${result.end}: ${JSON.stringify(sent.request)?.slice(0, 300)}`)
    if (result.frames.length > 1) fail(`${result.frames.length} responses to one request`)
    for (const frame of result.frames) {
      const problem = responseProblem(frame, sent.apiKey, sent.version, correlationId)
      if (problem !== null) fail(problem)
    }
  }

  // Each API version's sampled request first: well-formed, so answered, never refused.
  const rounds: Array<{ apiKey: number; version: number; name: string; left: number }> = []
  for (const { apiKey, version } of pairs) {
    if (ONLY !== null && (ONLY[0] !== apiKey || ONLY[1] !== version)) continue
    const name = `${apis.get(apiKey)!.name} v${version}`
    const { frame, body } = sampleFrame(apiKey, version, VALID_INDEX, new Random(caseSeed(apiKey, version, VALID_INDEX)))
    const valid = await connection(0)
    caseByPort.set(valid.localPort, `${name} sampled valid request [${replay(apiKey, version, 'valid')}]`)
    const probeId = PROBE_CORRELATION_BASE + probeSeq++
    await valid.write(Buffer.concat([frame, valid.encode(API_VERSIONS, 0, {}, { correlationId: probeId }).frame]))
    const validResult = await outcome(valid, probeId, ANSWER_DEADLINE_MS)
    if (validResult.end === 'timeout') drop(0) // later requests would queue behind the lost answer
    const isAcksZero = apiKey === 0 && body['acks'] === 0
    if (validResult.end !== 'answered') failures.push(`${name} (${replay(apiKey, version, 'valid')}): the sampled valid request was ${validResult.end}: ${JSON.stringify(body)}`)
    else if (validResult.frames.length !== (isAcksZero ? 0 : 1)) failures.push(`${name}: ${validResult.frames.length} responses to the sampled valid request`)
    for (const response of validResult.frames) {
      const problem = responseProblem(response, apiKey, version, frame.readInt32BE(8))
      if (problem !== null) failures.push(`${name} (valid): ${problem}`)
    }
    rounds.push({ apiKey, version, name, left: 0 })
  }

  // Then the mutated frames, LANES connections pulling from one queue in API-version order (so a
  // case waiting out the frame deadline holds up only its own lane). A round is one API version's
  // cases: when its last case is done, the healthy connection must answer ApiVersions and Metadata.
  const queue = rounds.flatMap((round) => Array.from({ length: MUTATIONS_PER_VERSION }, (_, index) => ({ round, index }))
    .filter(({ index }) => ONLY === null || ONLY[2] === undefined || ONLY[2] === index))
  for (const { round } of queue) round.left++
  let healthChecks = Promise.resolve()
  let isHealthy = true
  await Promise.all(Array.from({ length: LANES }, async (_, lane) => {
    for (let item = queue.shift(); item !== undefined && isHealthy && failures.length < 20; item = queue.shift()) {
      const { round, index } = item
      const where = `${round.name} case ${index} [${replay(round.apiKey, round.version, index)}]`
      // Each case samples its own body (array sizes, nulls, names vary), then mutates it.
      // A sixth of the cases send edge values (extreme numbers, odd names) in a well-formed frame.
      const random = new Random(caseSeed(round.apiKey, round.version, index))
      const isExtreme = random.chance(1 / 6)
      let mutation: Mutation
      for (let tries = 0; ; tries++) {
        const { frame, lengthFields } = sampleFrame(round.apiKey, round.version, index, random, isExtreme)
        mutation = isExtreme ? { kind: 'edge values', bytes: frame, framing: 'wellformed' } : mutate(frame, lengthFields, random)
        if (mutation.framing === 'refused' || mutation.framing === 'stalls' || mutation.framing === 'desync') break
        if (!isExpensive(round.apiKey, decodeSent(mutation.bytes.subarray(4)).request) || tries === 20) break
        stats.rerolled++
      }
      await runCase(lane, where, mutation)
      if (--round.left === 0) {
        healthChecks = healthChecks.then(() => (isHealthy ? checkHealthy() : undefined)).catch((error: unknown) => {
          isHealthy = false
          failures.push(`after ${round.name}: the healthy connection failed: ${(error as Error).message}`)
        })
        await healthChecks
      }
    }
  }))
  await healthChecks
  failures.push(...bugs.slice(0, 20), ...(bugs.length > 20 ? [`and ${bugs.length - 20} more handler or codec failures`] : []))
  for (const lane of lanes) lane?.close()
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(stats)}`)
  assert.deepEqual(failures, [], `replay with the SLUICE_FUZZ_SEED/SLUICE_FUZZ_CASE shown; ${failures.length} failures`)
  // Every frame class was exercised (the default run draws thousands).
  if (ONLY === null && MUTATIONS_PER_VERSION >= 16) assert.ok(stats.answered > 100 && stats.closed > 100, JSON.stringify(stats))
})

// V8 exposes `gc` to a fresh context once the flag is set: a measurement baseline without garbage.
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

test(`forged lengths of ~2^31 in small frames are refused without allocating (SLUICE_FUZZ_SEED=${SEED})`, { timeout: 60_000 }, async (t) => {
  const frames: Array<{ where: string; bytes: Buffer }> = []
  for (const { apiKey, version } of pairs) {
    const random = new Random(caseSeed(apiKey, version, 0xfffe))
    const body = sampleRequest(apiKey, version, random)
    const { frame, lengthFields } = encodeRequestFrame(apiKey, version, body, 1, 'fuzz')
    // int32 and compact prefixes (arrays, bytes, records, compact strings); classic strings top out at 32767.
    const wide = lengthFields.filter((f) => f.form !== 'int16')
    for (const field of wide.slice(0, 4)) {
      const forged = Buffer.from(frame)
      if (field.form === 'int32') {
        forged.writeInt32BE(0x7fffffff, field.position)
        frames.push({ where: `${apis.get(apiKey)!.name} v${version} int32 at ${field.position}`, bytes: forged })
      } else {
        const varint = Buffer.alloc(5)
        const end = writeUnsignedVarint(varint, 0, 0x80000000) // length 2^31 - 1
        const bytes = withSize(Buffer.concat([forged.subarray(4, field.position), varint.subarray(0, end), forged.subarray(field.position + field.bytes)]))
        frames.push({ where: `${apis.get(apiKey)!.name} v${version} varint at ${field.position}`, bytes })
      }
    }
  }
  collectGarbage()
  const before = process.memoryUsage()
  let peakBytes = before.heapUsed + before.arrayBuffers
  let peakRss = before.rss
  const sampler = setInterval(() => {
    const now = process.memoryUsage()
    peakBytes = Math.max(peakBytes, now.heapUsed + now.arrayBuffers)
    peakRss = Math.max(peakRss, now.rss)
  }, 1)
  const problems: string[] = []
  try {
    for (let start = 0; start < frames.length; start += LANES) {
      await Promise.all(frames.slice(start, start + LANES).map(async ({ where, bytes }) => {
        const client = await WireClient.connect(broker.port)
        await client.write(bytes)
        const result = await outcome(client, null, ANSWER_DEADLINE_MS)
        if (result.end !== 'closed' || result.frames.length > 0) problems.push(`${where}: ${result.end} with ${result.frames.length} responses`)
        client.close()
      }))
    }
  } finally {
    clearInterval(sampler)
  }
  const grewMiB = (peakBytes - before.heapUsed - before.arrayBuffers) / 2 ** 20
  const rssGrewMiB = (peakRss - before.rss) / 2 ** 20
  t.diagnostic(`${frames.length} frames with forged 2^31 lengths: heap+buffers peak grew ${grewMiB.toFixed(1)} MiB, peak RSS grew ${rssGrewMiB.toFixed(1)} MiB`)
  assert.deepEqual(problems, [])
  assert.ok(frames.length > 300, `only ${frames.length} forged frames`)
  // One 2^31-element array or buffer would be 2 GiB and more; 64 MiB is room for the test's own garbage.
  assert.ok(grewMiB < 64, `heap + array buffers grew ${grewMiB.toFixed(1)} MiB`)
  assert.ok(rssGrewMiB < 128, `peak RSS grew ${rssGrewMiB.toFixed(1)} MiB`)
  const after = await WireClient.connect(broker.port)
  await checkHealthy(after)
  after.close()
})
