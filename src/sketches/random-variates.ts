// Random variates the samplers need beyond uniform numbers: an open-interval uniform (for logs), a
// standard normal (Box–Muller), a gamma (Marsaglia & Tsang 2000, with the shape < 1 boost), and a
// beta as a ratio of gammas. All draw from a seeded `Random` so samples replay with SEED=.
import type { Random } from '../base/random.ts'

/** A uniform number in (0, 1]: never 0, so its logarithm is finite. */
export function uniformOpenZero(random: Random): number {
  return 1 - random.float()
}

/** A standard normal variate (Box–Muller; one of the pair is discarded for simplicity). */
export function standardNormal(random: Random): number {
  return Math.sqrt(-2 * Math.log(uniformOpenZero(random))) * Math.cos(2 * Math.PI * random.float())
}

/** A Gamma(shape, 1) variate, shape > 0. */
export function gamma(random: Random, shape: number): number {
  if (shape < 1) return gamma(random, shape + 1) * uniformOpenZero(random) ** (1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = standardNormal(random)
    const v = (1 + c * x) ** 3
    if (v <= 0) continue
    if (Math.log(uniformOpenZero(random)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v
  }
}

/** A Beta(a, b) variate. */
export function beta(random: Random, a: number, b: number): number {
  const x = gamma(random, a)
  return x / (x + gamma(random, b))
}
