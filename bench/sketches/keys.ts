// Shared inputs and helpers of the sketch benchmarks: deterministic 24-character string keys (the
// issue's key shape), the bloom-filters package (the same-run baseline, CommonJS, loaded once), and
// a statistics line for error sweeps. Seeds are fixed so runs compare; SEED= changes them.
import bloomFilters from 'bloom-filters'
import { Random } from '../../src/base/random.ts'

/** The bloom-filters package's classes (the baseline of every sketch benchmark). */
export const baseline = bloomFilters

/** The seed of this run's inputs: SEED if set, else a fixed one. */
export function benchSeed(): number {
  return Number(process.env['SEED'] ?? 20_240_905)
}

/** `count` distinct 24-character ASCII keys, e.g. 'evt:0000001f2a:9c3b71d0x'; `tag` separates key sets. */
export function makeKeys(count: number, tag: string, random = new Random(benchSeed())): string[] {
  const keys = new Array<string>(count)
  const prefix = `${tag}:`.padEnd(4, '_').slice(0, 4)
  for (let i = 0; i < count; i++) keys[i] = `${prefix}${i.toString(16).padStart(10, '0')}:${random.uint32().toString(16).padStart(8, '0')}x`
  return keys
}

/**
 * How many keys the bloom-filters baseline gets: it runs 20 to 500 times slower than the sketches
 * here (its HyperLogLog about 6 k updates/s, its Bloom filter and Count-Min about 150 k/s on this
 * kind of key), so it measures its rate on a prefix of the same keys rather than all of them.
 */
export const BASELINE_KEYS = { hyperLogLog: 10_000, other: 100_000 } as const

/** Rate ratio subject/baseline from two (count, seconds) measurements. */
export function rateRatio(subjectCount: number, subjectSeconds: number, baselineCount: number, baselineSeconds: number): number {
  return subjectCount / subjectSeconds / (baselineCount / baselineSeconds)
}

/** Mean and standard deviation of a list of numbers. */
export function meanAndDeviation(values: readonly number[]): { mean: number; deviation: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1)
  return { mean, deviation: Math.sqrt(variance) }
}

/** '0.812%' style percentage. */
export function percent(value: number, digits = 3): string {
  return `${(value * 100).toFixed(digits)}%`
}
