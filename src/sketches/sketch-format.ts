// The envelope every serialized sketch shares, and a bounds-checked writer and reader for the
// bodies. Each sketch's file describes its own body at the top; this file owns only the header:
//
//   offset  size  field
//   0       4     magic 'SLSK' (Sluice sketch)
//   4       1     kind (SKETCH_KIND below)
//   5       1     body format version of that kind (1 for every kind but countMin, 2)
//   6       …     body
//
// Integers are little-endian; `varint` is unsigned LEB128 up to 2^53. Bytes from outside are
// untrusted: every read is bounds-checked and a bad sketch is one SluiceError('CORRUPT_MESSAGE').
import { SluiceError } from '../base/errors.ts'

const MAGIC = 0x4b534c53 // 'SLSK' read as a little-endian u32

/** Kind bytes of the sketch envelope. */
export const SKETCH_KIND = {
  hyperLogLog: 1,
  bloomFilter: 2,
  scalableBloomFilter: 3,
  countMin: 4,
  spaceSaving: 5,
  ddSketch: 6,
  kll: 7,
  reservoir: 8,
  weightedReservoir: 9,
} as const

/** One of the kind bytes in SKETCH_KIND. */
export type SketchKind = (typeof SKETCH_KIND)[keyof typeof SKETCH_KIND]

/** The error every malformed sketch decodes to. */
export function corruptSketch(message: string): SluiceError {
  return new SluiceError('CORRUPT_MESSAGE', `corrupt sketch: ${message}`, { retriable: false })
}

/** Appends a sketch body to a growing buffer after the envelope header. */
export class SketchWriter {
  #buffer: Buffer
  #position = 0

  constructor(kind: SketchKind, version: number, sizeHintBytes = 64) {
    this.#buffer = Buffer.allocUnsafe(Math.max(16, sizeHintBytes + 6))
    this.u32(MAGIC)
    this.u8(kind)
    this.u8(version)
  }

  #reserve(bytes: number): void {
    if (this.#position + bytes <= this.#buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#position + bytes))
    this.#buffer.copy(grown, 0, 0, this.#position)
    this.#buffer = grown
  }

  /** Writes one byte. */
  u8(value: number): this {
    this.#reserve(1)
    this.#buffer[this.#position++] = value
    return this
  }

  /** Writes an unsigned 32-bit integer. */
  u32(value: number): this {
    this.#reserve(4)
    this.#buffer.writeUInt32LE(value >>> 0, this.#position)
    this.#position += 4
    return this
  }

  /** Writes a float64. */
  f64(value: number): this {
    this.#reserve(8)
    this.#buffer.writeDoubleLE(value, this.#position)
    this.#position += 8
    return this
  }

  /** Writes a non-negative integer below 2^53 as unsigned LEB128. */
  varint(value: number): this {
    this.#reserve(8)
    let rest = value
    while (rest >= 0x80) {
      this.#buffer[this.#position++] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.#buffer[this.#position++] = rest
    return this
  }

  /** Writes raw bytes (the reader must know their length). */
  bytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length)
    this.#buffer.set(bytes, this.#position)
    this.#position += bytes.length
    return this
  }

  /** Writes a varint length, then the bytes. */
  lengthPrefixed(bytes: Uint8Array): this {
    return this.varint(bytes.length).bytes(bytes)
  }

  /** The finished sketch bytes (a copy sized exactly). */
  finish(): Buffer {
    return Buffer.from(this.#buffer.subarray(0, this.#position))
  }
}

/** Reads a sketch body after checking the envelope's magic, kind and version. */
export class SketchReader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #position = 0

  constructor(bytes: Uint8Array, kind: SketchKind, version: number) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (bytes.length < 6 || this.u32() !== MAGIC) throw corruptSketch('no SLSK header')
    const actualKind = this.u8()
    if (actualKind !== kind) throw corruptSketch(`kind ${actualKind}, expected ${kind}`)
    const actualVersion = this.u8()
    if (actualVersion !== version) throw corruptSketch(`format version ${actualVersion} of kind ${kind} is not supported (expected ${version})`)
  }

  #need(bytes: number): void {
    if (this.#position + bytes > this.#bytes.length) throw corruptSketch(`truncated at byte ${this.#position}`)
  }

  /** Reads one byte. */
  u8(): number {
    this.#need(1)
    return this.#bytes[this.#position++]!
  }

  /** Reads an unsigned 32-bit integer. */
  u32(): number {
    this.#need(4)
    const value = this.#view.getUint32(this.#position, true)
    this.#position += 4
    return value
  }

  /** Reads a float64. */
  f64(): number {
    this.#need(8)
    const value = this.#view.getFloat64(this.#position, true)
    this.#position += 8
    return value
  }

  /** Reads an unsigned LEB128 integer below 2^53. */
  varint(): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const byte = this.u8()
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 0x80
    }
    throw corruptSketch('varint longer than 8 bytes')
  }

  /** Reads `length` raw bytes (a view, not a copy). */
  bytes(length: number): Uint8Array {
    this.#need(length)
    const out = this.#bytes.subarray(this.#position, this.#position + length)
    this.#position += length
    return out
  }

  /** Reads a varint length, then that many bytes. */
  lengthPrefixed(): Uint8Array {
    return this.bytes(this.varint())
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.#bytes.length - this.#position
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.#position !== this.#bytes.length) throw corruptSketch(`${this.#bytes.length - this.#position} trailing bytes`)
  }
}
