// Reads the Kafka protocol's primitive types from a Buffer, for the generated message decoders in
// ../messages/. Its error is sticky: the first failure (a length past the end, a null where the
// version forbids one, a malformed varint) is recorded with its offset, the read position jumps to
// the end, and every later read returns a zero value, so a decoder runs straight through and its
// caller checks `reader.error` once. Nothing here throws on bad input. The writer is writer.ts;
// varints come from varint.ts.
//
// Types and their wire forms (big-endian; "compact" = the flexible-version forms of KIP-482):
//   int8/int16/int32/int64, uint16/uint32, float64   fixed width; bool = int8 (non-zero is true)
//   uuid      16 bytes, returned as Kafka's text form: unpadded base64url (22 characters)
//   string    int16 length + UTF-8, -1 = null   | compact: uvarint length+1, 0 = null
//   bytes     int32 length + bytes, -1 = null   | compact: uvarint length+1, 0 = null
//   records   same as bytes; returned as a zero-copy view into the input
//   array     int32 count, -1 = null            | compact: uvarint count+1, 0 = null
//   tagged fields (compact only): uvarint count, then per field uvarint tag, uvarint size, value
//
// int64 is returned as a JS number: exact within ±2^53, which covers every offset, timestamp and
// producer id Sluice deals in; larger magnitudes (Long.MAX_VALUE sentinels) come back rounded.
import { assert } from '../../base/assert.ts'
import { readUnsignedVarint, type Cursor } from './varint.ts'

/** A zero-length Buffer shared as the default of absent bytes fields (it cannot be written to). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0)

/** The all-zero uuid in Kafka's base64url text form: the default of absent uuid fields. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** A cursor over a Buffer that decodes Kafka protocol primitives with a sticky error. */
export class Reader {
  readonly #buf: Buffer
  readonly #start: number
  readonly #end: number
  #pos: number
  #error: string | null = null
  // Scratch cursor for varint.ts, kept so that multi-byte varints allocate nothing.
  readonly #cursor: Cursor = { pos: 0 }

  /** Reads `buf` from `start` (default 0) up to `end` (default its length). */
  constructor(buf: Buffer, start = 0, end = buf.length) {
    assert(start >= 0 && start <= end && end <= buf.length, 'reader bounds outside the buffer')
    this.#buf = buf
    this.#start = start
    this.#end = end
    this.#pos = start
  }

  /** The first failure, with its offset from the start, or null while every read succeeded. */
  get error(): string | null {
    return this.#error
  }

  /** Bytes consumed since the start. */
  get offset(): number {
    return this.#pos - this.#start
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#end - this.#pos
  }

  /** Records `message` as the error unless one is already set, and stops all further reading. */
  fail(message: string): void {
    if (this.#error === null) this.#error = `${message} at offset ${this.#pos - this.#start}`
    this.#pos = this.#end
  }

  #short(bytes: number, what: string): 0 {
    this.fail(`${what} needs ${bytes} bytes, ${this.#end - this.#pos} left`)
    return 0
  }

  /** Reads a signed 8-bit integer. */
  int8(): number {
    const pos = this.#pos
    if (pos + 1 > this.#end) return this.#short(1, 'int8')
    this.#pos = pos + 1
    return (this.#buf[pos] << 24) >> 24
  }

  /** Reads a signed 16-bit integer. */
  int16(): number {
    const pos = this.#pos
    if (pos + 2 > this.#end) return this.#short(2, 'int16')
    this.#pos = pos + 2
    const b = this.#buf
    return ((b[pos] << 24) | (b[pos + 1] << 16)) >> 16
  }

  /** Reads an unsigned 16-bit integer. */
  uint16(): number {
    const pos = this.#pos
    if (pos + 2 > this.#end) return this.#short(2, 'uint16')
    this.#pos = pos + 2
    const b = this.#buf
    return (b[pos] << 8) | b[pos + 1]
  }

  /** Reads a signed 32-bit integer. */
  int32(): number {
    const pos = this.#pos
    if (pos + 4 > this.#end) return this.#short(4, 'int32')
    this.#pos = pos + 4
    const b = this.#buf
    return (b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]
  }

  /** Reads an unsigned 32-bit integer. */
  uint32(): number {
    const pos = this.#pos
    if (pos + 4 > this.#end) return this.#short(4, 'uint32')
    this.#pos = pos + 4
    const b = this.#buf
    return b[pos] * 0x1000000 + ((b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3])
  }

  /** Reads a signed 64-bit integer as a number (exact within ±2^53). */
  int64(): number {
    const pos = this.#pos
    if (pos + 8 > this.#end) return this.#short(8, 'int64')
    this.#pos = pos + 8
    const b = this.#buf
    // Two 32-bit halves instead of readBigInt64BE: no BigInt allocation on the hot path.
    const high = (b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]
    const low = b[pos + 4] * 0x1000000 + ((b[pos + 5] << 16) | (b[pos + 6] << 8) | b[pos + 7])
    return high * 4294967296 + low
  }

  /** Reads an IEEE 754 double. */
  float64(): number {
    const pos = this.#pos
    if (pos + 8 > this.#end) return this.#short(8, 'float64')
    this.#pos = pos + 8
    return this.#buf.readDoubleBE(pos)
  }

  /** Reads a boolean (one byte, non-zero is true). */
  bool(): boolean {
    const pos = this.#pos
    if (pos + 1 > this.#end) return this.#short(1, 'bool') !== 0
    this.#pos = pos + 1
    return this.#buf[pos] !== 0
  }

  /** Reads a 16-byte uuid as unpadded base64url text, Kafka's `Uuid.toString()` form. */
  uuid(): string {
    const pos = this.#pos
    if (pos + 16 > this.#end) {
      this.#short(16, 'uuid')
      return ZERO_UUID
    }
    this.#pos = pos + 16
    return this.#buf.toString('base64url', pos, pos + 16)
  }

  /** Reads an unsigned varint of at most 5 bytes (lengths, counts and tags). */
  unsignedVarint(): number {
    const pos = this.#pos
    // One byte covers every count and length below 128: the common case, read inline.
    if (pos < this.#end) {
      const first = this.#buf[pos]
      if (first < 0x80) {
        this.#pos = pos + 1
        return first
      }
    }
    const cursor = this.#cursor
    cursor.pos = pos
    const value = readUnsignedVarint(this.#buf, cursor, this.#end, 5)
    if (cursor.pos < 0) {
      this.fail('truncated or over-long unsigned varint')
      return 0
    }
    this.#pos = cursor.pos
    return value
  }

  // Reads a string/bytes length prefix: -1 means null; other negatives are recorded as errors.
  #length(compact: boolean, wide: boolean, what: string): number {
    const length = compact ? this.unsignedVarint() - 1 : wide ? this.int32() : this.int16()
    if (length < -1) {
      this.fail(`negative ${what} length ${length}`)
      return 0
    }
    if (length > this.#end - this.#pos) {
      this.fail(`${what} length ${length} exceeds the ${this.#end - this.#pos} bytes left`)
      return 0
    }
    return length
  }

  #nonNull(what: string): void {
    this.fail(`${what} is null where this version does not allow null`)
  }

  /** Reads a non-null string; a null on the wire is recorded as an error. */
  string(compact: boolean): string {
    const length = this.#length(compact, false, 'string')
    if (length <= 0) {
      if (length < 0) this.#nonNull('string')
      return ''
    }
    const pos = this.#pos
    this.#pos = pos + length
    return this.#buf.toString('utf8', pos, pos + length)
  }

  /** Reads a string that may be null. */
  nullableString(compact: boolean): string | null {
    const length = this.#length(compact, false, 'string')
    // After an error the length reads as 0; null is the zero value of a nullable field.
    if (length <= 0) return length < 0 || this.#error !== null ? null : ''
    const pos = this.#pos
    this.#pos = pos + length
    return this.#buf.toString('utf8', pos, pos + length)
  }

  // Returns a view of the next `length` bytes (already checked against the end).
  #view(length: number): Buffer {
    if (length === 0) return EMPTY_BYTES
    const pos = this.#pos
    this.#pos = pos + length
    return this.#buf.subarray(pos, pos + length)
  }

  /** Reads non-null bytes into a fresh copy (so the input buffer can be released). */
  bytes(compact: boolean): Buffer {
    const length = this.#length(compact, true, 'bytes')
    if (length < 0) this.#nonNull('bytes')
    return length <= 0 ? EMPTY_BYTES : Buffer.from(this.#view(length))
  }

  /** Reads bytes that may be null into a fresh copy. */
  nullableBytes(compact: boolean): Buffer | null {
    const length = this.#length(compact, true, 'bytes')
    if (length <= 0) return length < 0 || this.#error !== null ? null : EMPTY_BYTES
    return Buffer.from(this.#view(length))
  }

  /** Reads non-null bytes as a zero-copy view into the input (Kafka's `zeroCopy` fields). */
  bytesView(compact: boolean): Buffer {
    const length = this.#length(compact, true, 'bytes')
    if (length < 0) {
      this.#nonNull('bytes')
      return EMPTY_BYTES
    }
    return this.#view(length)
  }

  /** Reads bytes that may be null as a zero-copy view into the input. */
  nullableBytesView(compact: boolean): Buffer | null {
    const length = this.#length(compact, true, 'bytes')
    if (length <= 0) return length < 0 || this.#error !== null ? null : EMPTY_BYTES
    return this.#view(length)
  }

  /** Reads a record-batch blob that may be null as a zero-copy view into the input. */
  records(compact: boolean): Buffer | null {
    const length = this.#length(compact, true, 'records')
    if (length <= 0) return length < 0 || this.#error !== null ? null : EMPTY_BYTES
    return this.#view(length)
  }

  /**
   * Reads a non-null array count and checks that `count * elementBytesMin` bytes remain, so a
   * forged count can never make a decoder loop or allocate beyond the input's size.
   */
  arrayLength(compact: boolean, elementBytesMin: number): number {
    const count = this.nullableArrayLength(compact, elementBytesMin)
    if (count < 0) {
      this.#nonNull('array')
      return 0
    }
    return count
  }

  /** Reads an array count that may be null (returned as -1), checked like `arrayLength`. */
  nullableArrayLength(compact: boolean, elementBytesMin: number): number {
    const count = compact ? this.unsignedVarint() - 1 : this.int32()
    if (count < -1) {
      this.fail(`negative array length ${count}`)
      return 0
    }
    if (count * elementBytesMin > this.#end - this.#pos) {
      this.fail(`array of ${count} elements exceeds the ${this.#end - this.#pos} bytes left`)
      return 0
    }
    return count
  }

  /** Reads the field count that opens a tagged-field section (each field takes >= 2 bytes). */
  taggedFieldCount(): number {
    const count = this.unsignedVarint()
    if (count * 2 > this.#end - this.#pos) {
      this.fail(`${count} tagged fields exceed the ${this.#end - this.#pos} bytes left`)
      return 0
    }
    return count
  }

  /** Reads a tagged field's size; returns where its value ends, for `endTaggedField`. */
  taggedFieldEnd(): number {
    const size = this.unsignedVarint()
    if (size > this.#end - this.#pos) {
      this.fail(`tagged field of ${size} bytes exceeds the ${this.#end - this.#pos} bytes left`)
    }
    return this.#pos + size > this.#end ? this.#end : this.#pos + size
  }

  /** Moves to `end` after a tagged field, skipping what a decoder did not read (unknown tags). */
  endTaggedField(end: number): void {
    if (this.#pos > end) this.fail('tagged field value overran its declared size')
    else this.#pos = end
  }

  /** Skips a whole tagged-field section: for structs that know no tags in this version. */
  skipTaggedFields(): void {
    for (let count = this.taggedFieldCount(); count > 0; count--) {
      this.unsignedVarint()
      this.#pos = this.taggedFieldEnd()
    }
  }

  /** Skips `bytes` bytes. */
  skip(bytes: number): void {
    if (bytes > this.#end - this.#pos) this.#short(bytes, 'skip')
    else this.#pos += bytes
  }
}
