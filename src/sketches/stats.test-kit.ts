// Statistics for the sketches' tests (and benchmarks): a fixed-seed Random (statistical tests must
// not flake, so each has a default seed; SEED= replays or explores), Pearson's chi-square with its
// p-value from the regularized upper incomplete gamma function, and small helpers. Written from
// the textbook definitions (series for x < a+1, Lentz's continued fraction otherwise).
import { Random } from '../base/random.ts'

/** A Random seeded from SEED if set, else from `defaultSeed`; prints the seed so a run can be replayed. */
export function seededRandom(label: string, defaultSeed: number): Random {
  const fromEnv = process.env['SEED']
  const random = new Random(fromEnv === undefined ? defaultSeed : Number(fromEnv))
  process.stderr.write(`# ${label}: SEED=${random.seed}\n`)
  return random
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  x -= 1
  let a = c[0]!
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Q(a, x) = Γ(a, x) / Γ(a), the upper tail of the gamma distribution. */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  const logPrefix = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let term = 1 / a
    let sum = term
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break
    }
    return 1 - sum * Math.exp(logPrefix)
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(logPrefix) * h
}

/** The p-value of a chi-square statistic with `degreesOfFreedom`. */
export function chiSquarePValue(statistic: number, degreesOfFreedom: number): number {
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2)
}

/** Pearson's statistic Σ (observed - expected)² / expected. */
export function pearson(observed: ArrayLike<number>, expected: ArrayLike<number>): number {
  let statistic = 0
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!
    statistic += (observed[i]! - e) ** 2 / e
  }
  return statistic
}

/** Binomial coefficient C(n, k) as a float (exact for the small values the tests use). */
export function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0
  let result = 1
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i
  return result
}

/** Draws key indexes 0..keys-1 with P(i) ∝ 1/(i+1)^exponent (a Zipf stream), by inverse CDF. */
export class Zipf {
  readonly #cdf: Float64Array

  constructor(keys: number, exponent: number) {
    this.#cdf = new Float64Array(keys)
    let sum = 0
    for (let i = 0; i < keys; i++) this.#cdf[i] = sum += 1 / (i + 1) ** exponent
    for (let i = 0; i < keys; i++) this.#cdf[i]! /= sum
  }

  /** One key index. */
  next(random: Random): number {
    const u = random.float()
    let low = 0
    let high = this.#cdf.length - 1
    while (low < high) {
      const mid = (low + high) >> 1
      if (this.#cdf[mid]! < u) low = mid + 1
      else high = mid
    }
    return low
  }
}
