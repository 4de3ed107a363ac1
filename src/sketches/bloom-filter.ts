// Bloom filter: set membership with no false negatives and a false-positive rate chosen up front.
// Sized from the expected item count n and target rate p: m = ceil(-n·ln p / (ln 2)²) bits and
// k = round(m/n · ln 2) probes. Probes use Kirsch–Mitzenmacher double hashing, g_i = h1 + i·h2 mod m,
// with h1 and h2 the two 32-bit halves of one MurmurHash64A (hash.ts): one hash per key, not k.
// The growing variant is scalable-bloom-filter.ts.
//
// Serialized body (envelope in sketch-format.ts; kind bloomFilter, version 1):
//   offset  size  field
//   0       4     bit count m, u32 LE (1..2^32-1)
//   4       1     probe count k (1..64)
//   5       4     MurmurHash64A seed, u32 LE
//   9       8     keys added that set a new bit, f64 LE (an upper bound on distinct keys added)
//   17      …     ceil(m/32) u32 LE words, bit i in word i>>>5 at bit i&31
import { SluiceError } from '../base/errors.ts'
import { Hash64, REDIS_HLL_SEED, type SketchKey } from './hash.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** The shape of a Bloom filter: bit count, probe count and hash seed. */
export interface BloomFilterShape {
  bits: number
  hashes: number
  seed?: number
}

const FORMAT_VERSION = 1
const MAX_BITS = 2 ** 32 - 1

/** Optimal bit and probe counts for `expectedItems` keys at `falsePositiveRate`. */
export function optimalBloomShape(expectedItems: number, falsePositiveRate: number): { bits: number; hashes: number } {
  if (!(expectedItems >= 1) || !(falsePositiveRate > 0 && falsePositiveRate < 1)) {
    throw new SluiceError('INVALID_ARGUMENT', `a Bloom filter needs expected items >= 1 and a false-positive rate in (0, 1), got ${expectedItems} and ${falsePositiveRate}`)
  }
  const bits = Math.ceil((-expectedItems * Math.log(falsePositiveRate)) / (Math.LN2 * Math.LN2))
  const hashes = Math.max(1, Math.round((bits / expectedItems) * Math.LN2))
  return { bits, hashes }
}

/** A fixed-size Bloom filter with union and serialization. */
export class BloomFilter {
  readonly bits: number
  readonly hashes: number
  readonly seed: number
  readonly #words: Uint32Array
  readonly #hash: Hash64
  #added = 0

  constructor(shape: BloomFilterShape) {
    if (!Number.isInteger(shape.bits) || shape.bits < 1 || shape.bits > MAX_BITS || !Number.isInteger(shape.hashes) || shape.hashes < 1 || shape.hashes > 64) {
      throw new SluiceError('INVALID_ARGUMENT', `a Bloom filter needs 1..2^32-1 bits and 1..64 hashes, got ${shape.bits} and ${shape.hashes}`)
    }
    this.bits = shape.bits
    this.hashes = shape.hashes
    this.seed = (shape.seed ?? REDIS_HLL_SEED) >>> 0
    this.#words = new Uint32Array(Math.ceil(shape.bits / 32))
    this.#hash = new Hash64(this.seed)
  }

  /** A filter sized for `expectedItems` keys at `falsePositiveRate` (e.g. 0.01). */
  static forCapacity(expectedItems: number, falsePositiveRate: number, seed?: number): BloomFilter {
    const shape = optimalBloomShape(expectedItems, falsePositiveRate)
    if (shape.bits > MAX_BITS) throw new SluiceError('INVALID_ARGUMENT', `${expectedItems} items at ${falsePositiveRate} need ${shape.bits} bits, more than 2^32-1`)
    return new BloomFilter(seed === undefined ? shape : { ...shape, seed })
  }

  /** Adds a key; returns true if it was not (probably) present before, i.e. some bit was newly set. */
  add(key: SketchKey): boolean {
    const hash = this.#hash.key(key)
    return this.addHash(hash.hi, hash.lo)
  }

  /** Adds an already computed 64-bit hash (made with this filter's seed). */
  addHash(hi: number, lo: number): boolean {
    // Probe indexes walk h1, h1+h2, h1+2·h2 … mod m with an add and a conditional subtract instead
    // of a multiply and a modulo per probe. h2 = 0 would make every probe the same bit: use 1.
    const m = this.bits
    const words = this.#words
    let index = lo % m
    const step = hi % m || 1
    let changed = 0
    for (let i = 0; i < this.hashes; i++) {
      const word = index >>> 5
      const bit = 1 << (index & 31)
      changed |= ~words[word]! & bit
      words[word]! |= bit
      index += step
      if (index >= m) index -= m
    }
    if (changed === 0) return false
    this.#added++
    return true
  }

  /** Whether the key may have been added (false means certainly not). */
  has(key: SketchKey): boolean {
    const hash = this.#hash.key(key)
    return this.hasHash(hash.hi, hash.lo)
  }

  /** has() for an already computed hash. */
  hasHash(hi: number, lo: number): boolean {
    const m = this.bits
    const words = this.#words
    let index = lo % m
    const step = hi % m || 1
    for (let i = 0; i < this.hashes; i++) {
      if ((words[index >>> 5]! & (1 << (index & 31))) === 0) return false
      index += step
      if (index >= m) index -= m
    }
    return true
  }

  /** Keys added that set at least one new bit (an upper bound on distinct keys; exact before any false positive). */
  get addedCount(): number {
    return this.#added
  }

  /** The number of set bits. */
  setBitCount(): number {
    let count = 0
    for (let word of this.#words) {
      // Population count by the usual bit-parallel sums.
      word -= (word >>> 1) & 0x55555555
      word = (word & 0x33333333) + ((word >>> 2) & 0x33333333)
      count += (Math.imul((word + (word >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24)
    }
    return count
  }

  /** Distinct keys estimated from the fill: -m/k · ln(1 - X/m) (Swamidass & Baldi). */
  estimatedCount(): number {
    const fill = this.setBitCount() / this.bits
    return fill >= 1 ? Infinity : (-this.bits / this.hashes) * Math.log1p(-fill)
  }

  /** The false-positive rate at the current fill: (X/m)^k. */
  currentFalsePositiveRate(): number {
    return (this.setBitCount() / this.bits) ** this.hashes
  }

  /** Makes this filter the union of itself and `other` (same bits, hashes and seed). */
  union(other: BloomFilter): this {
    if (other.bits !== this.bits || other.hashes !== this.hashes || other.seed !== this.seed) {
      throw new SluiceError('INVALID_ARGUMENT', `cannot union Bloom filters of different shapes (${this.bits}/${this.hashes}/${this.seed} vs ${other.bits}/${other.hashes}/${other.seed})`)
    }
    const mine = this.#words
    const theirs = other.#words
    for (let i = 0; i < mine.length; i++) mine[i]! |= theirs[i]!
    this.#added += other.#added
    return this
  }

  /** An independent copy. */
  clone(): BloomFilter {
    const copy = new BloomFilter(this)
    copy.#words.set(this.#words)
    copy.#added = this.#added
    return copy
  }

  /** Whether both filters have the same shape and bits. */
  equals(other: BloomFilter): boolean {
    if (other.bits !== this.bits || other.hashes !== this.hashes || other.seed !== this.seed) return false
    for (let i = 0; i < this.#words.length; i++) if (this.#words[i] !== other.#words[i]) return false
    return true
  }

  /** The serialized filter (layout at the top of this file). */
  serialize(): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.bloomFilter, FORMAT_VERSION, 17 + this.#words.length * 4)
    writer.u32(this.bits).u8(this.hashes).u32(this.seed).f64(this.#added)
    const body = Buffer.allocUnsafe(this.#words.length * 4)
    for (let i = 0; i < this.#words.length; i++) body.writeUInt32LE(this.#words[i]!, i * 4)
    return writer.bytes(body).finish()
  }

  /** Reads a filter written by serialize(). */
  static deserialize(bytes: Uint8Array): BloomFilter {
    const reader = new SketchReader(bytes, SKETCH_KIND.bloomFilter, FORMAT_VERSION)
    const bits = reader.u32()
    const hashes = reader.u8()
    const seed = reader.u32()
    const added = reader.f64()
    if (bits < 1 || hashes < 1 || hashes > 64) throw corruptSketch(`Bloom filter of ${bits} bits and ${hashes} hashes`)
    if (!(Number.isInteger(added) && added >= 0)) throw corruptSketch(`Bloom filter added count ${added}`)
    // Check the body length before allocating: a corrupt m must not allocate 512 MiB.
    if (reader.remaining !== Math.ceil(bits / 32) * 4) throw corruptSketch(`Bloom filter body of ${reader.remaining} bytes for ${bits} bits`)
    const filter = new BloomFilter({ bits, hashes, seed })
    const body = reader.bytes(filter.#words.length * 4)
    reader.end()
    for (let i = 0; i < filter.#words.length; i++) {
      filter.#words[i] = body[i * 4]! | (body[i * 4 + 1]! << 8) | (body[i * 4 + 2]! << 16) | (body[i * 4 + 3]! << 24)
    }
    if (bits % 32 !== 0 && filter.#words[filter.#words.length - 1]! >>> (bits % 32) !== 0) throw corruptSketch('Bloom filter bits set past m')
    filter.#added = added
    return filter
  }
}
