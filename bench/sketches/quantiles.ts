// Quantiles: DDSketch and KLL insert rates and accuracy on a million log-normal values, beside
// the exact answer (copy into a Float64Array and sort) — the bloom-filters package has no quantile
// sketch. Informational: the issue sets no throughput target for quantiles.
import { Random } from '../../src/base/random.ts'
import { DDSketch } from '../../src/sketches/ddsketch.ts'
import { KllSketch } from '../../src/sketches/kll.ts'
import { bestOfInterleaved, rate, report, trial } from '../harness.ts'
import { benchSeed } from './keys.ts'

/** The quantile sketches benchmark. */
export const quantilesBenchmark = {
  name: 'sketch-quantiles',
  description: 'DDSketch (α=1%) and KLL (k=200): inserts/s, value and rank error at p50/p99/p99.9 on 1 M log-normal values vs exact sort (informational)',
  async run(): Promise<void> {
    const random = new Random(benchSeed())
    const values = new Float64Array(1_000_000)
    for (let i = 0; i < values.length; i++) values[i] = Math.exp(2 * Math.sqrt(-2 * Math.log(1 - random.float())) * Math.cos(2 * Math.PI * random.float()))
    const sorted = values.slice().sort()
    const exactAt = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))]!
    type QuantileSketch = DDSketch | KllSketch
    const sketches: { name: string; make: () => QuantileSketch; add: (s: QuantileSketch, v: number) => void }[] = [
      { name: 'DDSketch α=1%', make: () => new DDSketch(), add: (s, v) => s.add(v) },
      { name: 'KLL k=200', make: () => new KllSketch(200, random), add: (s, v) => s.add(v) },
    ]
    for (const sketch of sketches) {
      let last: QuantileSketch = sketch.make()
      const best = await bestOfInterleaved(
        3,
        trial(sketch.make, (s) => { for (let i = 0; i < values.length; i++) sketch.add(s, values[i]!); last = s }, () => {}),
        trial(() => null, () => { values.slice().sort() }, () => {}),
      )
      // Value error (what DDSketch bounds) and rank error (what KLL bounds) at three quantiles.
      const rankOf = (value: number): number => {
        let low = 0
        let high = sorted.length
        while (low < high) {
          const mid = (low + high) >> 1
          if (sorted[mid]! <= value) low = mid + 1
          else high = mid
        }
        return low / sorted.length
      }
      const errors = [0.5, 0.99, 0.999].map((q) => `p${q * 100} value ${(((last.quantile(q) - exactAt(q)) / exactAt(q)) * 100).toFixed(2)}% rank ${((rankOf(last.quantile(q)) - q) * 100).toFixed(3)}%`)
      report({
        name: `${sketch.name} inserts`,
        figure: `${rate(values.length, best.subject, 'values/s')}; error ${errors.join(', ')}`,
        baseline: `exact copy+sort ${rate(values.length, best.baseline, 'values/s')}`,
        ratio: best.baseline / best.subject,
        target: 'informational',
        pass: null,
      })
    }
  },
}
