// One client connection: size-prefixed framing, request header decoding, dispatch, and responses
// written back in request order. listener.ts accepts sockets and owns the set of connections;
// dispatch.ts routes a request to its handler (handlers/NN-name.ts) and encodes the answer.
//
// Wire: each request is `int32 size | header | body`; the header is apiKey int16, apiVersion int16,
// correlationId int32, then (header v1+) clientId as an int16-length nullable string (never compact,
// even in flexible header v2) and (v2) a tagged-field section. Responses: `int32 size | correlationId
// int32 | (v1: tagged fields) | body`, in the order the requests came.
//
// Concurrency: requests are decoded and their handlers started synchronously in arrival order, so
// two Produce requests on one connection reach the log in the order sent; handlers then run
// concurrently, and each answer waits in the queue until those before it are written.
//
// Limits: a frame larger than `maxRequestBytes` closes the connection before anything is allocated
// for it, and one within it holds only the bytes that have arrived so far (never the size it
// declares). Reading pauses at `maxInFlightRequests` unanswered requests, while the socket's write
// buffer is full, and while `maxInFlightFetches` Fetch requests are unanswered: a client that
// pipelines without reading gets TCP backpressure, not an unbounded queue, and since a Fetch answer
// holds up to its maxBytes of log data (fetch.max.bytes, 50 MiB by default), one stalled consumer
// holds one answer, not 64 (clients keep one Fetch in flight per broker; Kafka reads nothing more
// from a connection until it has answered, so requests behind a long poll wait there too). A frame
// whose bytes take longer than `frameDeadlineMs` to arrive (slowloris) closes the connection.
// Malformed input, an unknown API, or a handler that throws closes this connection only; nothing
// here throws into the event loop.
import type { Socket } from 'node:net'
import type { Clock, TimerHandle } from '../base/clock.ts'
import type { Coordinator } from '../coordinator/coordinator.ts'
import type { FetchSessionCache } from './fetch-sessions.ts'
import { decodeRequestHeader, requestHeaderVersion, type RequestHeader } from '../protocol/messages/index.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import type { Dispatcher } from './dispatch.ts'
import type { BrokerInfo, RequestContext } from './handler.ts'

/** Per-connection limits (listener.ts gives the defaults). */
export interface ConnectionLimits {
  /** Largest request frame accepted (the size prefix's value); larger closes the connection. */
  maxRequestBytes: number
  /** Unanswered requests at which reading pauses until answers go out. */
  maxInFlightRequests: number
  /** Time from a frame's first byte to its last before the connection is closed. */
  frameDeadlineMs: number
  /** Unanswered Fetch requests at which reading pauses: each answer can hold maxBytes of log data. */
  maxInFlightFetches: number
}

/** What a connection needs from its listener. */
export interface ConnectionOptions {
  socket: Socket
  dispatcher: Dispatcher
  coordinator: Coordinator
  clock: Clock
  broker: BrokerInfo
  /** The broker's fetch sessions, shared by all its connections. */
  fetchSessions: FetchSessionCache
  limits: ConnectionLimits
  /** Why a connection was closed abnormally, or a handler failed. */
  onWarning: (message: string) => void
  /** Called once when the socket is gone. */
  onClose: (connection: Connection) => void
}

/** Bytes every request header has before the client id: apiKey, apiVersion, correlationId. */
const HEADER_FIXED_BYTES = 8
const SIZE_BYTES = 4
const FETCH_API_KEY = 1
/**
 * The buffer a spanning frame starts with (or its size, if smaller). Frames up to this size, nearly
 * every Produce (librdkafka's message.max.bytes is 1 MB), get one buffer of their exact size and no
 * regrowth: growing from 4 KiB by doubling cost produce about twice the broker CPU (allocation,
 * copies and GC, measured with kcat). Larger frames start here and double, so a client that only
 * claims a size commits at most this much per connection.
 */
const FRAME_BYTES_FIRST = 1024 * 1024
const EMPTY = Buffer.alloc(0)

// One request's place in the answer queue: null chunks = not answered yet; empty = no answer (acks=0).
interface Slot {
  chunks: readonly Buffer[] | null
}

/** A client connection serving pipelined Kafka requests in order. */
export class Connection {
  readonly #socket: Socket
  readonly #options: ConnectionOptions
  readonly #abort = new AbortController()
  readonly #clientHost: string
  // host:port, so a warning names one connection among many from the same host.
  readonly #peer: string
  // Framing state: the size prefix may arrive split, and a frame may span chunks. A spanning frame
  // is copied into a buffer that grows (doubling, up to the frame's size) as its bytes arrive, so
  // memory follows the bytes received, never the size a client merely declared; doubling keeps the
  // extra copying under one copy of the frame. (Keeping the chunks and joining them at the end
  // would copy less, but a client trickling single bytes would cost an object per byte.)
  readonly #sizeBytes = Buffer.alloc(SIZE_BYTES)
  #sizeFill = 0
  #frameSize = -1
  #frame: Buffer = EMPTY
  #frameFill = 0
  #frameTimer: TimerHandle | null = null
  // Bytes received while reading was paused by a limit, parsed when it lifts.
  #held: Buffer | null = null
  readonly #queue: Slot[] = []
  #isWriteBlocked = false
  #fetchesInFlight = 0
  #isClosed = false

  constructor(options: ConnectionOptions) {
    this.#options = options
    this.#socket = options.socket
    this.#clientHost = options.socket.remoteAddress ?? 'unknown'
    this.#peer = `${this.#clientHost}:${options.socket.remotePort ?? '?'}`
    this.#socket.setNoDelay(true)
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    this.#socket.on('drain', () => {
      this.#isWriteBlocked = false
      this.#resumeIfAllowed()
    })
    // A reset or a write to a closed peer is the client's business: the close that follows cleans up.
    this.#socket.on('error', () => {})
    this.#socket.on('close', () => this.#cleanUp())
  }

  /** Requests received and not yet answered. */
  get inFlightRequests(): number {
    return this.#queue.length
  }

  /** Closes the connection at once (unanswered requests are dropped; long-polls are aborted). */
  close(reason?: string): void {
    if (this.#isClosed) return
    if (reason !== undefined) this.#options.onWarning(`closing connection from ${this.#peer}: ${reason}`)
    this.#socket.destroy()
    this.#cleanUp()
  }

  #cleanUp(): void {
    if (this.#isClosed) return
    this.#isClosed = true
    this.#frameTimer?.cancel()
    this.#frameTimer = null
    this.#held = null
    this.#frame = EMPTY
    this.#abort.abort()
    this.#options.onClose(this)
  }

  #isPaused(): boolean {
    const { maxInFlightRequests, maxInFlightFetches } = this.#options.limits
    return this.#isWriteBlocked || this.#queue.length >= maxInFlightRequests || this.#fetchesInFlight >= maxInFlightFetches
  }

  #onData(chunk: Buffer): void {
    if (this.#isClosed) return
    if (this.#held !== null) {
      // Node may deliver a chunk already read before pause() took effect: keep order.
      this.#held = Buffer.concat([this.#held, chunk])
      return
    }
    this.#parse(chunk)
  }

  // Parses chunk[pos..]; complete frames inside the chunk are zero-copy views of it (Node gives each
  // 'data' event a fresh Buffer, so the log may keep or patch them); a frame spanning chunks is
  // copied into a buffer that grows as its bytes arrive and ends at the frame's exact size.
  // Allocating the whole frame when the size prefix arrives would let a client that sends 4 bytes
  // claiming maxRequestBytes make the broker commit that much memory per connection.
  #parse(chunk: Buffer): void {
    let pos = 0
    while (pos < chunk.length && !this.#isClosed) {
      if (this.#isPaused()) {
        this.#held = chunk.subarray(pos)
        this.#socket.pause()
        return
      }
      if (this.#frameSize < 0) {
        if (this.#sizeFill === 0 && chunk.length - pos >= SIZE_BYTES) {
          const size = chunk.readInt32BE(pos)
          if (!this.#checkSize(size)) return
          pos += SIZE_BYTES
          if (chunk.length - pos >= size) {
            this.#onFrame(chunk.subarray(pos, pos + size))
            pos += size
            continue
          }
          this.#frameSize = size
        } else {
          this.#startDeadline()
          while (this.#sizeFill < SIZE_BYTES && pos < chunk.length) this.#sizeBytes[this.#sizeFill++] = chunk[pos++]!
          if (this.#sizeFill < SIZE_BYTES) return
          this.#sizeFill = 0
          const size = this.#sizeBytes.readInt32BE(0)
          if (!this.#checkSize(size)) return
          this.#frameSize = size
        }
        this.#startDeadline()
      }
      const take = Math.min(chunk.length - pos, this.#frameSize - this.#frameFill)
      if (this.#frameFill + take > this.#frame.length) this.#growFrame(this.#frameFill + take)
      chunk.copy(this.#frame, this.#frameFill, pos, pos + take)
      this.#frameFill += take
      pos += take
      if (this.#frameFill === this.#frameSize) {
        const frame = this.#frame
        this.#frame = EMPTY
        this.#frameFill = 0
        this.#frameSize = -1
        this.#frameTimer?.cancel()
        this.#frameTimer = null
        this.#onFrame(frame)
      }
    }
  }

  // Room for at least `bytes` of the frame in progress: double, capped at the frame's size.
  #growFrame(bytes: number): void {
    const grown = Buffer.allocUnsafe(Math.min(this.#frameSize, Math.max(bytes, this.#frame.length * 2, FRAME_BYTES_FIRST)))
    this.#frame.copy(grown, 0, 0, this.#frameFill)
    this.#frame = grown
  }

  #checkSize(size: number): boolean {
    if (size < HEADER_FIXED_BYTES || size > this.#options.limits.maxRequestBytes) {
      this.close(`request size ${size} is outside [${HEADER_FIXED_BYTES}, ${this.#options.limits.maxRequestBytes}]`)
      return false
    }
    return true
  }

  #startDeadline(): void {
    if (this.#frameTimer !== null) return
    const deadlineMs = this.#options.limits.frameDeadlineMs
    this.#frameTimer = this.#options.clock.setTimeout(() => {
      this.#frameTimer = null
      this.close(`a request frame took longer than ${deadlineMs} ms to arrive`)
    }, deadlineMs)
  }

  #onFrame(frame: Buffer): void {
    const apiKey = frame.readInt16BE(0)
    const version = frame.readInt16BE(2)
    const correlationId = frame.readInt32BE(4)
    const route = this.#options.dispatcher.route(apiKey, version)
    if (route.kind === 'refuse') {
      this.close(route.reason)
      return
    }
    if (route.kind === 'api-versions-fallback') {
      this.#enqueue().chunks = this.#options.dispatcher.encodeApiVersionsFallback(correlationId)
      this.#flush()
      return
    }
    const reader = new Reader(frame)
    let header: RequestHeader
    let body: unknown
    try {
      header = decodeRequestHeader(reader, requestHeaderVersion(apiKey, version))
      body = reader.error === null ? route.api.decodeRequest(reader, version) : null
    } catch (error) {
      // The decoders report bad bytes through reader.error; a throw is a codec bug, kept to this connection.
      this.close(`decoding ${route.handler.name} v${version} failed: ${describe(error)}`)
      return
    }
    if (reader.error !== null) {
      this.close(`malformed ${route.handler.name} v${version} request: ${reader.error}`)
      return
    }
    const context: RequestContext = {
      coordinator: this.#options.coordinator, clock: this.#options.clock, broker: this.#options.broker,
      clientId: header.clientId, clientHost: this.#clientHost, signal: this.#abort.signal, fetchSessions: this.#options.fetchSessions,
    }
    const slot = this.#enqueue()
    const isFetch = apiKey === FETCH_API_KEY
    if (isFetch) this.#fetchesInFlight++
    const fail = (error: unknown): void => {
      this.#options.onWarning(`${route.handler.name} v${version} handler failed for ${this.#peer}: ${describe(error)}`)
      this.close()
    }
    const answer = (response: unknown): void => {
      if (this.#isClosed) return
      if (isFetch) this.#fetchesInFlight-- // before #flush, which resumes reading if this was the limit
      try {
        slot.chunks = response === null ? [] : this.#options.dispatcher.encodeResponse(route.api, version, correlationId, response)
      } catch (error) {
        fail(error)
        return
      }
      this.#flush()
    }
    let result: unknown
    try {
      result = route.handler.handle(context, body, version)
    } catch (error) {
      fail(error)
      return
    }
    if (result instanceof Promise) result.then(answer, fail)
    else answer(result)
  }

  #enqueue(): Slot {
    const slot: Slot = { chunks: null }
    this.#queue.push(slot)
    return slot
  }

  // Writes every answered slot at the head of the queue, in order; corked so that a burst of small
  // answers leaves in one syscall.
  #flush(): void {
    if (this.#isClosed) return
    const queue = this.#queue
    if (queue.length === 0 || queue[0]!.chunks === null) return
    let count = 0
    this.#socket.cork()
    let isWritable = true
    while (count < queue.length && queue[count]!.chunks !== null) {
      for (const chunk of queue[count]!.chunks!) isWritable = this.#socket.write(chunk)
      count++
    }
    this.#socket.uncork()
    queue.splice(0, count)
    if (!isWritable) this.#isWriteBlocked = true
    this.#resumeIfAllowed()
  }

  #resumeIfAllowed(): void {
    if (this.#isClosed || this.#isPaused()) return
    const held = this.#held
    if (held !== null) {
      this.#held = null
      this.#parse(held)
      if (this.#held !== null) return
    }
    if (this.#socket.isPaused()) this.#socket.resume()
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}
