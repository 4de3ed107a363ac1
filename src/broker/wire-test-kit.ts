// Test kit for the broker's wire tests: a raw TCP client that sends requests encoded with the
// generated codecs (or arbitrary bytes) and reads response frames in order, so tests can pipeline,
// split frames, send garbage and watch for the connection closing. Tests only.
import { connect, type Socket } from 'node:net'
import { apis, encodeRequestHeader, requestHeaderVersion, decodeResponseHeader, responseHeaderVersion } from '../protocol/messages/index.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import { Writer } from '../protocol/primitives/writer.ts'

/** A raw Kafka-protocol connection for tests. */
export class WireClient {
  readonly #socket: Socket
  #buffered = Buffer.alloc(0)
  readonly #frames: Buffer[] = []
  #waiter: (() => void) | null = null
  #nextCorrelationId = 1
  /** Resolves when the broker (or the test) closed the connection. */
  readonly closed: Promise<void>
  #isClosed = false

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk])
      while (this.#buffered.length >= 4 && this.#buffered.length >= 4 + this.#buffered.readInt32BE(0)) {
        const size = this.#buffered.readInt32BE(0)
        this.#frames.push(this.#buffered.subarray(4, 4 + size))
        this.#buffered = this.#buffered.subarray(4 + size)
      }
      this.#wake()
    })
    socket.on('error', () => {})
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.#isClosed = true
      this.#wake()
      resolve()
    }))
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new WireClient(socket)))
      socket.once('error', reject)
    })
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#isClosed
  }

  #wake(): void {
    const waiter = this.#waiter
    this.#waiter = null
    waiter?.()
  }

  /** Writes raw bytes. */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => this.#socket.write(bytes, () => resolve()))
  }

  /** A complete request frame (size prefix included) for `apiKey` at `version`. */
  encode(apiKey: number, version: number, body: unknown, options: { correlationId?: number; clientId?: string | null } = {}): { frame: Buffer; correlationId: number } {
    const api = apis.get(apiKey)!
    const correlationId = options.correlationId ?? this.#nextCorrelationId++
    const writer = new Writer()
    const size = writer.reserveInt32()
    encodeRequestHeader(writer, requestHeaderVersion(apiKey, version), {
      requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: options.clientId === undefined ? 'wire-test' : options.clientId,
    })
    api.encodeRequest(writer, version, body)
    writer.patchInt32(size, writer.bytesSince(size))
    return { frame: Buffer.from(writer.toBuffer()), correlationId }
  }

  /** Sends a request without waiting; returns its correlation id. */
  async send(apiKey: number, version: number, body: unknown, options: { clientId?: string | null } = {}): Promise<number> {
    const { frame, correlationId } = this.encode(apiKey, version, body, options)
    await this.write(frame)
    return correlationId
  }

  /** The next response frame (without its size prefix), or null if the connection closed first. */
  async nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs
    while (this.#frames.length === 0) {
      if (this.#isClosed) return null
      if (Date.now() >= deadline) throw new Error(`no response frame within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()))
        this.#waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    return this.#frames.shift()!
  }

  /** Reads the next response as `apiKey` v`version`; asserts its correlation id. */
  async response<T>(apiKey: number, version: number, correlationId: number, timeoutMs?: number): Promise<T> {
    const frame = await this.nextFrame(timeoutMs)
    if (frame === null) throw new Error(`connection closed before the response to ${correlationId}`)
    const reader = new Reader(frame)
    const header = decodeResponseHeader(reader, responseHeaderVersion(apiKey, version))
    if (header.correlationId !== correlationId) throw new Error(`expected correlation id ${correlationId}, got ${header.correlationId}`)
    const body = apis.get(apiKey)!.decodeResponse(reader, version) as T
    if (reader.error !== null) throw new Error(`undecodable response: ${reader.error}`)
    return body
  }

  /** Sends one request and reads its response. */
  async request<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    const correlationId = await this.send(apiKey, version, body)
    return this.response<T>(apiKey, version, correlationId)
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy()
  }
}
