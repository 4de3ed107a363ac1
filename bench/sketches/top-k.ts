// Top-k: Space-Saving updates/s and top-10 recall on a Zipf stream of 24-character keys, beside the
// bloom-filters package's TopK (a Count-Min sketch plus a heap) on the same stream. Informational:
// the issue sets no target for top-k.
import { Random } from '../../src/base/random.ts'
import { SpaceSaving } from '../../src/sketches/space-saving.ts'
import { Zipf } from '../../src/sketches/stats.test-kit.ts'
import { bestOfInterleaved, rate, report, trial } from '../harness.ts'
import { BASELINE_KEYS, baseline, benchSeed, makeKeys, rateRatio } from './keys.ts'

/** The top-k benchmark. */
export const topKBenchmark = {
  name: 'sketch-top-k',
  description: 'Space-Saving k=100: updates/s and top-10 recall on a Zipf(1.1) stream vs bloom-filters TopK (informational)',
  async run(): Promise<void> {
    const random = new Random(benchSeed())
    const distinct = makeKeys(100_000, 'top', random)
    const zipf = new Zipf(distinct.length, 1.1)
    const stream = Array.from({ length: 1_000_000 }, () => distinct[zipf.next(random)]!)
    const baselineStream = stream.slice(0, BASELINE_KEYS.other)
    let ours = new SpaceSaving<string>(100)
    let theirs = new baseline.TopK(100, 0.001, 0.01)
    const best = await bestOfInterleaved(
      2,
      trial(() => new SpaceSaving<string>(100), (summary) => { for (const key of stream) summary.add(key); ours = summary }, () => {}),
      trial(() => new baseline.TopK(100, 0.001, 0.01), (topK) => { for (const key of baselineStream) topK.add(key); theirs = topK }, () => {}),
    )
    const truth = new Map<string, number>()
    for (const key of stream) truth.set(key, (truth.get(key) ?? 0) + 1)
    const trueTop = new Set([...truth].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([key]) => key))
    const recall = ours.top(10).filter((e) => trueTop.has(e.key)).length
    const theirTruth = new Map<string, number>()
    for (const key of baselineStream) theirTruth.set(key, (theirTruth.get(key) ?? 0) + 1)
    const theirTrueTop = new Set([...theirTruth].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([key]) => key))
    const theirRecall = [...theirs.values()].slice(0, 10).filter((e) => theirTrueTop.has(e.value)).length
    report({
      name: 'Space-Saving top-k updates',
      figure: `${rate(stream.length, best.subject, 'updates/s')}, top-10 recall ${recall}/10`,
      baseline: `bloom-filters TopK ${rate(baselineStream.length, best.baseline, 'updates/s')}, recall ${theirRecall}/10 (first ${baselineStream.length} keys)`,
      ratio: rateRatio(stream.length, best.subject, baselineStream.length, best.baseline),
      target: 'informational',
      pass: null,
    })
  },
}
