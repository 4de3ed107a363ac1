// Heavy hitters / top-k with Space-Saving (Metwally, Agrawal, El Abbadi, 2005): k monitored keys,
// each with an upper bound `count` and an `error` (count - error is a lower bound). An unmonitored
// key takes the place of the smallest count c_min and starts at c_min + weight; `floor` is a bound
// on every unmonitored key's true count, and floor ≤ N/k always, so every key with more than N/k
// occurrences is monitored.
//
// Structure: a binary min-heap of slots ordered by count, plus a Map from key to slot. The
// stream-summary of the paper is O(1) per unit update, but it needs a linked bucket per distinct
// count and does not take weighted updates (a pane's pre-aggregated counts, a merge) in O(1)
// either; the heap takes any weight in O(log k), lives in flat typed arrays, and on skewed streams
// the keys being incremented are the large ones, which sit at the leaves, so a sift usually stops
// at once.
//
// Merge follows Agarwal et al., "Mergeable Summaries" (2012), read in Space-Saving form: counts
// (and errors) add, a key missing on one side counting that side's floor; keep the k largest; the
// new floor is the larger of the two floors' sum and the largest count dropped. In Misra–Gries
// terms that subtracts the (k+1)-th largest excess from every counter, which keeps the invariant
// k·floor ≤ N - Σ(count - floor), hence floor ≤ N/k, through any tree of merges.
//
// Serialized body (envelope in sketch-format.ts; kind spaceSaving, version 1):
//   varint capacity k, f64 total N, f64 floor, varint n (≤ k), then n × (key, f64 count, f64 error),
//   key = tag byte (0 string: varint length + UTF-8; 1 number: f64; 2 boolean: 1 byte)
import { SluiceError } from '../base/errors.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** Keys Space-Saving can monitor (Map equality: 1 and 1.0 are one key, -0 is 0). */
export type TopKKey = string | number | boolean

/** One monitored key: its count is an upper bound, count - error a lower bound. */
export interface TopKEntry<K> {
  key: K
  count: number
  error: number
}

const FORMAT_VERSION = 1

/** A mergeable Space-Saving top-k summary. */
export class SpaceSaving<K extends TopKKey = string> {
  readonly capacity: number
  readonly #keys: (K | undefined)[]
  readonly #counts: Float64Array
  readonly #errors: Float64Array
  readonly #heap: Int32Array // heap position → slot
  readonly #position: Int32Array // slot → heap position
  readonly #index = new Map<K, number>()
  #size = 0
  #floor = 0
  #total = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new SluiceError('INVALID_ARGUMENT', `Space-Saving capacity must be an integer in 1..2^24, got ${capacity}`)
    }
    this.capacity = capacity
    this.#keys = new Array<K | undefined>(capacity).fill(undefined)
    this.#counts = new Float64Array(capacity)
    this.#errors = new Float64Array(capacity)
    this.#heap = new Int32Array(capacity)
    this.#position = new Int32Array(capacity)
  }

  /** The total weight added (N). */
  get totalCount(): number {
    return this.#total
  }

  /** A bound on the true count of every key not monitored (≤ N / capacity). */
  get floor(): number {
    return this.#floor
  }

  /** Keys monitored now. */
  get size(): number {
    return this.#size
  }

  /** Adds `weight` (default 1, positive) occurrences of a key. */
  add(key: K, weight = 1): void {
    if (!(weight > 0)) {
      if (weight === 0) return
      throw new SluiceError('INVALID_ARGUMENT', `Space-Saving weights must be positive, got ${weight}`)
    }
    this.#total += weight
    const slot = this.#index.get(key)
    if (slot !== undefined) {
      this.#counts[slot]! += weight
      this.#siftDown(this.#position[slot]!)
      return
    }
    if (this.#size < this.capacity) {
      const fresh = this.#size++
      this.#keys[fresh] = key
      this.#counts[fresh] = this.#floor + weight
      this.#errors[fresh] = this.#floor
      this.#heap[fresh] = fresh
      this.#position[fresh] = fresh
      this.#index.set(key, fresh)
      this.#siftUp(fresh)
      return
    }
    // Evict the smallest count: its count becomes the bound for every unmonitored key.
    const victim = this.#heap[0]!
    this.#index.delete(this.#keys[victim]!)
    this.#floor = this.#counts[victim]!
    this.#keys[victim] = key
    this.#counts[victim] = this.#floor + weight
    this.#errors[victim] = this.#floor
    this.#index.set(key, victim)
    this.#siftDown(0)
  }

  #siftUp(at: number): void {
    const heap = this.#heap
    const counts = this.#counts
    const slot = heap[at]!
    while (at > 0) {
      const parent = (at - 1) >> 1
      if (counts[heap[parent]!]! <= counts[slot]!) break
      heap[at] = heap[parent]!
      this.#position[heap[at]!] = at
      at = parent
    }
    heap[at] = slot
    this.#position[slot] = at
  }

  #siftDown(at: number): void {
    const heap = this.#heap
    const counts = this.#counts
    const size = this.#size
    const slot = heap[at]!
    const count = counts[slot]!
    for (;;) {
      let child = 2 * at + 1
      if (child >= size) break
      if (child + 1 < size && counts[heap[child + 1]!]! < counts[heap[child]!]!) child++
      if (counts[heap[child]!]! >= count) break
      heap[at] = heap[child]!
      this.#position[heap[at]!] = at
      at = child
    }
    heap[at] = slot
    this.#position[slot] = at
  }

  /** Bounds on a key's true count: [lower, upper]; an unmonitored key gets [0, floor]. */
  bounds(key: K): { lower: number; upper: number } {
    const slot = this.#index.get(key)
    if (slot === undefined) return { lower: 0, upper: this.#floor }
    return { lower: this.#counts[slot]! - this.#errors[slot]!, upper: this.#counts[slot]! }
  }

  /** The monitored keys, largest count first (at most `limit`). */
  top(limit = this.capacity): TopKEntry<K>[] {
    const entries: TopKEntry<K>[] = []
    for (let slot = 0; slot < this.#size; slot++) entries.push({ key: this.#keys[slot]!, count: this.#counts[slot]!, error: this.#errors[slot]! })
    entries.sort((a, b) => b.count - a.count || a.error - b.error)
    return entries.slice(0, limit)
  }

  /**
   * Keys that may occur more than `share`·N times: no key above that is missing (when share·N ≥
   * floor); `guaranteed` marks those whose lower bound is above it too.
   */
  heavyHitters(share: number): (TopKEntry<K> & { guaranteed: boolean })[] {
    const threshold = share * this.#total
    return this.top()
      .filter((entry) => entry.count > threshold)
      .map((entry) => ({ ...entry, guaranteed: entry.count - entry.error > threshold }))
  }

  /** Merges another summary of the same capacity into this one (rule at the top of this file). */
  merge(other: SpaceSaving<K>): this {
    if (other.capacity !== this.capacity) {
      throw new SluiceError('INVALID_ARGUMENT', `cannot merge Space-Saving summaries of capacity ${this.capacity} and ${other.capacity}`)
    }
    const merged = new Map<K, { count: number; error: number }>()
    for (let slot = 0; slot < this.#size; slot++) {
      merged.set(this.#keys[slot]!, { count: this.#counts[slot]! + other.#floor, error: this.#errors[slot]! + other.#floor })
    }
    for (let slot = 0; slot < other.#size; slot++) {
      const key = other.#keys[slot]!
      const mine = merged.get(key)
      if (mine === undefined) merged.set(key, { count: other.#counts[slot]! + this.#floor, error: other.#errors[slot]! + this.#floor })
      else {
        // This side was counted as other's floor above; replace that with other's actual bounds.
        mine.count += other.#counts[slot]! - other.#floor
        mine.error += other.#errors[slot]! - other.#floor
      }
    }
    const ranked = [...merged].sort((a, b) => b[1].count - a[1].count)
    let floor = this.#floor + other.#floor
    if (ranked.length > this.capacity) floor = Math.max(floor, ranked[this.capacity]![1].count)
    this.#load(ranked.slice(0, this.capacity).map(([key, value]) => ({ key, ...value })), floor, this.#total + other.#total)
    return this
  }

  #load(entries: TopKEntry<K>[], floor: number, total: number): void {
    this.#index.clear()
    this.#keys.fill(undefined)
    this.#size = entries.length
    for (let slot = 0; slot < entries.length; slot++) {
      const entry = entries[slot]!
      this.#keys[slot] = entry.key
      this.#counts[slot] = entry.count
      this.#errors[slot] = entry.error
      this.#heap[slot] = slot
      this.#position[slot] = slot
      this.#index.set(entry.key, slot)
    }
    for (let at = (this.#size >> 1) - 1; at >= 0; at--) this.#siftDown(at)
    this.#floor = floor
    this.#total = total
  }

  /** An independent copy. */
  clone(): SpaceSaving<K> {
    const copy = new SpaceSaving<K>(this.capacity)
    copy.#load(this.top(), this.#floor, this.#total)
    return copy
  }

  /** The serialized summary (layout at the top of this file). */
  serialize(): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.spaceSaving, FORMAT_VERSION, 32 + this.#size * 32)
    writer.varint(this.capacity).f64(this.#total).f64(this.#floor).varint(this.#size)
    for (const entry of this.top()) {
      const key: TopKKey = entry.key
      if (typeof key === 'string') writer.u8(0).lengthPrefixed(Buffer.from(key, 'utf8'))
      else if (typeof key === 'number') writer.u8(1).f64(key)
      else writer.u8(2).u8(key ? 1 : 0)
      writer.f64(entry.count).f64(entry.error)
    }
    return writer.finish()
  }

  /** Reads a summary written by serialize(). */
  static deserialize(bytes: Uint8Array): SpaceSaving<TopKKey> {
    const reader = new SketchReader(bytes, SKETCH_KIND.spaceSaving, FORMAT_VERSION)
    const capacity = reader.varint()
    const total = reader.f64()
    const floor = reader.f64()
    const size = reader.varint()
    if (capacity < 1 || capacity > 1 << 24 || size > capacity || size * 18 > reader.remaining) throw corruptSketch(`Space-Saving of capacity ${capacity} holding ${size}`)
    if (!(total >= 0) || !(floor >= 0 && floor <= total)) throw corruptSketch(`Space-Saving total ${total}, floor ${floor}`)
    const entries: TopKEntry<TopKKey>[] = []
    const seen = new Set<TopKKey>()
    for (let i = 0; i < size; i++) {
      const tag = reader.u8()
      let key: TopKKey
      if (tag === 0) key = Buffer.from(reader.lengthPrefixed()).toString('utf8')
      else if (tag === 1) key = reader.f64()
      else if (tag === 2) key = reader.u8() === 1
      else throw corruptSketch(`Space-Saving key tag ${tag}`)
      const count = reader.f64()
      const error = reader.f64()
      if (!(error >= 0 && error <= count && count >= floor) || seen.has(key)) throw corruptSketch(`Space-Saving entry ${i}`)
      seen.add(key)
      entries.push({ key, count, error })
    }
    reader.end()
    const summary = new SpaceSaving<TopKKey>(capacity)
    summary.#load(entries, floor, total)
    return summary
  }
}
