// Reservoir sampling: pass-through rate of Algorithm L (target >= 20 M items/s: once the reservoir
// is full it draws only for the items it takes), beside Algorithm R (one draw per item) on the same
// stream — the bloom-filters package has no sampler, so R is the same-run baseline; then a first-
// order chi-square over a longer stream than the tests use (target p >= 1e-6).
import { Random } from '../../src/base/random.ts'
import { Reservoir } from '../../src/sketches/reservoir.ts'
import { chiSquarePValue, pearson } from '../../src/sketches/stats.test-kit.ts'
import { bestOfInterleaved, rate, report, trial } from '../harness.ts'
import { benchSeed } from './keys.ts'

const ITEMS = 50_000_000
const CAPACITY = 1000

/** The reservoir benchmark. */
export const reservoirBenchmark = {
  name: 'sketch-reservoir',
  description: `Reservoir k=${CAPACITY}: pass-through items/s of Algorithm L vs Algorithm R over ${ITEMS / 1e6} M items; first-order chi-square (targets >= 20 M items/s, p >= 1e-6)`,
  async run(): Promise<void> {
    const random = new Random(benchSeed())
    const items = Array.from({ length: 1 << 16 }, (_, i) => ({ offset: i, value: `v${i}` }))
    const mask = items.length - 1
    const best = await bestOfInterleaved(
      3,
      trial(() => new Reservoir<object>(CAPACITY, random, 'L'), (r) => { for (let i = 0; i < ITEMS; i++) r.offer(items[i & mask]!) }, () => {}),
      trial(() => new Reservoir<object>(CAPACITY, random, 'R'), (r) => { for (let i = 0; i < ITEMS; i++) r.offer(items[i & mask]!) }, () => {}),
    )
    report({
      name: 'Reservoir L pass-through',
      figure: rate(ITEMS, best.subject, 'items/s'),
      baseline: `Algorithm R ${rate(ITEMS, best.baseline, 'items/s')}`,
      ratio: best.baseline / best.subject,
      target: '>= 20 M items/s',
      pass: ITEMS / best.subject >= 20e6,
    })

    const n = 10_000
    const k = 100
    const trials = 4000
    const counts = new Float64Array(n)
    for (let t = 0; t < trials; t++) {
      const reservoir = new Reservoir<number>(k, random, 'L')
      for (let i = 0; i < n; i++) reservoir.offer(i)
      for (const i of reservoir.sample()) counts[i]!++
    }
    const p = k / n
    const statistic = (pearson(counts, new Float64Array(n).fill(trials * p)) * (n - 1)) / (n * (1 - p))
    const pValue = chiSquarePValue(statistic, n - 1)
    report({
      name: 'Reservoir L inclusion chi-square',
      figure: `n=${n} k=${k} ${trials} trials: statistic ${statistic.toFixed(0)} on ${n - 1} df, p = ${pValue.toExponential(2)}`,
      baseline: '-',
      ratio: Number.NaN,
      target: 'p >= 1e-6',
      pass: pValue >= 1e-6,
    })
  },
}
