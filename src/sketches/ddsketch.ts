// DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
// relative-error guarantees", VLDB 2019): every quantile comes back within a relative error α of
// the true value, whatever the distribution, and merging is exact (bucket counts add). A value
// x > 0 falls in bucket ceil(log_γ x) with γ = (1+α)/(1-α); bucket i stands for 2γ^i/(γ+1), which
// is within α of everything in (γ^(i-1), γ^i]. Negative values go to a second store keyed by
// -index(|x|), values too small to index to a zero count. Each store holds at most `maxBuckets`
// buckets and collapses the lowest values when full (dd-store.ts), so accuracy is given up only at
// the low end. The rank-error sketch is kll.ts; README.md says when to use which.
//
// Serialized body (envelope in sketch-format.ts; kind ddSketch, version 1):
//   f64 α, varint maxBuckets, u8 flags (bit 0: positive store collapsed, bit 1: negative), f64 zero count, f64 sum, f64 min, f64 max, then the positive and the
//   negative store, each: varint bucket count b, then b × (zigzag varint index - previous index
//   (previous starts at 0), f64 count), ascending index.
import { SluiceError } from '../base/errors.ts'
import { DenseStore } from './dd-store.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** Options of a DDSketch. */
export interface DDSketchOptions {
  /** Relative accuracy α in (0, 1) (default 0.01: quantiles within 1%). */
  relativeAccuracy?: number
  /** Bucket bound per sign (default 2048: at α = 1% that spans 17 decades before collapsing). */
  maxBuckets?: number
}

const FORMAT_VERSION = 1
const MIN_NORMAL = 2.2250738585072014e-308

/** A relative-error quantile sketch over positive, negative and zero values. */
export class DDSketch {
  readonly relativeAccuracy: number
  readonly maxBuckets: number
  readonly #gamma: number
  readonly #multiplier: number
  readonly #minIndexable: number
  readonly #positive: DenseStore
  readonly #negative: DenseStore
  #zeroCount = 0
  #sum = 0
  #min = Infinity
  #max = -Infinity

  constructor(options: DDSketchOptions = {}) {
    const alpha = options.relativeAccuracy ?? 0.01
    const maxBuckets = options.maxBuckets ?? 2048
    if (!(alpha > 0 && alpha < 1) || !Number.isInteger(maxBuckets) || maxBuckets < 1) {
      throw new SluiceError('INVALID_ARGUMENT', `DDSketch needs relativeAccuracy in (0, 1) and maxBuckets >= 1, got ${alpha} and ${maxBuckets}`)
    }
    this.relativeAccuracy = alpha
    this.maxBuckets = maxBuckets
    this.#gamma = (1 + alpha) / (1 - alpha)
    this.#multiplier = 1 / Math.log(this.#gamma)
    this.#minIndexable = MIN_NORMAL * this.#gamma
    this.#positive = new DenseStore(maxBuckets)
    this.#negative = new DenseStore(maxBuckets)
  }

  #index(magnitude: number): number {
    return Math.ceil(Math.log(magnitude) * this.#multiplier)
  }

  #value(index: number): number {
    return (2 * this.#gamma ** index) / (this.#gamma + 1)
  }

  /** Adds a finite value `count` times (default once; count > 0, fractions allowed). */
  add(value: number, count = 1): void {
    if (!Number.isFinite(value) || !(count > 0 && count < Infinity)) {
      throw new SluiceError('INVALID_ARGUMENT', `DDSketch takes finite values and positive counts, got ${value} × ${count}`)
    }
    if (value >= this.#minIndexable) this.#positive.add(this.#index(value), count)
    else if (value <= -this.#minIndexable) this.#negative.add(-this.#index(-value), count)
    else this.#zeroCount += count
    this.#sum += value * count
    if (value < this.#min) this.#min = value
    if (value > this.#max) this.#max = value
  }

  /** Total count added. */
  get count(): number {
    return this.#negative.total + this.#zeroCount + this.#positive.total
  }

  /** Sum of the values added (weighted by count). */
  get sum(): number {
    return this.#sum
  }

  /** Smallest value added (Infinity when empty). */
  get min(): number {
    return this.#min
  }

  /** Largest value added (-Infinity when empty). */
  get max(): number {
    return this.#max
  }

  /** Whether a store collapsed buckets, so the lowest values are no longer within α. */
  get isCollapsed(): boolean {
    return this.#positive.isCollapsed || this.#negative.isCollapsed
  }

  /** The value at quantile q in [0, 1] (the item of rank floor(q·(count-1))), within α; NaN when empty. */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new SluiceError('INVALID_ARGUMENT', `quantile must be in [0, 1], got ${q}`)
    const count = this.count
    if (count === 0) return Number.NaN
    // The extremes are tracked exactly.
    if (q === 0) return this.#min
    if (q === 1) return this.#max
    const rank = q * (count - 1)
    let seen = 0
    let result = Number.NaN
    const visit = (sign: number) => (index: number, bucketCount: number): boolean => {
      seen += bucketCount
      if (seen > rank) {
        result = sign * this.#value(sign * index)
        return true
      }
      return false
    }
    // Ascending value: negatives from the most negative (lowest key), zeros, then positives.
    if (!walk(this.#negative, visit(-1))) {
      seen += this.#zeroCount
      if (seen > rank) result = 0
      else walk(this.#positive, visit(1))
    }
    // Clamping to the exact extremes keeps q=0 and q=1 exact and never leaves [min, max].
    return Math.min(Math.max(result, this.#min), this.#max)
  }

  /** Merges another sketch with the same α and maxBuckets: afterwards it sketches the union exactly. */
  merge(other: DDSketch): this {
    if (other.relativeAccuracy !== this.relativeAccuracy || other.maxBuckets !== this.maxBuckets) {
      throw new SluiceError('INVALID_ARGUMENT', `cannot merge DDSketches with different accuracy or bucket bound (${this.relativeAccuracy}/${this.maxBuckets} vs ${other.relativeAccuracy}/${other.maxBuckets})`)
    }
    this.#positive.merge(other.#positive)
    this.#negative.merge(other.#negative)
    this.#zeroCount += other.#zeroCount
    this.#sum += other.#sum
    this.#min = Math.min(this.#min, other.#min)
    this.#max = Math.max(this.#max, other.#max)
    return this
  }

  /** An independent copy. */
  clone(): DDSketch {
    return new DDSketch({ relativeAccuracy: this.relativeAccuracy, maxBuckets: this.maxBuckets }).merge(this)
  }

  /** The serialized sketch (layout at the top of this file). */
  serialize(): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.ddSketch, FORMAT_VERSION, 64 + 12 * (this.#positive.bucketCount() + this.#negative.bucketCount()))
    writer.f64(this.relativeAccuracy).varint(this.maxBuckets).u8((this.#positive.isCollapsed ? 1 : 0) | (this.#negative.isCollapsed ? 2 : 0)).f64(this.#zeroCount).f64(this.#sum).f64(this.#min).f64(this.#max)
    for (const store of [this.#positive, this.#negative]) {
      writer.varint(store.bucketCount())
      let previous = 0
      store.forEach((index, count) => {
        const delta = index - previous
        writer.varint(delta >= 0 ? delta * 2 : -delta * 2 - 1).f64(count)
        previous = index
      })
    }
    return writer.finish()
  }

  /** Reads a sketch written by serialize(). */
  static deserialize(bytes: Uint8Array): DDSketch {
    const reader = new SketchReader(bytes, SKETCH_KIND.ddSketch, FORMAT_VERSION)
    const relativeAccuracy = reader.f64()
    const maxBuckets = reader.varint()
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1) || maxBuckets < 1 || maxBuckets > 1 << 24) throw corruptSketch(`DDSketch α ${relativeAccuracy}, ${maxBuckets} buckets`)
    const sketch = new DDSketch({ relativeAccuracy, maxBuckets })
    const flags = reader.u8()
    if (flags > 3) throw corruptSketch(`DDSketch flags ${flags}`)
    if ((flags & 1) !== 0) sketch.#positive.markCollapsed()
    if ((flags & 2) !== 0) sketch.#negative.markCollapsed()
    const zeroCount = reader.f64()
    const sum = reader.f64()
    const min = reader.f64()
    const max = reader.f64()
    if (!(zeroCount >= 0 && zeroCount < Infinity) || Number.isNaN(sum) || Number.isNaN(min) || Number.isNaN(max)) throw corruptSketch('DDSketch totals')
    for (const store of [sketch.#positive, sketch.#negative]) {
      const buckets = reader.varint()
      if (buckets > maxBuckets) throw corruptSketch(`${buckets} buckets above the bound ${maxBuckets}`)
      let index = 0
      let lowest = Infinity
      for (let i = 0; i < buckets; i++) {
        const zigzag = reader.varint()
        const delta = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2
        if (i > 0 && delta <= 0) throw corruptSketch('DDSketch bucket indexes not increasing')
        index += delta
        const count = reader.f64()
        if (!(count > 0 && count < Infinity) || Math.abs(index) > 1e6) throw corruptSketch(`DDSketch bucket ${index} count ${count}`)
        lowest = Math.min(lowest, index)
        if (index - lowest >= maxBuckets) throw corruptSketch('DDSketch buckets span more than the bound')
        store.add(index, count)
      }
    }
    reader.end()
    sketch.#zeroCount = zeroCount
    sketch.#sum = sum
    sketch.#min = min
    sketch.#max = max
    if (sketch.count > 0 && !(min <= max)) throw corruptSketch('DDSketch min above max')
    return sketch
  }
}

/** Walks a store in ascending index order until `visit` returns true; returns whether it did. */
function walk(store: DenseStore, visit: (index: number, count: number) => boolean): boolean {
  let isDone = false
  store.forEach((index, count) => {
    if (!isDone && visit(index, count)) isDone = true
  })
  return isDone
}
