// Writes the Kafka protocol's primitive types, for the generated message encoders in ../messages/;
// reader.ts describes the wire forms and reads them back. The output is a list of chunks, meant
// for `socket.writev`-style output (or `toBuffer()` for one Buffer):
// - Growth never copies: when the scratch buffer is full, its written part becomes a chunk and a
//   new scratch buffer of twice the size takes over, so every byte is written exactly once. The
//   alternative, a size pass before the write pass (Kafka's Java codecs), would double the
//   generated code and walk every message twice; a small response fits the first buffer anyway.
// - Large blobs (record batches in Fetch responses) are not copied: they become chunks of their
//   own, so the caller must not modify them until the chunks have been written out.
// - `reserveInt32`/`patchInt32` fill in a size prefix (the frame length) after the fact.
import { assert } from '../../base/assert.ts'
import { SluiceError } from '../../base/errors.ts'
import { writeUnsignedVarint } from './varint.ts'

/** Blobs at least this big are referenced as chunks instead of copied (copying less is cheaper). */
const EMBED_BYTES_MIN = 4096
/** Scratch buffers stop doubling at this size; a single larger write still gets what it needs. */
const CHUNK_BYTES_MAX = 1024 * 1024
/** Strings up to this many UTF-16 units try a JS ASCII copy before Buffer's native UTF-8 path. */
const ASCII_FAST_CHARS_MAX = 64

/** A reserved int32 slot, returned by `Writer.reserveInt32` and filled by `Writer.patchInt32`. */
export interface WriterMark {
  readonly buffer: Buffer
  readonly position: number
  /** Writer length just after the reserved slot, for `bytesSince`. */
  readonly lengthAfter: number
}

/** Appends Kafka protocol primitives to a growable list of Buffers. */
export class Writer {
  #buf: Buffer
  // #buf[#start, #pos) is written but not yet a chunk; everything before is in #chunks.
  #start = 0
  #pos = 0
  readonly #chunks: Buffer[] = []
  #chunkedBytes = 0

  /** Starts with a scratch buffer of `initialBytes` (small ones come from Node's shared pool). */
  constructor(initialBytes = 256) {
    assert(initialBytes > 0, 'writer needs a positive initial size')
    this.#buf = Buffer.allocUnsafe(initialBytes)
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.#chunkedBytes + this.#pos - this.#start
  }

  #ensure(bytes: number): void {
    if (this.#pos + bytes > this.#buf.length) this.#grow(bytes)
  }

  #grow(bytes: number): void {
    this.#seal()
    const size = Math.max(bytes, Math.min(this.#buf.length * 2, CHUNK_BYTES_MAX))
    this.#buf = Buffer.allocUnsafe(size)
    this.#start = 0
    this.#pos = 0
  }

  // Moves the written part of the scratch buffer to the chunk list.
  #seal(): void {
    if (this.#pos > this.#start) {
      this.#chunks.push(this.#buf.subarray(this.#start, this.#pos))
      this.#chunkedBytes += this.#pos - this.#start
      this.#start = this.#pos
    }
  }

  /** Writes a signed 8-bit integer. */
  int8(value: number): void {
    this.#ensure(1)
    this.#buf[this.#pos++] = value
  }

  /** Writes a signed 16-bit integer. */
  int16(value: number): void {
    this.#ensure(2)
    const b = this.#buf
    const pos = this.#pos
    b[pos] = value >> 8
    b[pos + 1] = value
    this.#pos = pos + 2
  }

  /** Writes an unsigned 16-bit integer. */
  uint16(value: number): void {
    this.int16(value)
  }

  /** Writes a signed 32-bit integer. */
  int32(value: number): void {
    this.#ensure(4)
    const b = this.#buf
    const pos = this.#pos
    b[pos] = value >>> 24
    b[pos + 1] = value >>> 16
    b[pos + 2] = value >>> 8
    b[pos + 3] = value
    this.#pos = pos + 4
  }

  /** Writes an unsigned 32-bit integer. */
  uint32(value: number): void {
    this.int32(value)
  }

  /**
   * Writes a signed 64-bit integer from a number; values at or beyond ±2^63 (such as a decoded
   * Long.MAX_VALUE, which rounds up to 2^63) are clamped so they round-trip to Kafka's sentinels.
   */
  int64(value: number): void {
    this.#ensure(8)
    const b = this.#buf
    const pos = this.#pos
    if (value >= 9223372036854775807) {
      b.writeUInt32BE(0x7fffffff, pos)
      b.writeUInt32BE(0xffffffff, pos + 4)
    } else if (value <= -9223372036854775808) {
      b.writeUInt32BE(0x80000000, pos)
      b.writeUInt32BE(0, pos + 4)
    } else {
      const high = Math.floor(value / 4294967296)
      const low = value - high * 4294967296
      b[pos] = high >>> 24
      b[pos + 1] = high >>> 16
      b[pos + 2] = high >>> 8
      b[pos + 3] = high
      b[pos + 4] = low >>> 24
      b[pos + 5] = low >>> 16
      b[pos + 6] = low >>> 8
      b[pos + 7] = low
    }
    this.#pos = pos + 8
  }

  /** Writes an IEEE 754 double. */
  float64(value: number): void {
    this.#ensure(8)
    this.#buf.writeDoubleBE(value, this.#pos)
    this.#pos += 8
  }

  /** Writes a boolean as one byte (1 or 0). */
  bool(value: boolean): void {
    this.#ensure(1)
    this.#buf[this.#pos++] = value ? 1 : 0
  }

  /** Writes a uuid given in Kafka's text form (22 characters of unpadded base64url). */
  uuid(value: string): void {
    assert(value.length === 22, `uuid must be 22 base64url characters: ${value}`)
    this.#ensure(16)
    const written = this.#buf.write(value, this.#pos, 16, 'base64url')
    assert(written === 16, `uuid is not valid base64url: ${value}`)
    this.#pos += 16
  }

  /** Writes an unsigned varint (0 <= value < 2^53). */
  unsignedVarint(value: number): void {
    if (value < 0x80) {
      this.#ensure(1)
      this.#buf[this.#pos++] = value
      return
    }
    this.#ensure(8)
    this.#pos = writeUnsignedVarint(this.#buf, this.#pos, value)
  }

  /** Writes an empty tagged-field section (one zero byte). */
  emptyTaggedFields(): void {
    this.#ensure(1)
    this.#buf[this.#pos++] = 0
  }

  // Writes a length prefix: classic strings use int16, bytes/records/arrays int32; null is -1.
  #length(length: number, compact: boolean, wide: boolean): void {
    if (compact) this.unsignedVarint(length + 1)
    else if (wide) this.int32(length)
    else this.int16(length)
  }

  /** Writes a non-null string. */
  string(value: string, compact: boolean): void {
    const chars = value.length
    if (chars <= ASCII_FAST_CHARS_MAX) {
      // Short ASCII strings (topic names, ids) are copied in JS: cheaper than the two native
      // calls (byteLength, then write) of the general path.
      let ascii = true
      for (let i = 0; i < chars; i++) {
        if (value.charCodeAt(i) >= 0x80) {
          ascii = false
          break
        }
      }
      if (ascii) {
        this.#length(chars, compact, false)
        this.#ensure(chars)
        const b = this.#buf
        const pos = this.#pos
        for (let i = 0; i < chars; i++) b[pos + i] = value.charCodeAt(i)
        this.#pos = pos + chars
        return
      }
    }
    const bytes = Buffer.byteLength(value, 'utf8')
    assert(compact || bytes <= 0x7fff, 'string longer than an int16 length allows')
    this.#length(bytes, compact, false)
    this.#ensure(bytes)
    this.#pos += this.#buf.write(value, this.#pos, bytes, 'utf8')
  }

  /** Writes a string that may be null. */
  nullableString(value: string | null, compact: boolean): void {
    if (value === null) this.#length(-1, compact, false)
    else this.string(value, compact)
  }

  // Copies a small blob in, or references a large one as its own chunk.
  #blob(value: Buffer): void {
    const length = value.length
    if (length >= EMBED_BYTES_MIN) {
      this.#seal()
      this.#chunks.push(value)
      this.#chunkedBytes += length
      return
    }
    this.#ensure(length)
    value.copy(this.#buf, this.#pos)
    this.#pos += length
  }

  /** Writes non-null bytes. */
  bytes(value: Buffer, compact: boolean): void {
    this.#length(value.length, compact, true)
    this.#blob(value)
  }

  /** Writes bytes that may be null. */
  nullableBytes(value: Buffer | null, compact: boolean): void {
    if (value === null) this.#length(-1, compact, true)
    else this.bytes(value, compact)
  }

  /** Writes a record-batch blob (null allowed); large ones are referenced, not copied. */
  records(value: Buffer | null, compact: boolean): void {
    this.nullableBytes(value, compact)
  }

  /** Writes an array count; -1 writes a null array. */
  arrayLength(count: number, compact: boolean): void {
    this.#length(count, compact, true)
  }

  /** Appends everything written to `other` (large chunks by reference). */
  append(other: Writer): void {
    for (const chunk of other.chunks()) this.#blob(chunk)
  }

  /** Reserves four bytes to fill in later with `patchInt32`, typically a size prefix. */
  reserveInt32(): WriterMark {
    this.#ensure(4)
    const mark = { buffer: this.#buf, position: this.#pos, lengthAfter: this.length + 4 }
    this.#pos += 4
    return mark
  }

  /** Fills a reserved slot. */
  patchInt32(mark: WriterMark, value: number): void {
    mark.buffer.writeInt32BE(value, mark.position)
  }

  /** Bytes written after a reserved slot: the value of a size prefix. */
  bytesSince(mark: WriterMark): number {
    return this.length - mark.lengthAfter
  }

  /** The bytes written so far, as chunks in order (views: valid until the next write). */
  chunks(): readonly Buffer[] {
    this.#seal()
    return this.#chunks
  }

  /** The bytes written so far as one Buffer: a view when they fit one chunk, else one copy. */
  toBuffer(): Buffer {
    const chunks = this.chunks()
    if (chunks.length === 1) return chunks[0] as Buffer
    return Buffer.concat(chunks as Buffer[], this.#chunkedBytes)
  }
}

/**
 * Throws for a field that the target version cannot carry but holds a non-default value, as
 * Kafka's encoders do for non-ignorable fields: writing would silently drop information.
 */
export function unsupportedField(message: string, field: string, version: number): never {
  throw new SluiceError(
    'INVALID_ARGUMENT',
    `${message} version ${version} cannot carry a non-default ${field}`,
  )
}
