// Uniform reservoir sampling: k items chosen uniformly without replacement from a stream of
// unknown length. Algorithm R (Vitter 1985, after Waterman) draws one random number per item;
// Algorithm L (Li 1994) draws only when an item is taken and jumps over the ones in between, so
// O(k(1 + log(N/k))) draws in all and a pass-through cost of one counter compare per item. `skip`
// lets a source discard the items L will not take without even decoding them. Weighted sampling is
// weighted-reservoir.ts.
//
// Merge: reservoirs of the same capacity over disjoint streams (partitions, panes) combine into a
// uniform sample of the union by drawing k times without replacement: from A with probability
// (A's items not yet drawn)/(all items not yet drawn), taking a random not-yet-taken member of A's
// sample (a uniform subset of A, so a random member of it is a random item of A), else from B. For
// L the merged reservoir's threshold W is drawn fresh from its distribution given n, Beta(k, n-k+1)
// (W is the largest of the k smallest of n uniform keys, independent of which items they are).
//
// Serialized body (envelope in sketch-format.ts; kind reservoir, version 1):
//   varint capacity k, u8 algorithm (0 = R, 1 = L), f64 items seen n, f64 W, f64 index of the
//   next item L takes (1-based), varint sample size, then each item as varint length + bytes
//   from the caller's encoder. The Random is not stored: deserialize takes one.
import type { Random } from '../base/random.ts'
import { SluiceError } from '../base/errors.ts'
import { beta, uniformOpenZero } from './random-variates.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** 'R' draws a random number per item; 'L' skips ahead geometrically (the default). */
export type ReservoirAlgorithm = 'R' | 'L'

const FORMAT_VERSION = 1

/** A uniform sample of at most `capacity` items from a stream. */
export class Reservoir<T> {
  readonly capacity: number
  readonly algorithm: ReservoirAlgorithm
  readonly #random: Random
  readonly #items: T[] = []
  #seen = 0
  // Algorithm L state: W, and the 1-based index of the next item to take.
  #w = 0
  #next = 0

  constructor(capacity: number, random: Random, algorithm: ReservoirAlgorithm = 'L') {
    if (!Number.isInteger(capacity) || capacity < 1) throw new SluiceError('INVALID_ARGUMENT', `reservoir capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.algorithm = algorithm
    this.#random = random
  }

  /** Items offered so far (n), skipped ones included. */
  get seen(): number {
    return this.#seen
  }

  /** Offers one item. */
  offer(item: T): void {
    const n = ++this.#seen
    if (n <= this.capacity) {
      this.#items.push(item)
      if (n === this.capacity && this.algorithm === 'L') this.#startL()
      return
    }
    if (this.algorithm === 'R') {
      const j = Math.floor(this.#random.float() * n)
      if (j < this.capacity) this.#items[j] = item
      return
    }
    // Algorithm L: everything before #next was decided "skip" when #next was drawn.
    if (n !== this.#next) return
    this.#items[Math.floor(this.#random.float() * this.capacity)] = item
    this.#w *= Math.exp(Math.log(uniformOpenZero(this.#random)) / this.capacity)
    this.#advance()
  }

  /**
   * How many upcoming items Algorithm L will certainly not take (0 while filling or under R), so
   * a source may `skip` them without decoding.
   */
  get skippable(): number {
    if (this.algorithm === 'R' || this.#seen < this.capacity) return 0
    return this.#next - this.#seen - 1
  }

  /** Accounts for `count` items passed over without offering them (at most `skippable`). */
  skip(count: number): void {
    if (!(Number.isInteger(count) && count >= 0 && count <= this.skippable)) {
      throw new SluiceError('INVALID_ARGUMENT', `can skip 0..${this.skippable} items now, not ${count}`)
    }
    this.#seen += count
  }

  #startL(): void {
    this.#w = Math.exp(Math.log(uniformOpenZero(this.#random)) / this.capacity)
    this.#advance()
  }

  #advance(): void {
    // The gap to the next taken item is geometric with success probability W.
    this.#next = this.#seen + Math.floor(Math.log(uniformOpenZero(this.#random)) / Math.log1p(-this.#w)) + 1
  }

  /** The sample (a copy; order carries no meaning). */
  sample(): T[] {
    return this.#items.slice()
  }

  /** A uniform sample of both streams together (same capacity), drawn with `random`. */
  static merge<T>(a: Reservoir<T>, b: Reservoir<T>, random: Random): Reservoir<T> {
    if (a.capacity !== b.capacity) throw new SluiceError('INVALID_ARGUMENT', `cannot merge reservoirs of capacity ${a.capacity} and ${b.capacity}`)
    const merged = new Reservoir<T>(a.capacity, random, a.algorithm)
    const poolA = a.#items.slice()
    const poolB = b.#items.slice()
    let restA = a.#seen
    let restB = b.#seen
    const size = Math.min(a.capacity, restA + restB)
    for (let i = 0; i < size; i++) {
      const fromA = random.float() * (restA + restB) < restA
      const pool = fromA ? poolA : poolB
      // Partial Fisher–Yates: swap a random remaining member to the end and take it.
      const pick = Math.floor(random.float() * pool.length)
      const last = pool.length - 1
      ;[pool[pick], pool[last]] = [pool[last]!, pool[pick]!]
      merged.#items.push(pool.pop()!)
      if (fromA) restA--
      else restB--
    }
    merged.#seen = a.#seen + b.#seen
    if (merged.algorithm === 'L' && merged.#seen >= merged.capacity) {
      merged.#w = merged.#seen === merged.capacity ? Math.exp(Math.log(uniformOpenZero(random)) / merged.capacity) : beta(random, merged.capacity, merged.#seen - merged.capacity + 1)
      merged.#advance()
    }
    return merged
  }

  /** The serialized reservoir (layout at the top of this file), items through `encode`. */
  serialize(encode: (item: T) => Uint8Array): Buffer {
    const writer = new SketchWriter(SKETCH_KIND.reservoir, FORMAT_VERSION)
    writer.varint(this.capacity).u8(this.algorithm === 'R' ? 0 : 1).f64(this.#seen).f64(this.#w).f64(this.#next).varint(this.#items.length)
    for (const item of this.#items) writer.lengthPrefixed(encode(item))
    return writer.finish()
  }

  /** Reads a reservoir written by serialize(), items through `decode`, continuing with `random`. */
  static deserialize<T>(bytes: Uint8Array, decode: (bytes: Uint8Array) => T, random: Random): Reservoir<T> {
    const reader = new SketchReader(bytes, SKETCH_KIND.reservoir, FORMAT_VERSION)
    const capacity = reader.varint()
    const algorithmByte = reader.u8()
    const seen = reader.f64()
    const w = reader.f64()
    const next = reader.f64()
    const size = reader.varint()
    if (capacity < 1 || algorithmByte > 1 || !Number.isInteger(seen) || seen < 0 || size !== Math.min(capacity, seen) || size > reader.remaining) {
      throw corruptSketch(`reservoir of capacity ${capacity}, algorithm ${algorithmByte}, ${seen} seen, ${size} held`)
    }
    const isL = algorithmByte === 1
    if (isL && seen >= capacity && !(w > 0 && w <= 1 && Number.isInteger(next) && next > seen)) throw corruptSketch(`reservoir L state W=${w} next=${next}`)
    const reservoir = new Reservoir<T>(capacity, random, isL ? 'L' : 'R')
    for (let i = 0; i < size; i++) reservoir.#items.push(decode(reader.lengthPrefixed()))
    reader.end()
    reservoir.#seen = seen
    reservoir.#w = w
    reservoir.#next = next
    return reservoir
  }
}
