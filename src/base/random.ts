// Seeded pseudo-random numbers (xoshiro128**), so property tests and fuzzers can print their seed
// and replay a failure with SEED=<n>. Not for cryptography.

/** A seeded, replayable source of random numbers. */
export class Random {
  readonly seed: number
  #s0: number
  #s1: number
  #s2: number
  #s3: number

  constructor(seed: number = (Math.random() * 2 ** 32) >>> 0) {
    this.seed = seed >>> 0
    // splitmix32 spreads one 32-bit seed over the four words of state.
    let x = this.seed
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#s0 = next()
    this.#s1 = next()
    this.#s2 = next()
    this.#s3 = next()
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0
    const t = this.#s1 << 9
    this.#s2 ^= this.#s0
    this.#s3 ^= this.#s1
    this.#s1 ^= this.#s2
    this.#s0 ^= this.#s3
    this.#s2 ^= t
    this.#s3 = rotl(this.#s3, 11)
    return result
  }

  /** A uniform float in [0, 1) with 53 bits of randomness. */
  float(): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 9007199254740992
  }

  /** A uniform integer in [min, max). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min))
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p
  }

  /** A buffer of `length` random bytes. */
  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length)
    for (let i = 0; i < length; i++) out[i] = this.uint32() & 0xff
    return out
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length)] as T
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/** A Random seeded from the SEED environment variable if set, else randomly; prints the seed. */
export function randomFromEnv(label: string): Random {
  const fromEnv = process.env['SEED']
  const random = new Random(fromEnv === undefined ? undefined : Number(fromEnv))
  process.stderr.write(`# ${label}: SEED=${random.seed}\n`)
  return random
}
