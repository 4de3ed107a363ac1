// One TCP connection to one Kafka-protocol broker: size-prefixed frames, correlation ids, pipelined
// requests (every request is written at once; answers come back in request order, so a FIFO of
// pending requests matches them), a timeout per request, and ApiVersions negotiation when it
// opens. Each request goes out at the highest version both this client (CLIENT_VERSIONS) and the
// broker support. Routing (which broker) is cluster.ts; what the requests mean is the callers'.
//
// Failure: a request that times out closes the connection (its answer would still arrive later
// and every answer behind it would be matched to the wrong request), and a closed connection fails
// every pending request with NETWORK_EXCEPTION (retriable); the cluster then opens a new one.
//
// Frames are read without copying when a frame arrives within one socket chunk (the common case
// for small answers); a frame spanning chunks is joined once. Decoded record batches in a Fetch
// answer are views into that frame. The socket is unref'd while nothing is pending, so an idle
// client does not keep a process alive (as the embedded log's timers do not).
import { connect, type Socket } from 'node:net'
import type { Clock, TimerHandle } from '../../base/clock.ts'
import { SluiceError } from '../../base/errors.ts'
import {
  ApiKey, apis, decodeApiVersionsResponse, decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion,
  type ApiVersionsResponse,
} from '../../protocol/messages/index.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import { networkError, wireError } from './wire-errors.ts'

/** An inclusive version range. */
export interface VersionRange {
  min: number
  max: number
}

/**
 * The versions this client can fill in and read, per API it uses: the lower bounds are where the
 * meaning the code relies on begins (record batch v2 for Produce v3 / Fetch v4, one offset per
 * partition in ListOffsets v1, `null` = all topics in Metadata v1); the upper bound is the highest
 * stable version the generated codecs know.
 */
const CLIENT_MIN_VERSIONS: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 3], [ApiKey.Fetch, 4], [ApiKey.ListOffsets, 1], [ApiKey.Metadata, 1], [ApiKey.OffsetCommit, 2],
  [ApiKey.OffsetFetch, 1], [ApiKey.FindCoordinator, 0], [ApiKey.JoinGroup, 1], [ApiKey.Heartbeat, 0], [ApiKey.LeaveGroup, 0],
  [ApiKey.SyncGroup, 0], [ApiKey.DescribeGroups, 0], [ApiKey.ListGroups, 0], [ApiKey.ApiVersions, 0], [ApiKey.CreateTopics, 0],
  [ApiKey.DeleteTopics, 0], [ApiKey.InitProducerId, 0], [ApiKey.DescribeConfigs, 0], [ApiKey.DescribeLogDirs, 0],
  [ApiKey.CreatePartitions, 0], [ApiKey.DeleteGroups, 0], [ApiKey.IncrementalAlterConfigs, 0], [ApiKey.DescribeCluster, 0],
])

/** The versions this client speaks, per API key. */
export const CLIENT_VERSIONS: ReadonlyMap<number, VersionRange> = new Map(
  [...CLIENT_MIN_VERSIONS].map(([key, min]) => [key, { min, max: apis.get(key)!.maxVersion }]),
)

/** ApiVersions v3 is what clients send first (KIP-511); a broker that predates it answers v0 with its ranges. */
const API_VERSIONS_FIRST = 3
const UNSUPPORTED_VERSION = 35
/** A response larger than this is a desynchronized or hostile stream, not an answer. */
const FRAME_BYTES_MAX = 1024 * 1024 * 1024

/** What a connection needs to open. */
export interface ConnectionOptions {
  host: string
  port: number
  clientId: string
  clock: Clock
  connectTimeoutMs: number
  requestTimeoutMs: number
}

/** An answer's body: the frame and where the body starts in it (after the response header). */
interface Body {
  frame: Buffer
  start: number
}

interface Pending {
  correlationId: number
  apiKey: number
  version: number
  resolve: (body: Body) => void
  reject: (error: SluiceError) => void
  timer: TimerHandle
}

/** An open connection to one broker, with its negotiated API versions. */
export class BrokerConnection {
  readonly host: string
  readonly port: number
  readonly #options: ConnectionOptions
  readonly #socket: Socket
  readonly #pending: Pending[] = []
  readonly #closeListeners: Array<() => void> = []
  #brokerVersions = new Map<number, VersionRange>()
  #nextCorrelationId = 1
  #chunks: Buffer[] = []
  #buffered = 0
  #closedBy: SluiceError | null = null

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.#socket = socket
    this.#options = options
    this.host = options.host
    this.port = options.port
    socket.setNoDelay(true)
    socket.setKeepAlive(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    // 'close' follows every 'error'; the error is kept as the cause.
    let lastError: Error | undefined
    socket.on('error', (error) => { lastError = error })
    socket.on('close', () => this.#fail(networkError(`connection to ${this.address} closed${lastError === undefined ? '' : `: ${lastError.message}`}`, lastError)))
    socket.unref()
  }

  /** Connects and negotiates API versions; a broker that cannot be reached is a NETWORK_EXCEPTION. */
  static async open(options: ConnectionOptions): Promise<BrokerConnection> {
    const address = `${options.host}:${options.port}`
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host, port: options.port })
      const timer = options.clock.setTimeout(() => {
        s.destroy()
        reject(networkError(`cannot connect to ${address}: no answer within ${options.connectTimeoutMs} ms`))
      }, options.connectTimeoutMs, { keepAlive: true })
      s.once('connect', () => {
        timer.cancel()
        resolve(s)
      })
      s.once('error', (error: NodeJS.ErrnoException) => {
        timer.cancel()
        reject(networkError(`cannot connect to ${address}: ${error.code ?? error.message}`, error))
      })
    })
    const connection = new BrokerConnection(socket, options)
    try {
      await connection.#negotiate()
    } catch (error) {
      connection.close()
      throw error
    }
    return connection
  }

  /** `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`
  }

  /** True once closed (by either side or after a failure). */
  get isClosed(): boolean {
    return this.#closedBy !== null
  }

  /** The versions the broker advertised, per API key. */
  get brokerVersions(): ReadonlyMap<number, VersionRange> {
    return this.#brokerVersions
  }

  /** The version a request of `apiKey` goes out at, or -1 when this client and the broker share none. */
  versionOf(apiKey: number): number {
    const ours = CLIENT_VERSIONS.get(apiKey)
    const theirs = this.#brokerVersions.get(apiKey)
    if (ours === undefined || theirs === undefined) return -1
    const max = Math.min(ours.max, theirs.max)
    return max >= Math.max(ours.min, theirs.min) ? max : -1
  }

  /** Runs `listener` once when the connection closes. */
  onClose(listener: () => void): void {
    if (this.#closedBy !== null) listener()
    else this.#closeListeners.push(listener)
  }

  /**
   * Sends one request at the negotiated version (`body` builds it for that version) and resolves
   * with the decoded answer. Rejects with UNSUPPORTED_VERSION when the broker lacks the API,
   * REQUEST_TIMED_OUT after `timeoutMs` (default requestTimeoutMs), NETWORK_EXCEPTION when the
   * connection fails.
   */
  async request<Response>(apiKey: number, body: (version: number) => unknown, options: { timeoutMs?: number } = {}): Promise<{ version: number; response: Response }> {
    const version = this.#checkedVersion(apiKey)
    const answer = await this.#send(apiKey, version, body(version), true, options.timeoutMs ?? this.#options.requestTimeoutMs)
    const reader = new Reader(answer!.frame, answer!.start)
    const response = apis.get(apiKey)!.decodeResponse(reader, version) as Response
    if (reader.error !== null) {
      const error = new SluiceError('CORRUPT_MESSAGE', `undecodable ${apis.get(apiKey)!.name} v${version} answer from ${this.address}: ${reader.error}`)
      this.#fail(error)
      throw error
    }
    return { version, response }
  }

  /** Sends a request that gets no answer (Produce with acks 0); resolves once written. */
  async sendOnly(apiKey: number, body: (version: number) => unknown): Promise<void> {
    const version = this.#checkedVersion(apiKey)
    await this.#send(apiKey, version, body(version), false, this.#options.requestTimeoutMs)
  }

  /** Closes the socket; pending requests fail with CLOSED. Idempotent. */
  close(): void {
    this.#fail(new SluiceError('CLOSED', `connection to ${this.address} was closed by the client`))
  }

  #checkedVersion(apiKey: number): number {
    if (this.#closedBy !== null) throw this.#closedBy
    const version = this.versionOf(apiKey)
    if (version < 0) {
      const name = apis.get(apiKey)?.name ?? `API ${apiKey}`
      const theirs = this.#brokerVersions.get(apiKey)
      const ours = CLIENT_VERSIONS.get(apiKey)
      throw new SluiceError('UNSUPPORTED_VERSION', `broker ${this.address} does not serve ${name} at a version this client speaks (broker: ${theirs === undefined ? 'none' : `v${theirs.min}-${theirs.max}`}, client: ${ours === undefined ? 'none' : `v${ours.min}-${ours.max}`})`)
    }
    return version
  }

  #send(apiKey: number, version: number, body: unknown, expectsAnswer: boolean, timeoutMs: number): Promise<Body | null> {
    if (this.#closedBy !== null) return Promise.reject(this.#closedBy)
    const correlationId = this.#nextCorrelationId
    this.#nextCorrelationId = (this.#nextCorrelationId + 1) & 0x7fffffff
    const writer = new Writer()
    const size = writer.reserveInt32()
    encodeRequestHeader(writer, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.#options.clientId })
    apis.get(apiKey)!.encodeRequest(writer, version, body)
    writer.patchInt32(size, writer.bytesSince(size))
    const chunks = writer.chunks()
    if (!expectsAnswer) {
      return new Promise((resolve, reject) => {
        this.#writeChunks(chunks, (error) => (error === undefined ? resolve(null) : reject(networkError(`write to ${this.address} failed: ${error.message}`, error))))
      })
    }
    return new Promise<Body>((resolve, reject) => {
      const timer = this.#options.clock.setTimeout(() => {
        const name = apis.get(apiKey)?.name ?? `API ${apiKey}`
        // The answer may still come; everything behind it would be mismatched: start over.
        this.#fail(new SluiceError('REQUEST_TIMED_OUT', `${name} to ${this.address} got no answer within ${timeoutMs} ms`), correlationId)
      }, timeoutMs)
      if (this.#pending.length === 0) this.#socket.ref()
      this.#pending.push({ correlationId, apiKey, version, resolve, reject, timer })
      this.#writeChunks(chunks, (error) => {
        if (error !== undefined) this.#fail(networkError(`write to ${this.address} failed: ${error.message}`, error))
      })
    })
  }

  #writeChunks(chunks: readonly Buffer[], done: (error?: Error) => void): void {
    // cork/uncork: one writev for the header chunk and any referenced record-batch chunks.
    this.#socket.cork()
    for (let i = 0; i < chunks.length; i++) {
      if (i === chunks.length - 1) this.#socket.write(chunks[i]!, (error) => done(error ?? undefined))
      else this.#socket.write(chunks[i]!)
    }
    this.#socket.uncork()
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    while (this.#buffered >= 4) {
      const size = this.#peekSize()
      if (size < 4 || size > FRAME_BYTES_MAX) {
        this.#fail(new SluiceError('CORRUPT_MESSAGE', `broker ${this.address} sent a frame of ${size} bytes`))
        return
      }
      if (this.#buffered < 4 + size) return
      const frame = this.#take(4 + size).subarray(4)
      this.#onFrame(frame)
      if (this.#closedBy !== null) return
    }
  }

  #peekSize(): number {
    const first = this.#chunks[0]!
    if (first.length >= 4) return first.readInt32BE(0)
    return this.#take(4, true).readInt32BE(0)
  }

  /** The next `bytes` buffered bytes: a view when they lie in the first chunk, else one copy. */
  #take(bytes: number, peek = false): Buffer {
    const first = this.#chunks[0]!
    let out: Buffer
    if (first.length >= bytes) {
      out = first.subarray(0, bytes)
      if (!peek) {
        if (first.length === bytes) this.#chunks.shift()
        else this.#chunks[0] = first.subarray(bytes)
      }
    } else {
      out = Buffer.allocUnsafe(bytes)
      let copied = 0
      let i = 0
      while (copied < bytes) {
        const c = this.#chunks[i]!
        const n = Math.min(c.length, bytes - copied)
        c.copy(out, copied, 0, n)
        copied += n
        if (!peek) {
          if (n === c.length) i++
          else this.#chunks[i] = c.subarray(n)
        } else {
          i++
        }
      }
      if (!peek) this.#chunks.splice(0, i)
    }
    if (!peek) this.#buffered -= bytes
    return out
  }

  #onFrame(frame: Buffer): void {
    const pending = this.#pending.shift()
    if (pending === undefined) {
      this.#fail(new SluiceError('CORRUPT_MESSAGE', `broker ${this.address} sent an answer to no request`))
      return
    }
    if (this.#pending.length === 0) this.#socket.unref()
    pending.timer.cancel()
    const reader = new Reader(frame)
    const header = decodeResponseHeader(reader, responseHeaderVersion(pending.apiKey, pending.version))
    if (reader.error !== null || header.correlationId !== pending.correlationId) {
      const error = new SluiceError('CORRUPT_MESSAGE', `broker ${this.address} answered correlation id ${header.correlationId}, expected ${pending.correlationId}`)
      pending.reject(error)
      this.#fail(error)
      return
    }
    pending.resolve({ frame, start: reader.offset })
  }

  /** Closes with `error`; the request `timedOut` (if any) gets that error, the others NETWORK_EXCEPTION. */
  #fail(error: SluiceError, timedOut?: number): void {
    if (this.#closedBy !== null) return
    this.#closedBy = error.code === 'CLOSED' || timedOut === undefined ? error : networkError(`connection to ${this.address} was reset after a request timed out`, error)
    this.#socket.destroy()
    for (const p of this.#pending.splice(0)) {
      p.timer.cancel()
      p.reject(p.correlationId === timedOut ? error : this.#closedBy)
    }
    this.#chunks = []
    this.#buffered = 0
    for (const listener of this.#closeListeners.splice(0)) listener()
  }

  // ---- ApiVersions ----

  async #negotiate(): Promise<void> {
    let version = API_VERSIONS_FIRST
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = (await this.#send(ApiKey.ApiVersions, version, { clientSoftwareName: 'sluice', clientSoftwareVersion: '0.1.0' }, true, this.#options.requestTimeoutMs))!
      // The error code leads every version of the body; UNSUPPORTED_VERSION comes with a v0 body.
      const errorCode = answer.frame.length >= answer.start + 2 ? answer.frame.readInt16BE(answer.start) : -1
      const isRetry = errorCode === UNSUPPORTED_VERSION
      const reader = new Reader(answer.frame, answer.start)
      const body: ApiVersionsResponse = decodeApiVersionsResponse(reader, isRetry ? 0 : version)
      if (reader.error !== null) throw new SluiceError('CORRUPT_MESSAGE', `undecodable ApiVersions answer from ${this.address}: ${reader.error}`)
      this.#brokerVersions = new Map(body.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]))
      if (!isRetry) {
        if (errorCode !== 0) throw wireError(errorCode, `ApiVersions from ${this.address}`)
        return
      }
      const theirs = this.#brokerVersions.get(ApiKey.ApiVersions)
      if (theirs === undefined || theirs.max >= version) break
      version = theirs.max
    }
    throw new SluiceError('UNSUPPORTED_VERSION', `broker ${this.address} refused every ApiVersions version this client speaks`)
  }
}
