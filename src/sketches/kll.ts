// KLL (Karnin, Lang, Liberty, "Optimal quantile approximation in streams", 2016): a rank-error
// quantile sketch. Level h holds items of weight 2^h; when the sketch is full, the lowest level over
// its capacity is sorted and compacted: pairs become one item of twice the weight, the odd or the
// even members of each pair by a fair coin (from the seeded Random), so ranks stay unbiased.
// Capacities decay geometrically below the top level, ceil(k·c^(H-1-h)) with c = 2/3 and at least
// 2, so memory is O(k) and the rank error about 1.7/k (99th percentile; k = 200 gives ~1%). Merge
// concatenates levels and compacts, like an update. The relative-error sketch is ddsketch.ts.
//
// Serialized body (envelope in sketch-format.ts; kind kll, version 1):
//   varint k, f64 count n, f64 min, f64 max, varint level count H, then per level (lowest first):
//   varint item count, then that many f64 items.
import type { Random } from '../base/random.ts'
import { SluiceError } from '../base/errors.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

const DECAY = 2 / 3
const FORMAT_VERSION = 1

/** A mergeable rank-error quantile sketch. */
export class KllSketch {
  readonly k: number
  readonly #random: Random
  readonly #levels: number[][] = [[]]
  #size = 0
  #maxSize = 0
  #count = 0
  #min = Infinity
  #max = -Infinity
  // Sorted (value, cumulative weight) view for queries, rebuilt after any change.
  #sortedValues: Float64Array | null = null
  #sortedCumulative: Float64Array | null = null

  constructor(k: number, random: Random) {
    if (!Number.isInteger(k) || k < 8 || k > 65_535) throw new SluiceError('INVALID_ARGUMENT', `KLL k must be an integer in 8..65535, got ${k}`)
    this.k = k
    this.#random = random
    this.#maxSize = this.#capacityTotal()
  }

  #capacity(level: number): number {
    return Math.max(2, Math.ceil(this.k * DECAY ** (this.#levels.length - 1 - level)))
  }

  #capacityTotal(): number {
    let total = 0
    for (let h = 0; h < this.#levels.length; h++) total += this.#capacity(h)
    return total
  }

  /** Items added (n). */
  get count(): number {
    return this.#count
  }

  /** Smallest item added (Infinity when empty). */
  get min(): number {
    return this.#min
  }

  /** Largest item added (-Infinity when empty). */
  get max(): number {
    return this.#max
  }

  /** Items retained now (memory use is this many numbers). */
  get retained(): number {
    return this.#size
  }

  /** Adds one value (NaN is rejected: it has no rank). */
  add(value: number): void {
    if (Number.isNaN(value)) throw new SluiceError('INVALID_ARGUMENT', 'KLL cannot rank NaN')
    this.#levels[0]!.push(value)
    this.#size++
    this.#count++
    if (value < this.#min) this.#min = value
    if (value > this.#max) this.#max = value
    this.#sortedValues = null
    while (this.#size >= this.#maxSize) this.#compress()
  }

  #compress(): void {
    for (let h = 0; h < this.#levels.length; h++) {
      if (this.#levels[h]!.length < this.#capacity(h)) continue
      if (h + 1 >= this.#levels.length) {
        this.#levels.push([])
        this.#maxSize = this.#capacityTotal()
      }
      this.#compact(h)
      if (this.#size < this.#maxSize) return
    }
  }

  /** Halves level h into level h+1, keeping one item if the level is odd. */
  #compact(h: number): void {
    const level = this.#levels[h]!.sort((a, b) => a - b)
    const up = this.#levels[h + 1]!
    const keepOdd = this.#random.uint32() & 1
    const pairs = level.length >> 1
    const start = level.length & 1 // with an odd count, the smallest item stays behind
    for (let i = 0; i < pairs; i++) up.push(level[start + 2 * i + keepOdd]!)
    level.length = start
    this.#size -= pairs
  }

  #buildSorted(): void {
    if (this.#sortedValues !== null) return
    const entries: [number, number][] = []
    this.#levels.forEach((level, h) => {
      for (const value of level) entries.push([value, 2 ** h])
    })
    entries.sort((a, b) => a[0] - b[0])
    this.#sortedValues = new Float64Array(entries.length)
    this.#sortedCumulative = new Float64Array(entries.length)
    let cumulative = 0
    entries.forEach(([value, weight], i) => {
      cumulative += weight
      this.#sortedValues![i] = value
      this.#sortedCumulative![i] = cumulative
    })
  }

  /** Estimated share of items ≤ value, in [0, 1]. */
  rank(value: number): number {
    if (this.#count === 0) return Number.NaN
    this.#buildSorted()
    const values = this.#sortedValues!
    let low = 0
    let high = values.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (values[mid]! <= value) low = mid + 1
      else high = mid
    }
    return low === 0 ? 0 : this.#sortedCumulative![low - 1]! / this.#count
  }

  /** The estimated value at quantile q in [0, 1] (smallest item whose rank reaches q); NaN when empty. */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new SluiceError('INVALID_ARGUMENT', `quantile must be in [0, 1], got ${q}`)
    if (this.#count === 0) return Number.NaN
    if (q === 0) return this.#min
    if (q === 1) return this.#max
    this.#buildSorted()
    const cumulative = this.#sortedCumulative!
    const target = q * this.#count
    let low = 0
    let high = cumulative.length - 1
    while (low < high) {
      const mid = (low + high) >> 1
      if (cumulative[mid]! < target) low = mid + 1
      else high = mid
    }
    return this.#sortedValues![low]!
  }

  /** Merges another sketch with the same k into this one. */
  merge(other: KllSketch): this {
    if (other.k !== this.k) throw new SluiceError('INVALID_ARGUMENT', `cannot merge KLL sketches with k ${this.k} and ${other.k}`)
    while (this.#levels.length < other.#levels.length) this.#levels.push([])
    other.#levels.forEach((level, h) => this.#levels[h]!.push(...level))
    this.#size += other.#size
    this.#count += other.#count
    this.#min = Math.min(this.#min, other.#min)
    this.#max = Math.max(this.#max, other.#max)
    this.#maxSize = this.#capacityTotal()
    this.#sortedValues = null
    while (this.#size >= this.#maxSize) this.#compress()
    return this
  }

  /** The serialized sketch (layout at the top of this file). */
  serialize(): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.kll, FORMAT_VERSION, 32 + this.#size * 8)
    writer.varint(this.k).f64(this.#count).f64(this.#min).f64(this.#max).varint(this.#levels.length)
    for (const level of this.#levels) {
      writer.varint(level.length)
      for (const value of level) writer.f64(value)
    }
    return writer.finish()
  }

  /** Reads a sketch written by serialize(); compaction coins come from `random`. */
  static deserialize(bytes: Uint8Array, random: Random): KllSketch {
    const reader = new SketchReader(bytes, SKETCH_KIND.kll, FORMAT_VERSION)
    const k = reader.varint()
    if (k < 8 || k > 65_535) throw corruptSketch(`KLL k ${k}`)
    const sketch = new KllSketch(k, random)
    const count = reader.f64()
    const min = reader.f64()
    const max = reader.f64()
    const levelCount = reader.varint()
    if (levelCount < 1 || levelCount > 64 || !Number.isInteger(count) || count < 0) throw corruptSketch(`KLL of ${levelCount} levels, ${count} items`)
    sketch.#levels.length = 0
    let weight = 0
    for (let h = 0; h < levelCount; h++) {
      const length = reader.varint()
      if (length * 8 > reader.remaining) throw corruptSketch(`KLL level ${h} of ${length} items`)
      const level: number[] = []
      for (let i = 0; i < length; i++) {
        const value = reader.f64()
        if (!(value >= min && value <= max)) throw corruptSketch(`KLL item ${value} outside [${min}, ${max}]`)
        level.push(value)
      }
      sketch.#levels.push(level)
      sketch.#size += length
      weight += length * 2 ** h
    }
    reader.end()
    if (weight !== count) throw corruptSketch(`KLL weights sum to ${weight}, not ${count}`)
    sketch.#count = count
    sketch.#min = count === 0 ? Infinity : min
    sketch.#max = count === 0 ? -Infinity : max
    sketch.#maxSize = sketch.#capacityTotal()
    if (sketch.#size >= sketch.#maxSize) throw corruptSketch(`KLL holds ${sketch.#size} items, capacity ${sketch.#maxSize}`)
    return sketch
  }
}
