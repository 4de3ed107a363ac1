// Count-Min: updates/s on 24-character Zipf-distributed keys (target >= 4 M/s) and its guarantees
// on the same stream: no estimate below the truth, and the share of keys estimated above
// true + ε·N at most δ; beside the bloom-filters package's CountMinSketch with the same ε and δ.
import { Random } from '../../src/base/random.ts'
import { CountMinSketch } from '../../src/sketches/count-min.ts'
import { Zipf } from '../../src/sketches/stats.test-kit.ts'
import { bestOfInterleaved, rate, report, trial } from '../harness.ts'
import { BASELINE_KEYS, baseline, benchSeed, makeKeys, rateRatio } from './keys.ts'

const EPSILON = 0.001
const DELTA = 0.01

/** The Count-Min benchmark. */
export const countMinBenchmark = {
  name: 'sketch-count-min',
  description: `Count-Min ε=${EPSILON} δ=${DELTA}: updates/s on a Zipf(1.1) stream of 24-char keys vs bloom-filters; undercounts and the share above true+εN (targets >= 4 M updates/s, never under, share <= δ)`,
  async run(): Promise<void> {
    const random = new Random(benchSeed())
    const distinct = makeKeys(200_000, 'cms', random)
    const zipf = new Zipf(distinct.length, 1.1)
    const stream = Array.from({ length: 2_000_000 }, () => distinct[zipf.next(random)]!)
    const baselineStream = stream.slice(0, BASELINE_KEYS.other)
    const best = await bestOfInterleaved(
      3,
      trial(() => new CountMinSketch({ epsilon: EPSILON, delta: DELTA }), (sketch) => { for (const key of stream) sketch.add(key) }, () => {}),
      trial(() => baseline.CountMinSketch.create(EPSILON, DELTA), (sketch) => { for (const key of baselineStream) sketch.update(key) }, () => {}),
    )
    report({
      name: 'Count-Min updates (24-char Zipf keys)',
      figure: rate(stream.length, best.subject, 'updates/s'),
      baseline: `bloom-filters ${rate(baselineStream.length, best.baseline, 'updates/s')} (first ${baselineStream.length} keys)`,
      ratio: rateRatio(stream.length, best.subject, baselineStream.length, best.baseline),
      target: '>= 4 M updates/s',
      pass: stream.length / best.subject >= 4e6,
    })

    for (const conservative of [false, true]) {
      const sketch = new CountMinSketch({ epsilon: EPSILON, delta: DELTA, conservative })
      const truth = new Map<string, number>()
      for (const key of stream) {
        sketch.add(key)
        truth.set(key, (truth.get(key) ?? 0) + 1)
      }
      // The baseline's guarantee check runs on the prefix it can afford.
      let theirOver = 0
      const theirs = baseline.CountMinSketch.create(EPSILON, DELTA)
      const theirTruth = new Map<string, number>()
      for (const key of baselineStream) {
        theirs.update(key)
        theirTruth.set(key, (theirTruth.get(key) ?? 0) + 1)
      }
      for (const [key, count] of theirTruth) if (theirs.count(key) > count + EPSILON * baselineStream.length) theirOver++
      let under = 0
      let over = 0
      let overcount = 0
      for (const [key, count] of truth) {
        const estimate = sketch.estimate(key)
        if (estimate < count) under++
        if (estimate > count + EPSILON * stream.length) over++
        overcount += estimate - count
      }
      report({
        name: `Count-Min guarantees${conservative ? ' (conservative update)' : ''}`,
        figure: `${under} undercounts; ${over} of ${truth.size} keys above true+εN (share ${(over / truth.size).toExponential(2)}); mean overcount ${(overcount / truth.size).toFixed(2)} (εN = ${EPSILON * stream.length})`,
        baseline: `bloom-filters share above ${(theirOver / theirTruth.size).toExponential(2)} (first ${baselineStream.length} keys)`,
        ratio: over / truth.size / DELTA,
        target: 'no undercount, share <= δ (ratio: share / δ)',
        pass: under === 0 && over / truth.size <= DELTA,
      })
    }
  },
}
