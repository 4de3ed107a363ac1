// Scalable Bloom filter (Almeida, Baquero, Preguiça, Hutchison, "Scalable Bloom Filters", 2007): a
// series of plain Bloom filters (bloom-filter.ts) for a stream of unknown length. Filter i holds
// up to n0·s^i keys at false-positive rate p0·r^i, with p0 = p·(1 - r), so the compound rate stays
// below p however many filters there are (Σ p0·r^i = p). A key goes into the newest filter only if
// no filter has it yet, so each filter's count is exact and it turns over exactly at capacity.
// Defaults follow the paper's advice: tightening ratio r = 0.9, growth s = 2.
// There is no union: two series that filled in different orders have filters of the same shape
// but not the same contents per slot, so OR-ing them pairwise would overfill the filters and break
// the bound. (The DSL keeps one series per window for dedupe(); panes merge as plain BloomFilters.)
//
// Serialized body (envelope in sketch-format.ts; kind scalableBloomFilter, version 1):
//   offset  size  field
//   0       8     initial capacity n0, f64 LE
//   8       8     target false-positive rate p, f64 LE
//   16      8     tightening ratio r, f64 LE
//   24      8     growth s, f64 LE
//   32      4     seed, u32 LE
//   36      …     varint filter count, then per filter: varint keys held, varint length, a
//                 serialized BloomFilter (with its own envelope)
import { SluiceError } from '../base/errors.ts'
import { BloomFilter, optimalBloomShape } from './bloom-filter.ts'
import { Hash64, REDIS_HLL_SEED, type SketchKey } from './hash.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** Options of a scalable Bloom filter. */
export interface ScalableBloomFilterOptions {
  /** Keys the first filter holds (default 1024). */
  initialCapacity?: number
  /** Bound on the compound false-positive rate (default 0.01). */
  falsePositiveRate?: number
  /** Each filter's rate is the previous one's times this (default 0.9). */
  tighteningRatio?: number
  /** Each filter's capacity is the previous one's times this (default 2). */
  growth?: number
  /** MurmurHash64A seed (default Redis's). */
  seed?: number
}

const FORMAT_VERSION = 1

/** A Bloom filter that grows with the stream while keeping its false-positive rate below a bound. */
export class ScalableBloomFilter {
  readonly initialCapacity: number
  readonly falsePositiveRate: number
  readonly tighteningRatio: number
  readonly growth: number
  readonly seed: number
  readonly #filters: BloomFilter[] = []
  readonly #counts: number[] = []
  readonly #capacities: number[] = []
  readonly #hash: Hash64

  constructor(options: ScalableBloomFilterOptions = {}) {
    this.initialCapacity = options.initialCapacity ?? 1024
    this.falsePositiveRate = options.falsePositiveRate ?? 0.01
    this.tighteningRatio = options.tighteningRatio ?? 0.9
    this.growth = options.growth ?? 2
    this.seed = (options.seed ?? REDIS_HLL_SEED) >>> 0
    if (!(this.initialCapacity >= 1) || !(this.falsePositiveRate > 0 && this.falsePositiveRate < 1) || !(this.tighteningRatio > 0 && this.tighteningRatio < 1) || !(this.growth >= 1)) {
      throw new SluiceError('INVALID_ARGUMENT', 'a scalable Bloom filter needs initialCapacity >= 1, falsePositiveRate and tighteningRatio in (0, 1), growth >= 1')
    }
    this.#hash = new Hash64(this.seed)
    this.#grow()
  }

  /** Capacity and false-positive rate of filter i of the series. */
  #plan(i: number): { capacity: number; rate: number } {
    return {
      capacity: Math.ceil(this.initialCapacity * this.growth ** i),
      rate: this.falsePositiveRate * (1 - this.tighteningRatio) * this.tighteningRatio ** i,
    }
  }

  #grow(): void {
    const { capacity, rate } = this.#plan(this.#filters.length)
    this.#filters.push(BloomFilter.forCapacity(capacity, rate, this.seed))
    this.#counts.push(0)
    this.#capacities.push(capacity)
  }

  /** Adds a key; returns true if it was not (probably) present before. */
  add(key: SketchKey): boolean {
    const hash = this.#hash.key(key)
    const hi = hash.hi
    const lo = hash.lo
    const filters = this.#filters
    for (let i = filters.length - 1; i >= 0; i--) if (filters[i]!.hasHash(hi, lo)) return false
    const last = filters.length - 1
    filters[last]!.addHash(hi, lo)
    if (++this.#counts[last]! >= this.#capacities[last]!) this.#grow()
    return true
  }

  /** Whether the key may have been added (false means certainly not). */
  has(key: SketchKey): boolean {
    const hash = this.#hash.key(key)
    // Newest first: the largest filter holds most keys, so a present key is usually found there.
    for (let i = this.#filters.length - 1; i >= 0; i--) if (this.#filters[i]!.hasHash(hash.hi, hash.lo)) return true
    return false
  }

  /** Keys added (those answered true by add()). */
  get count(): number {
    return this.#counts.reduce((sum, n) => sum + n, 0)
  }

  /** Filters in the series so far. */
  get filterCount(): number {
    return this.#filters.length
  }

  /** Total bits over all filters. */
  get bits(): number {
    return this.#filters.reduce((sum, f) => sum + f.bits, 0)
  }

  /** The serialized series (layout at the top of this file). */
  serialize(): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.scalableBloomFilter, FORMAT_VERSION, 64 + this.bits / 8)
    writer.f64(this.initialCapacity).f64(this.falsePositiveRate).f64(this.tighteningRatio).f64(this.growth).u32(this.seed)
    writer.varint(this.#filters.length)
    for (let i = 0; i < this.#filters.length; i++) writer.varint(this.#counts[i]!).lengthPrefixed(this.#filters[i]!.serialize())
    return writer.finish()
  }

  /** Reads a series written by serialize(). */
  static deserialize(bytes: Uint8Array): ScalableBloomFilter {
    const reader = new SketchReader(bytes, SKETCH_KIND.scalableBloomFilter, FORMAT_VERSION)
    const options = { initialCapacity: reader.f64(), falsePositiveRate: reader.f64(), tighteningRatio: reader.f64(), growth: reader.f64(), seed: reader.u32() }
    let series: ScalableBloomFilter
    try {
      // The constructor allocates the first filter: check its size against the bytes first.
      const first = optimalBloomShape(options.initialCapacity, options.falsePositiveRate * (1 - options.tighteningRatio))
      if (first.bits / 8 > reader.remaining) throw new Error(`a first filter of ${first.bits} bits in ${reader.remaining} bytes`)
      series = new ScalableBloomFilter(options)
    } catch (error) {
      throw corruptSketch(`scalable Bloom filter options: ${(error as Error).message}`)
    }
    const filterCount = reader.varint()
    if (filterCount < 1 || filterCount > 64) throw corruptSketch(`${filterCount} filters`)
    series.#filters.length = 0
    series.#counts.length = 0
    series.#capacities.length = 0
    for (let i = 0; i < filterCount; i++) {
      const count = reader.varint()
      const filter = BloomFilter.deserialize(reader.lengthPrefixed())
      const { capacity, rate } = series.#plan(i)
      const shape = optimalBloomShape(capacity, rate)
      if (filter.bits !== shape.bits || filter.hashes !== shape.hashes || filter.seed !== series.seed) throw corruptSketch(`filter ${i} has the wrong shape`)
      const isLast = i === filterCount - 1
      if (count > capacity || (!isLast && count !== capacity) || (isLast && count === capacity)) throw corruptSketch(`filter ${i} holds ${count} of ${capacity} keys`)
      series.#filters.push(filter)
      series.#counts.push(count)
      series.#capacities.push(capacity)
    }
    reader.end()
    return series
  }
}
