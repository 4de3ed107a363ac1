// Test kit for the broker's wire tests: a raw TCP client that sends requests encoded with the
// generated codecs (or arbitrary bytes) and reads response frames in order, so tests can pipeline,
// split frames, send garbage and watch for the connection closing. For the fuzz test it also
// samples a request body for any API version (`sampleRequest`) and encodes frames that remember
// where their length prefixes are (`encodeRequestFrame`), so a test can forge exactly those.
// Tests only.
import { connect, type Socket } from 'node:net'
import type { Random } from '../base/random.ts'
import { apis, encodeRequestHeader, requestHeaderVersion, decodeResponseHeader, responseHeaderVersion } from '../protocol/messages/index.ts'
import { Reader, ZERO_UUID } from '../protocol/primitives/reader.ts'
import { sizeOfUnsignedVarint } from '../protocol/primitives/varint.ts'
import { Writer } from '../protocol/primitives/writer.ts'
import { buildRecordBatch } from '../protocol/records/index.ts'

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

  /** The local port of this connection (the broker's warnings name it as the peer's port). */
  get localPort(): number {
    return this.#socket.localPort ?? -1
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

  /** Stops reading from the socket (the broker's writes then back up into TCP buffers). */
  pauseReading(): void {
    this.#socket.pause()
  }

  /** Reads from the socket again. */
  resumeReading(): void {
    this.#socket.resume()
  }

  /** Writes raw bytes. */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => this.#socket.write(bytes, () => resolve()))
  }

  /** A complete request frame (size prefix included) for `apiKey` at `version`. */
  encode(apiKey: number, version: number, body: unknown, options: { correlationId?: number; clientId?: string | null } = {}): { frame: Buffer; correlationId: number } {
    const correlationId = options.correlationId ?? this.#nextCorrelationId++
    const clientId = options.clientId === undefined ? 'wire-test' : options.clientId
    return { frame: encodeRequestFrame(apiKey, version, body, correlationId, clientId).frame, correlationId }
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

/** A length prefix in an encoded frame: its position (from the frame's first byte) and wire form. */
export interface LengthField {
  position: number
  /** int16 (classic strings), int32 (classic bytes, records, arrays) or an unsigned varint (compact). */
  form: 'int16' | 'int32' | 'varint'
  /** Bytes the prefix takes. */
  bytes: number
}

// A Writer that notes where each string, bytes, records and array length prefix goes. The
// nullable forms delegate to the non-null ones for non-null values, so only their null case is
// recorded here (the rest is recorded once, by the method they call).
class LengthRecordingWriter extends Writer {
  readonly fields: LengthField[] = []

  #note(compact: boolean, wide: boolean, value: number): void {
    const form = compact ? 'varint' : wide ? 'int32' : 'int16'
    this.fields.push({ position: this.length, form, bytes: compact ? sizeOfUnsignedVarint(value + 1) : wide ? 4 : 2 })
  }

  override string(value: string, compact: boolean): void {
    this.#note(compact, false, Buffer.byteLength(value, 'utf8'))
    super.string(value, compact)
  }

  override nullableString(value: string | null, compact: boolean): void {
    if (value === null) this.#note(compact, false, -1)
    super.nullableString(value, compact)
  }

  override bytes(value: Buffer, compact: boolean): void {
    this.#note(compact, true, value.length)
    super.bytes(value, compact)
  }

  override nullableBytes(value: Buffer | null, compact: boolean): void {
    if (value === null) this.#note(compact, true, -1)
    super.nullableBytes(value, compact)
  }

  override arrayLength(count: number, compact: boolean): void {
    this.#note(compact, true, count)
    super.arrayLength(count, compact)
  }
}

/**
 * Encodes a whole request frame (size prefix, header, body) with the generated codecs, and lists
 * the position of every length prefix in it (the header's client id included).
 */
export function encodeRequestFrame(
  apiKey: number, version: number, body: unknown, correlationId: number, clientId: string | null = 'wire-test',
): { frame: Buffer; lengthFields: LengthField[] } {
  const api = apis.get(apiKey)
  if (api === undefined) throw new Error(`no codec for API key ${apiKey}`)
  const writer = new LengthRecordingWriter()
  const size = writer.reserveInt32()
  encodeRequestHeader(writer, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId })
  api.encodeRequest(writer, version, body)
  writer.patchInt32(size, writer.bytesSince(size))
  return { frame: Buffer.from(writer.toBuffer()), lengthFields: writer.fields }
}

/** Names the sampled strings are drawn from: topic and group names, ids, the empty string. */
const SAMPLE_STRINGS = ['fuzz', 'fz-0', 'fz-1', '', 'fz-group'] as const
/** Small integers only: sampled timeouts and waits stay short, partition counts stay cheap. */
const SAMPLE_INTS = [-1, 0, 1, 2, 3] as const
/** Edge values for `extreme` samples: well-formed on the wire, unreasonable to a broker. */
const EXTREME_INT16S = [-32768, 32767, -2] as const
const EXTREME_INT32S = [-0x80000000, 0x7fffffff, -2, 0x10000] as const
const EXTREME_INT64S = [-(2 ** 53), 2 ** 53, -2, 2 ** 40] as const
const EXTREME_STRINGS = ['x'.repeat(300), '.', '..', 'a b', 'tøpic-✓', '__consumer_offsets', '\u0000'] as const

/** How `sampleRequest` picks values. */
export interface SampleOptions {
  /** Mix in edge values: extreme numbers, long or odd names (default false). */
  extreme?: boolean
}

// Stands in for a Reader: the generated decoder asks it for each field of the version in turn and
// gets a sampled value, so the decoder itself builds a complete body of exactly that version's
// shape. Arrays have 0-2 elements, within a budget of elements per body.
class SampleReader {
  readonly #random: Random
  readonly #records: () => Buffer
  readonly #isExtreme: boolean
  #elementsLeft = 12
  readonly error = null
  readonly offset = 0
  readonly remaining = 1 << 30

  constructor(random: Random, records: () => Buffer, isExtreme: boolean) {
    this.#random = random
    this.#records = records
    this.#isExtreme = isExtreme
  }

  #pick<T>(normal: readonly T[], extreme: readonly T[]): T {
    return this.#isExtreme && this.#random.chance(0.5) ? this.#random.pick(extreme) : this.#random.pick(normal)
  }

  fail(): void {}
  int8(): number { return this.#random.pick([0, 1, -1]) }
  int16(): number { return this.#pick(SAMPLE_INTS, EXTREME_INT16S) }
  uint16(): number { return this.#random.int(0, 4) }
  int32(): number { return this.#pick(SAMPLE_INTS, EXTREME_INT32S) }
  uint32(): number { return this.#random.int(0, 4) }
  int64(): number { return this.#pick(SAMPLE_INTS, EXTREME_INT64S) }
  float64(): number { return this.#random.float() }
  bool(): boolean { return this.#random.chance(0.5) }
  uuid(): string { return this.#random.chance(0.5) ? ZERO_UUID : this.#random.bytes(16).toString('base64url') }
  unsignedVarint(): number { return 0 }
  string(): string { return this.#pick(SAMPLE_STRINGS, EXTREME_STRINGS) }
  nullableString(): string | null { return this.#random.chance(0.2) ? null : this.string() }
  bytes(): Buffer { return this.#random.bytes(this.#random.int(0, 9)) }
  nullableBytes(): Buffer | null { return this.#random.chance(0.2) ? null : this.bytes() }
  bytesView(): Buffer { return this.bytes() }
  nullableBytesView(): Buffer | null { return this.nullableBytes() }
  records(): Buffer | null { return this.#random.chance(0.1) ? null : this.#records() }
  arrayLength(): number {
    const count = Math.min(this.#elementsLeft, this.#random.int(0, 3))
    this.#elementsLeft -= count
    return count
  }
  nullableArrayLength(): number { return this.#random.chance(0.2) ? -1 : this.arrayLength() }
  taggedFieldCount(): number { return 0 }
  taggedFieldEnd(): number { return 0 }
  endTaggedField(): void {}
  skipTaggedFields(): void {}
  skip(): void {}
}

/**
 * A request body for `apiKey` at `version` with every field the version has: small sampled
 * numbers, names from a short list (so requests meet existing topics and groups), 0-2 array
 * elements and valid record batches; `extreme` mixes in edge values. It encodes with the
 * generated encoder and is well-formed, though not necessarily meaningful (the broker may answer
 * it with error codes, but must answer it).
 */
export function sampleRequest(apiKey: number, version: number, random: Random, options: SampleOptions = {}): unknown {
  const api = apis.get(apiKey)
  if (api === undefined) throw new Error(`no codec for API key ${apiKey}`)
  const records = (): Buffer => buildRecordBatch(
    [{ key: random.chance(0.5) ? null : random.bytes(4), value: random.bytes(random.int(0, 32)) }],
    { timestamp: 1_700_000_000_000 },
  )
  return api.decodeRequest(new SampleReader(random, records, options.extreme === true) as unknown as Reader, version)
}
