// 64-bit hashing for every sketch: MurmurHash64A (the 64-bit MurmurHash2 that Redis's HyperLogLog
// uses) over a defined canonical encoding of keys, computed with 32-bit halves because BigInt is
// an order of magnitude too slow for millions of updates per second. Sketches read the two halves
// (`hi`, `lo`) of a `Hash64` they own; nothing here allocates per call.
//
// Canonical encoding (what bytes a key hashes as):
//   string      its UTF-8 bytes; an unpaired surrogate becomes U+FFFD (EF BF BD), as TextEncoder
//               does, so every string has exactly one encoding. A string and the Buffer of its
//               UTF-8 bytes hash alike (a key counts once however it arrives).
//   Uint8Array  its bytes as they are.
//   number      9 bytes: 0xF8, then the IEEE-754 float64 little-endian, with -0 written as 0 and
//               every NaN as 0x7FF8000000000000. 1 and 1.5 differ; 1 and 1.0 are the same number.
//   boolean     2 bytes: 0xF9, then 0 or 1.
// 0xF8 and 0xF9 never occur in UTF-8, so no string collides with a number or boolean by encoding.

/** A key any sketch accepts; see the canonical encoding at the top of hash.ts. */
export type SketchKey = string | number | boolean | Uint8Array

/** The MurmurHash64A seed Redis's HyperLogLog uses; Sluice's sketches default to it too. */
export const REDIS_HLL_SEED = 0xadc83b19

const NUMBER_TAG = 0xf8
const BOOLEAN_TAG = 0xf9

// m = 0xc6a4a7935bd1e995 split for 32-bit arithmetic: high and low words, and the low word's two
// 16-bit halves (a full 32×32-bit product needs 16-bit pieces to stay exact in doubles).
const M_HI = 0xc6a4a793
const M_LO = 0x5bd1e995
const M_LO0 = M_LO & 0xffff
const M_LO1 = M_LO >>> 16

// The 64-bit state lives in local variables (hh:hl) inside each hashing loop, and the only helper,
// mulHi, is a pure function V8 inlines: keeping the state in module variables or an object measured
// four times slower (context-slot loads and stores on every step), ~5 M instead of ~20 M hashes/s.

/** High 32 bits of (hi:lo) * m mod 2^64; the low 32 bits are Math.imul(lo, M_LO). */
function mulHi(hi: number, lo: number): number {
  const a0 = lo & 0xffff
  const a1 = lo >>> 16
  const p00 = a0 * M_LO0
  const p01 = a0 * M_LO1
  const p10 = a1 * M_LO0
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
  return (a1 * M_LO1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0
}

/** Writes MurmurHash64A's final avalanche of hh:hl into out. */
function finish(out: Hash64, hh: number, hl: number): void {
  hl = (hl ^ (hh >>> 15)) >>> 0
  const hi = mulHi(hh, hl)
  out.hi = hi
  out.lo = (Math.imul(hl, M_LO) ^ (hi >>> 15)) >>> 0
}

// UTF-8 scratch for non-ASCII strings, grown on demand: encoding into it avoids a Buffer per key.
let scratch = Buffer.allocUnsafe(1024)
const numberView = new DataView(new ArrayBuffer(8))

/** A reusable 64-bit MurmurHash64A hasher: each call overwrites `hi` and `lo` (unsigned 32-bit halves). */
export class Hash64 {
  /** High 32 bits of the last hash. */
  hi = 0
  /** Low 32 bits of the last hash. */
  lo = 0
  /** The 32-bit seed; sketches must share it to be merged. */
  readonly seed: number

  constructor(seed: number = REDIS_HLL_SEED) {
    this.seed = seed >>> 0
  }

  /** Hashes a key by its canonical encoding. */
  key(key: SketchKey): this {
    if (typeof key === 'string') return this.string(key)
    if (typeof key === 'number') return this.number(key)
    if (typeof key === 'boolean') {
      const hh = mulHi(0, 2)
      const hl = (Math.imul(2, M_LO) ^ this.seed ^ BOOLEAN_TAG ^ ((key ? 1 : 0) << 8)) >>> 0
      finish(this, mulHi(hh, hl), Math.imul(hl, M_LO) >>> 0)
      return this
    }
    return this.bytes(key, 0, key.length)
  }

  /** Hashes a string's UTF-8 bytes (unpaired surrogates as U+FFFD). */
  string(text: string): this {
    // Fast path: hash char codes directly, assuming ASCII (the UTF-8 length is then the string
    // length, which MurmurHash64A needs before the first block); any code >= 0x80 seen on the way
    // abandons this pass for the encoder.
    const length = text.length
    let hh = mulHi(0, length)
    let hl = (Math.imul(length, M_LO) ^ this.seed) >>> 0
    let seen = 0
    const blockEnd = length - (length & 7)
    let i = 0
    for (; i < blockEnd; i += 8) {
      const c0 = text.charCodeAt(i), c1 = text.charCodeAt(i + 1), c2 = text.charCodeAt(i + 2), c3 = text.charCodeAt(i + 3)
      const c4 = text.charCodeAt(i + 4), c5 = text.charCodeAt(i + 5), c6 = text.charCodeAt(i + 6), c7 = text.charCodeAt(i + 7)
      seen |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7
      // k = block; k *= m; k ^= k >> 47; k *= m; h ^= k; h *= m
      const kl = (c0 | (c1 << 8) | (c2 << 16) | (c3 << 24)) >>> 0
      const kh = (c4 | (c5 << 8) | (c6 << 16) | (c7 << 24)) >>> 0
      const xh = mulHi(kh, kl)
      const xl = (Math.imul(kl, M_LO) ^ (xh >>> 15)) >>> 0
      hh = (hh ^ mulHi(xh, xl)) >>> 0
      hl = (hl ^ Math.imul(xl, M_LO)) >>> 0
      const nh = mulHi(hh, hl)
      hl = Math.imul(hl, M_LO) >>> 0
      hh = nh
    }
    if (i < length) {
      let th = 0
      let tl = 0
      for (let j = 0; i < length; i++, j++) {
        const c = text.charCodeAt(i)
        seen |= c
        if (j < 4) tl |= c << (8 * j)
        else th |= c << (8 * (j - 4))
      }
      hh = (hh ^ th) >>> 0
      hl = (hl ^ tl) >>> 0
      const nh = mulHi(hh, hl)
      hl = Math.imul(hl, M_LO) >>> 0
      hh = nh
    }
    if (seen < 0x80) {
      finish(this, hh, hl)
      return this
    }
    if (scratch.length < length * 3) scratch = Buffer.allocUnsafe(length * 3)
    const written = scratch.write(text, 0, 'utf8')
    return this.bytes(scratch, 0, written)
  }

  /** Hashes a number by its canonical 9-byte encoding (tag, float64 LE; -0 as 0, one NaN). */
  number(value: number): this {
    numberView.setFloat64(0, value === 0 ? 0 : value, true)
    let lo = numberView.getUint32(0, true)
    let hi = numberView.getUint32(4, true)
    if (value !== value) {
      hi = 0x7ff80000
      lo = 0
    }
    let hh = mulHi(0, 9)
    let hl = (Math.imul(9, M_LO) ^ this.seed) >>> 0
    const kl = (NUMBER_TAG | (lo << 8)) >>> 0
    const kh = ((lo >>> 24) | (hi << 8)) >>> 0
    const xh = mulHi(kh, kl)
    const xl = (Math.imul(kl, M_LO) ^ (xh >>> 15)) >>> 0
    hh = (hh ^ mulHi(xh, xl)) >>> 0
    hl = (hl ^ Math.imul(xl, M_LO)) >>> 0
    let nh = mulHi(hh, hl)
    hl = (Math.imul(hl, M_LO) ^ (hi >>> 24)) >>> 0 // h *= m, then the tail byte: h ^= byte 8
    hh = nh
    nh = mulHi(hh, hl)
    finish(this, nh, Math.imul(hl, M_LO) >>> 0)
    return this
  }

  /** Hashes bytes[start, end) as they are. */
  bytes(bytes: Uint8Array, startIndex = 0, end = bytes.length): this {
    const length = end - startIndex
    let hh = mulHi(0, length)
    let hl = (Math.imul(length, M_LO) ^ this.seed) >>> 0
    const blockEnd = startIndex + length - (length & 7)
    let i = startIndex
    for (; i < blockEnd; i += 8) {
      const kl = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0
      const kh = (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)) >>> 0
      const xh = mulHi(kh, kl)
      const xl = (Math.imul(kl, M_LO) ^ (xh >>> 15)) >>> 0
      hh = (hh ^ mulHi(xh, xl)) >>> 0
      hl = (hl ^ Math.imul(xl, M_LO)) >>> 0
      const nh = mulHi(hh, hl)
      hl = Math.imul(hl, M_LO) >>> 0
      hh = nh
    }
    if (i < end) {
      let th = 0
      let tl = 0
      for (let j = 0; i < end; i++, j++) {
        if (j < 4) tl |= bytes[i]! << (8 * j)
        else th |= bytes[i]! << (8 * (j - 4))
      }
      hh = (hh ^ th) >>> 0
      hl = (hl ^ tl) >>> 0
      const nh = mulHi(hh, hl)
      hl = Math.imul(hl, M_LO) >>> 0
      hh = nh
    }
    finish(this, hh, hl)
    return this
  }

  /** The last hash as a BigInt (for tests and debugging; too slow for hot paths). */
  toBigInt(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo)
  }
}

/** The canonical encoding of a key as bytes (allocates; for tests, serialization and docs). */
export function canonicalBytes(key: SketchKey): Uint8Array {
  if (typeof key === 'string') return Buffer.from(key, 'utf8')
  if (typeof key === 'boolean') return Uint8Array.of(BOOLEAN_TAG, key ? 1 : 0)
  if (typeof key === 'number') {
    const out = Buffer.alloc(9)
    out[0] = NUMBER_TAG
    if (key !== key) out.writeUInt32LE(0x7ff80000, 5)
    else out.writeDoubleLE(key === 0 ? 0 : key, 1)
    return out
  }
  return key
}
