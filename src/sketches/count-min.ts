// Count-Min sketch (Cormode & Muthukrishnan, 2005): frequency estimates that never undercount and
// overcount by more than ε·N with probability at most δ, in w = ceil(e/ε) × d = ceil(ln(1/δ))
// counters. Optional conservative update (Estan & Varghese) raises only the counters that are
// below the new estimate: same guarantee, much smaller overestimates on skewed streams, but no
// negative updates. Merge adds counters (the sum of overestimates still overestimates the sum).
// Heavy hitters by name live in space-saving.ts.
//
// Row hashing: one MurmurHash64A per key (hash.ts) gives h1:h2; row i uses fmix32(h1 + i·h2 + i·φ)
// (its low 31 bits)
// mod w. Plain double hashing (h1 + i·h2 mod w) makes two keys that share h1 and h2 mod w collide
// in every row; the finalizer decorrelates rows for the price of a few multiplies.
//
// Serialized body (envelope in sketch-format.ts; kind countMin, version 2: version 1 mapped rows
// with the full 32-bit finalizer, so its counters sit elsewhere and it is refused, not misread):
//   offset  size  field
//   0       4     width w, u32 LE
//   4       1     depth d (1..32)
//   5       4     MurmurHash64A seed, u32 LE
//   9       1     flags: bit 0 = conservative update
//   10      8     total count N, f64 LE
//   18      …     d·w counters, f64 LE, row by row
import { SluiceError } from '../base/errors.ts'
import { Hash64, REDIS_HLL_SEED, type SketchKey } from './hash.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** Options of a Count-Min sketch: either epsilon and delta, or width and depth directly. */
export interface CountMinOptions {
  /** Overcount bound as a share of the total count N (default 0.001). */
  epsilon?: number
  /** Probability that an estimate exceeds true + ε·N (default 0.01). */
  delta?: number
  /** Counters per row; overrides epsilon. */
  width?: number
  /** Rows; overrides delta. */
  depth?: number
  /** Raise only the counters below the new estimate (default false). */
  conservative?: boolean
  /** MurmurHash64A seed (default Redis's); only sketches with the same seed merge. */
  seed?: number
}

const FORMAT_VERSION = 2
const GOLDEN = 0x9e3779b9

/**
 * Murmur3's 32-bit finalizer, keeping 31 bits: spreads every input bit over the output and stays
 * a non-negative int32, so `% width` is an integer division (a uint32 operand would make V8 take
 * the float modulo, measured 2.5–4x slower, and it was the cost of an update).
 */
function fmix31(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) & 0x7fffffff
}

/** A mergeable, serializable Count-Min sketch. */
export class CountMinSketch {
  readonly width: number
  readonly depth: number
  readonly seed: number
  readonly isConservative: boolean
  readonly #counters: Float64Array
  readonly #hash: Hash64
  readonly #slots: Int32Array
  #total = 0

  constructor(options: CountMinOptions = {}) {
    const width = options.width ?? Math.ceil(Math.E / (options.epsilon ?? 0.001))
    const depth = options.depth ?? Math.ceil(Math.log(1 / (options.delta ?? 0.01)))
    if (!Number.isInteger(width) || width < 1 || width > 2 ** 28 || !Number.isInteger(depth) || depth < 1 || depth > 32) {
      throw new SluiceError('INVALID_ARGUMENT', `a Count-Min sketch needs width 1..2^28 and depth 1..32 (epsilon, delta in (0, 1)), got ${width} × ${depth}`)
    }
    this.width = width
    this.depth = depth
    this.seed = (options.seed ?? REDIS_HLL_SEED) >>> 0
    this.isConservative = options.conservative ?? false
    this.#counters = new Float64Array(width * depth)
    this.#hash = new Hash64(this.seed)
    this.#slots = new Int32Array(depth)
  }

  /** ε this sketch guarantees: e / w. */
  get epsilon(): number {
    return Math.E / this.width
  }

  /** δ this sketch guarantees: e^-d. */
  get delta(): number {
    return Math.exp(-this.depth)
  }

  /** The total of all counts added (N). */
  get totalCount(): number {
    return this.#total
  }

  #locate(hi: number, lo: number): void {
    const w = this.width
    const slots = this.#slots
    for (let i = 0; i < this.depth; i++) slots[i] = i * w + (fmix31((lo + Math.imul(i, hi) + Math.imul(i, GOLDEN)) | 0) % w)
  }

  /** Adds `count` (default 1, non-negative) occurrences of a key. */
  add(key: SketchKey, count = 1): void {
    const hash = this.#hash.key(key)
    this.addHash(hash.hi, hash.lo, count)
  }

  /** add() for an already computed hash (made with this sketch's seed). */
  addHash(hi: number, lo: number, count = 1): void {
    if (!(count >= 0)) throw new SluiceError('INVALID_ARGUMENT', `Count-Min counts must be non-negative, got ${count}`)
    this.#locate(hi, lo)
    const counters = this.#counters
    const slots = this.#slots
    this.#total += count
    if (!this.isConservative) {
      for (let i = 0; i < this.depth; i++) counters[slots[i]!]! += count
      return
    }
    let estimate = Infinity
    for (let i = 0; i < this.depth; i++) estimate = Math.min(estimate, counters[slots[i]!]!)
    const target = estimate + count
    for (let i = 0; i < this.depth; i++) if (counters[slots[i]!]! < target) counters[slots[i]!] = target
  }

  /** The estimated count of a key: never below the truth, above it by ε·N with probability ≤ δ. */
  estimate(key: SketchKey): number {
    const hash = this.#hash.key(key)
    return this.estimateHash(hash.hi, hash.lo)
  }

  /** estimate() for an already computed hash. */
  estimateHash(hi: number, lo: number): number {
    this.#locate(hi, lo)
    let estimate = Infinity
    for (let i = 0; i < this.depth; i++) estimate = Math.min(estimate, this.#counters[this.#slots[i]!]!)
    return estimate
  }

  /** Adds another sketch's counters into this one (same width, depth and seed). */
  merge(other: CountMinSketch): this {
    if (other.width !== this.width || other.depth !== this.depth || other.seed !== this.seed) {
      throw new SluiceError('INVALID_ARGUMENT', `cannot merge Count-Min sketches of different shapes (${this.width}×${this.depth}/${this.seed} vs ${other.width}×${other.depth}/${other.seed})`)
    }
    const mine = this.#counters
    const theirs = other.#counters
    for (let i = 0; i < mine.length; i++) mine[i]! += theirs[i]!
    this.#total += other.#total
    return this
  }

  /** An independent copy. */
  clone(): CountMinSketch {
    const copy = new CountMinSketch({ width: this.width, depth: this.depth, seed: this.seed, conservative: this.isConservative })
    copy.#counters.set(this.#counters)
    copy.#total = this.#total
    return copy
  }

  /** The serialized sketch (layout at the top of this file). */
  serialize(): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.countMin, FORMAT_VERSION, 18 + this.#counters.length * 8)
    writer.u32(this.width).u8(this.depth).u32(this.seed).u8(this.isConservative ? 1 : 0).f64(this.#total)
    const body = Buffer.allocUnsafe(this.#counters.length * 8)
    for (let i = 0; i < this.#counters.length; i++) body.writeDoubleLE(this.#counters[i]!, i * 8)
    return writer.bytes(body).finish()
  }

  /** Reads a sketch written by serialize(). */
  static deserialize(bytes: Uint8Array): CountMinSketch {
    const reader = new SketchReader(bytes, SKETCH_KIND.countMin, FORMAT_VERSION)
    const width = reader.u32()
    const depth = reader.u8()
    const seed = reader.u32()
    const flags = reader.u8()
    const total = reader.f64()
    if (width < 1 || width > 2 ** 28 || depth < 1 || depth > 32 || flags > 1) throw corruptSketch(`Count-Min ${width}×${depth}, flags ${flags}`)
    if (reader.remaining !== width * depth * 8) throw corruptSketch(`Count-Min body of ${reader.remaining} bytes for ${width}×${depth}`)
    if (!(total >= 0)) throw corruptSketch(`Count-Min total ${total}`)
    const sketch = new CountMinSketch({ width, depth, seed, conservative: flags === 1 })
    const body = reader.bytes(width * depth * 8)
    reader.end()
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
    for (let i = 0; i < sketch.#counters.length; i++) {
      const value = view.getFloat64(i * 8, true)
      if (!(value >= 0 && value <= total)) throw corruptSketch(`Count-Min counter ${value} outside 0..N`)
      sketch.#counters[i] = value
    }
    sketch.#total = total
    return sketch
  }
}
