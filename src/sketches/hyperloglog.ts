// HyperLogLog distinct counting with precision p (4..18, default 14 = 16384 registers, standard
// error ~1.04/sqrt(2^p)). Small sketches stay sparse (HLL++ style): each distinct 25-bit index keeps
// its largest rank, and linear counting over 2^25 buckets makes counts near exact until the sparse
// table reaches 2^p/4 entries; then it turns dense, one byte per register. A dense sketch that has
// only ever taken adds also keeps a martingale (HIP) estimate (Ting 2014, Cohen 2015; Ertl 2017
// §6): each register change adds 1/P(change), P = Σ 2^-R_j / m, which is unbiased with about 0.7
// times the Ertl estimator's error. A merge, or registers read from elsewhere, lose that history,
// and the estimate falls back to Ertl's improved estimator over the registers (hll-estimator.ts),
// which `registerEstimate()` always gives and PFCOUNT computes. Registers follow Redis's rule at
// every precision (redis-hll.ts), so `HyperLogLog.redis()` round-trips with PFADD/PFCOUNT.
//
// Serialized body (envelope in sketch-format.ts; kind hyperLogLog, version 1):
//   offset  size  field
//   0       1     precision p (4..18)
//   1       1     key encoding: 0 = canonical (hash.ts), 1 = redis (numbers, booleans as String(key))
//   2       4     MurmurHash64A seed, u32 LE
//   6       1     representation: 0 = dense, 1 = sparse
//   7       8     martingale estimate, f64 LE (NaN when the history was lost by a merge)
//   15      …     dense: ceil(2^p·6/8) bytes, registers packed as in hll-registers.ts
//                 sparse: varint n, then n varints: entry_i - entry_(i-1) (entry_-1 = 0), where
//                 entry = index25·64 + rank25 and entries strictly increase
import { SluiceError } from '../base/errors.ts'
import { Hash64, REDIS_HLL_SEED, type SketchKey } from './hash.ts'
import { ertlEstimate, linearCount } from './hll-estimator.ts'
import { packedRegisterBytes, packRegisters, unpackRegisters } from './hll-registers.ts'
import { decodeRedisHll, encodeRedisDense, REDIS_HLL_REGISTERS } from './redis-hll.ts'
import { corruptSketch, SKETCH_KIND, SketchReader, SketchWriter } from './sketch-format.ts'

/** How keys become bytes: Sluice's canonical encoding, or what a Redis client sends (String(key)). */
export type HllKeyEncoding = 'canonical' | 'redis'

/** Options of a HyperLogLog. */
export interface HyperLogLogOptions {
  /** log2 of the register count, 4..18 (default 14). */
  precision?: number
  /** MurmurHash64A seed (default Redis's 0xadc83b19); only sketches with the same seed merge. */
  seed?: number
  /** 'redis' hashes numbers and booleans as String(key), as Redis clients send them (default 'canonical'). */
  keyEncoding?: HllKeyEncoding
}

const SPARSE_BITS = 25
const SPARSE_MASK = (1 << SPARSE_BITS) - 1
const SPARSE_BUCKETS = 2 ** SPARSE_BITS
const FORMAT_VERSION = 1
/** 2^-r for every register value r (0..64). */
const INVERSE_POWERS = Float64Array.from({ length: 65 }, (_, r) => 2 ** -r)

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x)
}

/** A mergeable, serializable HyperLogLog distinct counter. */
export class HyperLogLog {
  readonly precision: number
  readonly seed: number
  readonly keyEncoding: HllKeyEncoding
  readonly #m: number
  readonly #hash: Hash64
  readonly #histogram = new Int32Array(66)
  #registers: Uint8Array | null = null
  // Sparse table: open addressing on the 25-bit index, each slot index25·64 + rank25 (0 = empty).
  #sparse: Uint32Array | null
  #sparseCount = 0
  readonly #sparseLimit: number
  // Martingale state while dense: the estimate (NaN once invalid) and Σ P(rank > R_j) over registers.
  #martingale = Number.NaN
  #changeMass = 0

  constructor(options: HyperLogLogOptions = {}) {
    const precision = options.precision ?? 14
    if (!Number.isInteger(precision) || precision < 4 || precision > 18) {
      throw new SluiceError('INVALID_ARGUMENT', `HyperLogLog precision must be an integer in 4..18, got ${precision}`)
    }
    this.precision = precision
    this.seed = (options.seed ?? REDIS_HLL_SEED) >>> 0
    this.keyEncoding = options.keyEncoding ?? 'canonical'
    this.#m = 1 << precision
    this.#hash = new Hash64(this.seed)
    this.#sparseLimit = this.#m >>> 2
    this.#sparse = new Uint32Array(16)
  }

  /** A sketch that matches Redis: p = 14, Redis's seed, keys as Redis clients send them. */
  static redis(): HyperLogLog {
    return new HyperLogLog({ precision: 14, seed: REDIS_HLL_SEED, keyEncoding: 'redis' })
  }

  /** Whether the sketch is still in its sparse (near exact) representation. */
  get isSparse(): boolean {
    return this.#sparse !== null
  }

  /** Adds a key; returns whether the sketch changed (as PFADD's 1 or 0). */
  add(key: SketchKey): boolean {
    const hash = this.#hash
    if (this.keyEncoding === 'redis' && (typeof key === 'number' || typeof key === 'boolean')) hash.string(String(key))
    else hash.key(key)
    return this.addHash(hash.hi, hash.lo)
  }

  /**
   * Whether add(key) would change the sketch, without changing it: lets a caller that treats
   * sketches as values (the streams aggregators) skip a copy when the key adds nothing.
   */
  wouldChange(key: SketchKey): boolean {
    const hash = this.#hash
    if (this.keyEncoding === 'redis' && (typeof key === 'number' || typeof key === 'boolean')) hash.string(String(key))
    else hash.key(key)
    const { hi, lo } = hash
    const registers = this.#registers
    if (registers !== null) {
      const p = this.precision
      const wLo = ((lo >>> p) | (hi << (32 - p))) >>> 0
      const rank = wLo !== 0 ? ctz(wLo) + 1 : ctz((hi >>> p) | (1 << (32 - p))) + 33
      return rank > registers[lo & (this.#m - 1)]!
    }
    const index25 = lo & SPARSE_MASK
    const wLo = ((lo >>> SPARSE_BITS) | (hi << (32 - SPARSE_BITS))) >>> 0
    const rank25 = wLo !== 0 ? ctz(wLo) + 1 : ctz((hi >>> SPARSE_BITS) | (1 << (32 - SPARSE_BITS))) + 33
    const table = this.#sparse!
    const mask = table.length - 1
    for (let slot = index25 & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!
      // A new index is always a change (an insert, or the switch to dense).
      if (entry === 0) return true
      if (entry >>> 6 === index25) return rank25 > (entry & 63)
    }
  }

  /** Adds an already computed 64-bit hash (hi:lo, unsigned 32-bit halves) made with this sketch's seed. */
  addHash(hi: number, lo: number): boolean {
    const registers = this.#registers
    if (registers !== null) {
      // Dense: register = low p bits; rank = trailing zeros of (hash >>> p | 1 << (64 - p)) + 1.
      const p = this.precision
      const index = lo & (this.#m - 1)
      const wLo = ((lo >>> p) | (hi << (32 - p))) >>> 0
      const rank = wLo !== 0 ? ctz(wLo) + 1 : ctz((hi >>> p) | (1 << (32 - p))) + 33
      const old = registers[index]!
      if (rank <= old) return false
      registers[index] = rank
      // Martingale step: this key changed a register with probability changeMass / m.
      this.#martingale += this.#m / this.#changeMass
      this.#changeMass += this.#survival(rank) - this.#survival(old)
      return true
    }
    const wLo = ((lo >>> SPARSE_BITS) | (hi << (32 - SPARSE_BITS))) >>> 0
    const rank = wLo !== 0 ? ctz(wLo) + 1 : ctz((hi >>> SPARSE_BITS) | (1 << (32 - SPARSE_BITS))) + 33
    return this.#sparseInsert(lo & SPARSE_MASK, rank)
  }

  #sparseInsert(index25: number, rank25: number): boolean {
    let table = this.#sparse!
    let mask = table.length - 1
    let slot = index25 & mask
    for (;;) {
      const entry = table[slot]!
      if (entry === 0) break
      if (entry >>> 6 === index25) {
        if (rank25 <= (entry & 63)) return false
        table[slot] = index25 * 64 + rank25
        return true
      }
      slot = (slot + 1) & mask
    }
    if (this.#sparseCount + 1 > this.#sparseLimit) {
      // The martingale starts from the (near exact) sparse count and goes on from here.
      const start = this.estimate()
      this.#toDense()
      this.#startMartingale(start)
      const index = index25 & (this.#m - 1)
      const old = this.#registers![index]!
      this.#denseApply(index25, rank25)
      const rank = this.#registers![index]!
      if (rank !== old) {
        this.#martingale += this.#m / this.#changeMass
        this.#changeMass += this.#survival(rank) - this.#survival(old)
      }
      return true
    }
    table[slot] = index25 * 64 + rank25
    this.#sparseCount++
    if (this.#sparseCount * 2 > table.length) {
      // Keep the load factor at most 1/2 so probes stay short.
      const old = table
      table = new Uint32Array(old.length * 2)
      mask = table.length - 1
      for (const moved of old) {
        if (moved === 0) continue
        let s = (moved >>> 6) & mask
        while (table[s] !== 0) s = (s + 1) & mask
        table[s] = moved
      }
      this.#sparse = table
    }
    return true
  }

  /** Applies one sparse entry (25-bit index and its rank) to the dense registers. */
  #denseApply(index25: number, rank25: number): void {
    const p = this.precision
    const upper = index25 >>> p
    const rank = upper !== 0 ? ctz(upper) + 1 : SPARSE_BITS - p + rank25
    const index = index25 & (this.#m - 1)
    if (rank > this.#registers![index]!) this.#registers![index] = rank
  }

  /** P(a new key's rank exceeds r): 2^-r, but 0 at the cap q + 1. */
  #survival(r: number): number {
    return r > 64 - this.precision ? 0 : INVERSE_POWERS[r]!
  }

  #startMartingale(start: number): void {
    let mass = 0
    for (const r of this.#registers!) mass += this.#survival(r)
    this.#changeMass = mass
    this.#martingale = start
  }

  #toDense(): void {
    if (this.#registers !== null) return
    this.#registers = new Uint8Array(this.#m)
    for (const entry of this.#sparse!) if (entry !== 0) this.#denseApply(entry >>> 6, entry & 63)
    this.#sparse = null
    this.#sparseCount = 0
  }

  /** The estimated number of distinct keys added (sparse: linear counting; dense: martingale if unmerged, else Ertl). */
  estimate(): number {
    if (this.#registers === null) return linearCount(SPARSE_BUCKETS, this.#sparseCount)
    if (!Number.isNaN(this.#martingale)) return this.#martingale
    return ertlEstimate(this.#registers, this.precision, this.#histogram)
  }

  /** Ertl's estimate from the dense registers alone, whatever the history: what Redis's PFCOUNT computes. */
  registerEstimate(): number {
    return ertlEstimate(this.#registers ?? this.registers(), this.precision, this.#histogram)
  }

  /** Whether estimate() uses the martingale estimator (dense, and never merged into or read from registers). */
  get hasMartingale(): boolean {
    return this.#registers !== null && !Number.isNaN(this.#martingale)
  }

  /** Merges another sketch into this one (register max): afterwards it estimates the union. */
  merge(other: HyperLogLog): this {
    if (other.precision !== this.precision || other.seed !== this.seed || other.keyEncoding !== this.keyEncoding) {
      throw new SluiceError('INVALID_ARGUMENT', `cannot merge HyperLogLogs with different precision, seed or key encoding (p ${this.precision}/${other.precision}, seed ${this.seed}/${other.seed}, keys ${this.keyEncoding}/${other.keyEncoding})`)
    }
    if (other.#sparse !== null) {
      for (const entry of other.#sparse) {
        if (entry === 0) continue
        if (this.#registers === null) this.#sparseInsert(entry >>> 6, entry & 63)
        else this.#denseApply(entry >>> 6, entry & 63)
      }
      // A dense result no longer has one stream's history behind it.
      if (this.#registers !== null) this.#martingale = Number.NaN
      return this
    }
    this.#toDense()
    this.#martingale = Number.NaN
    const mine = this.#registers!
    const theirs = other.#registers!
    for (let i = 0; i < mine.length; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!
    return this
  }

  /** A copy of the dense registers (computed from the sparse entries while sparse). */
  registers(): Uint8Array {
    if (this.#registers !== null) return this.#registers.slice()
    const copy = this.clone()
    copy.#toDense()
    return copy.#registers!
  }

  /** An independent copy. */
  clone(): HyperLogLog {
    const copy = new HyperLogLog({ precision: this.precision, seed: this.seed, keyEncoding: this.keyEncoding })
    copy.#registers = this.#registers === null ? null : this.#registers.slice()
    copy.#sparse = this.#sparse === null ? null : this.#sparse.slice()
    copy.#sparseCount = this.#sparseCount
    copy.#martingale = this.#martingale
    copy.#changeMass = this.#changeMass
    return copy
  }

  /** Sluice's serialized form (layout at the top of this file). */
  serialize(): Buffer {
    const sparse = this.#sparse
    const writer = new SketchWriter(SKETCH_KIND.hyperLogLog, FORMAT_VERSION, sparse === null ? packedRegisterBytes(this.#m) + 8 : this.#sparseCount * 4 + 16)
    writer.u8(this.precision).u8(this.keyEncoding === 'redis' ? 1 : 0).u32(this.seed)
    if (sparse === null) {
      const packed = new Uint8Array(packedRegisterBytes(this.#m))
      packRegisters(this.#registers!, packed, 0)
      return writer.u8(0).f64(this.#martingale).bytes(packed).finish()
    }
    const entries = sparse.filter((entry) => entry !== 0).sort()
    writer.u8(1).f64(Number.NaN).varint(entries.length)
    let previous = 0
    for (const entry of entries) {
      writer.varint(entry - previous)
      previous = entry
    }
    return writer.finish()
  }

  /** Reads a sketch written by serialize(). */
  static deserialize(bytes: Uint8Array): HyperLogLog {
    const reader = new SketchReader(bytes, SKETCH_KIND.hyperLogLog, FORMAT_VERSION)
    const precision = reader.u8()
    if (precision < 4 || precision > 18) throw corruptSketch(`HyperLogLog precision ${precision}`)
    const encodingByte = reader.u8()
    if (encodingByte > 1) throw corruptSketch(`HyperLogLog key encoding ${encodingByte}`)
    const sketch = new HyperLogLog({ precision, seed: reader.u32(), keyEncoding: encodingByte === 1 ? 'redis' : 'canonical' })
    const representation = reader.u8()
    const martingale = reader.f64()
    if (!(Number.isNaN(martingale) || (martingale >= 0 && martingale < Infinity))) throw corruptSketch(`HyperLogLog martingale estimate ${martingale}`)
    if (representation === 0) {
      const registers = unpackRegisters(reader.bytes(packedRegisterBytes(sketch.#m)), 0, sketch.#m)
      for (const value of registers) if (value > 65 - precision) throw corruptSketch(`HyperLogLog register ${value} above ${65 - precision}`)
      sketch.#registers = registers
      sketch.#sparse = null
      if (!Number.isNaN(martingale)) sketch.#startMartingale(martingale)
    } else if (representation === 1) {
      const count = reader.varint()
      if (count > sketch.#sparseLimit) throw corruptSketch(`${count} sparse entries, limit ${sketch.#sparseLimit}`)
      let entry = 0
      for (let i = 0; i < count; i++) {
        const delta = reader.varint()
        entry += delta
        if ((delta === 0 && i > 0) || entry >= 2 ** 31) throw corruptSketch('sparse entries not strictly increasing')
        const rank25 = entry & 63
        if (rank25 < 1 || rank25 > 64 - SPARSE_BITS + 1) throw corruptSketch(`sparse rank ${rank25}`)
        if (i > 0 && (entry >>> 6) === ((entry - delta) >>> 6)) throw corruptSketch('sparse index repeated')
        sketch.#sparseInsert(entry >>> 6, rank25)
      }
    } else {
      throw corruptSketch(`HyperLogLog representation ${representation}`)
    }
    reader.end()
    return sketch
  }

  /** Redis's dense HYLL string of this sketch (SET it, then PFCOUNT); needs p = 14 and Redis's seed. */
  toRedis(): Buffer {
    if (this.precision !== 14 || this.seed !== REDIS_HLL_SEED) {
      throw new SluiceError('INVALID_ARGUMENT', 'only a HyperLogLog with precision 14 and Redis\'s seed has a Redis form (use HyperLogLog.redis())')
    }
    return encodeRedisDense(this.registers())
  }

  /** A sketch from a Redis HYLL string (GET of a PFADD key), dense or sparse. */
  static fromRedis(bytes: Uint8Array): HyperLogLog {
    const sketch = HyperLogLog.redis()
    const registers = decodeRedisHll(bytes)
    if (registers.length !== REDIS_HLL_REGISTERS) throw corruptSketch('Redis register count')
    sketch.#registers = registers
    sketch.#sparse = null
    return sketch
  }
}
