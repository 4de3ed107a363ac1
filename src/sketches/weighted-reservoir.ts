// Weighted reservoir sampling (Efraimidis & Spirakis 2006): k items without replacement, each step
// choosing among the rest with probability proportional to weight. A-Res gives every item the key
// u^(1/w) and keeps the k largest keys; A-ExpJ keeps the same keys but, once full, jumps over items
// until their cumulative weight exceeds log(r)/log(T) (T the smallest kept key), so it draws random
// numbers only for the items it takes. Keys are kept as logarithms, ln(u)/w, which neither
// underflow nor lose precision for large weights. Uniform sampling is reservoir.ts.
//
// Merge: keys are independent per item and both algorithms leave the k largest keys of the
// stream, so the union's sample is the k largest keys of the two reservoirs, exactly. A-ExpJ's
// jump is memoryless, so it is drawn afresh after a merge or a deserialize.
//
// Serialized body (envelope in sketch-format.ts; kind weightedReservoir, version 1):
//   varint capacity k, u8 algorithm (0 = A-Res, 1 = A-ExpJ), f64 items seen, f64 total weight,
//   varint sample size, then per item: f64 log key, f64 weight, varint length + encoded item.
import type { Random } from '../base/random.ts'
import { SluiceError } from '../base/errors.ts'
import { uniformOpenZero } from './random-variates.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** 'A-Res' draws a key per item; 'A-ExpJ' jumps over items by exponential jumps (the default). */
export type WeightedAlgorithm = 'A-Res' | 'A-ExpJ'

/** One sampled item with its weight and log key. */
export interface WeightedEntry<T> {
  item: T
  weight: number
  logKey: number
}

const FORMAT_VERSION = 1

/** A weighted sample without replacement of at most `capacity` items. */
export class WeightedReservoir<T> {
  readonly capacity: number
  readonly algorithm: WeightedAlgorithm
  readonly #random: Random
  // A min-heap on logKey: the root is the threshold T an item must beat.
  readonly #heap: WeightedEntry<T>[] = []
  #seen = 0
  #totalWeight = 0
  #jump = 0 // A-ExpJ: weight still to pass before the next item is taken

  constructor(capacity: number, random: Random, algorithm: WeightedAlgorithm = 'A-ExpJ') {
    if (!Number.isInteger(capacity) || capacity < 1) throw new SluiceError('INVALID_ARGUMENT', `reservoir capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.algorithm = algorithm
    this.#random = random
  }

  /** Items offered so far. */
  get seen(): number {
    return this.#seen
  }

  /** Sum of the weights offered. */
  get totalWeight(): number {
    return this.#totalWeight
  }

  /** Offers an item with a positive finite weight (weight 0 is never sampled). */
  offer(item: T, weight: number): void {
    if (!(weight >= 0 && weight < Infinity)) throw new SluiceError('INVALID_ARGUMENT', `sample weights must be finite and non-negative, got ${weight}`)
    this.#seen++
    if (weight === 0) return
    this.#totalWeight += weight
    const heap = this.#heap
    if (heap.length < this.capacity) {
      this.#push({ item, weight, logKey: Math.log(uniformOpenZero(this.#random)) / weight })
      if (heap.length === this.capacity && this.algorithm === 'A-ExpJ') this.#drawJump()
      return
    }
    if (this.algorithm === 'A-Res') {
      const logKey = Math.log(uniformOpenZero(this.#random)) / weight
      if (logKey > heap[0]!.logKey) this.#replaceRoot({ item, weight, logKey })
      return
    }
    this.#jump -= weight
    if (this.#jump > 0) return
    // Taken: its key is u^(1/w) with u uniform in (T^w, 1), i.e. conditioned on beating T.
    const t = Math.exp(weight * heap[0]!.logKey)
    const u = t + (1 - t) * uniformOpenZero(this.#random)
    this.#replaceRoot({ item, weight, logKey: Math.min(Math.log(u) / weight, 0) })
    this.#drawJump()
  }

  #drawJump(): void {
    // X = log(r) / log(T): with log T = the root's log key (negative), X is exponential in weight.
    this.#jump = Math.log(uniformOpenZero(this.#random)) / this.#heap[0]!.logKey
  }

  #push(entry: WeightedEntry<T>): void {
    const heap = this.#heap
    let at = heap.length
    heap.push(entry)
    while (at > 0) {
      const parent = (at - 1) >> 1
      if (heap[parent]!.logKey <= entry.logKey) break
      heap[at] = heap[parent]!
      at = parent
    }
    heap[at] = entry
  }

  #replaceRoot(entry: WeightedEntry<T>): void {
    const heap = this.#heap
    let at = 0
    for (;;) {
      let child = 2 * at + 1
      if (child >= heap.length) break
      if (child + 1 < heap.length && heap[child + 1]!.logKey < heap[child]!.logKey) child++
      if (heap[child]!.logKey >= entry.logKey) break
      heap[at] = heap[child]!
      at = child
    }
    heap[at] = entry
  }

  /** The sampled items (order carries no meaning). */
  sample(): T[] {
    return this.#heap.map((entry) => entry.item)
  }

  /** The sampled items with weights and keys, largest key first. */
  entries(): WeightedEntry<T>[] {
    return this.#heap.map((entry) => ({ ...entry })).sort((a, b) => b.logKey - a.logKey)
  }

  /** The weighted sample of both streams together (same capacity): the k largest keys. */
  static merge<T>(a: WeightedReservoir<T>, b: WeightedReservoir<T>, random: Random): WeightedReservoir<T> {
    if (a.capacity !== b.capacity) throw new SluiceError('INVALID_ARGUMENT', `cannot merge reservoirs of capacity ${a.capacity} and ${b.capacity}`)
    const merged = new WeightedReservoir<T>(a.capacity, random, a.algorithm)
    const all = [...a.#heap, ...b.#heap].sort((x, y) => y.logKey - x.logKey).slice(0, a.capacity)
    merged.#restore(all, a.#seen + b.#seen, a.#totalWeight + b.#totalWeight)
    return merged
  }

  #restore(entries: WeightedEntry<T>[], seen: number, totalWeight: number): void {
    for (const entry of entries) this.#push({ ...entry })
    this.#seen = seen
    this.#totalWeight = totalWeight
    if (this.#heap.length === this.capacity && this.algorithm === 'A-ExpJ') this.#drawJump()
  }

  /** The serialized reservoir (layout at the top of this file), items through `encode`. */
  serialize(encode: (item: T) => Uint8Array): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.weightedReservoir, FORMAT_VERSION)
    writer.varint(this.capacity).u8(this.algorithm === 'A-Res' ? 0 : 1).f64(this.#seen).f64(this.#totalWeight).varint(this.#heap.length)
    for (const entry of this.entries()) writer.f64(entry.logKey).f64(entry.weight).lengthPrefixed(encode(entry.item))
    return writer.finish()
  }

  /** Reads a reservoir written by serialize(), items through `decode`, continuing with `random`. */
  static deserialize<T>(bytes: Uint8Array, decode: (bytes: Uint8Array) => T, random: Random): WeightedReservoir<T> {
    const reader = new SketchReader(bytes, SKETCH_KIND.weightedReservoir, FORMAT_VERSION)
    const capacity = reader.varint()
    const algorithmByte = reader.u8()
    const seen = reader.f64()
    const totalWeight = reader.f64()
    const size = reader.varint()
    if (capacity < 1 || algorithmByte > 1 || !Number.isInteger(seen) || seen < size || !(totalWeight >= 0) || size > capacity || size * 17 > reader.remaining) {
      throw corruptSketch(`weighted reservoir of capacity ${capacity}, algorithm ${algorithmByte}, ${seen} seen, ${size} held`)
    }
    const entries: WeightedEntry<T>[] = []
    for (let i = 0; i < size; i++) {
      const logKey = reader.f64()
      const weight = reader.f64()
      if (!(logKey <= 0) || !(weight > 0 && weight < Infinity)) throw corruptSketch(`weighted reservoir entry ${i}`)
      entries.push({ logKey, weight, item: decode(reader.lengthPrefixed()) })
    }
    reader.end()
    const reservoir = new WeightedReservoir<T>(capacity, random, algorithmByte === 0 ? 'A-Res' : 'A-ExpJ')
    reservoir.#restore(entries, seen, totalWeight)
    return reservoir
  }
}
