// Bloom filter: adds/s and queries/s on 24-character keys (targets >= 4 M and >= 3 M per second),
// the measured false-positive rate against theory (target within ±10%) and false negatives (target
// zero), beside the bloom-filters package's BloomFilter on the same keys and the same n and p.
import { BloomFilter } from '../../src/sketches/bloom-filter.ts'
import { bestOfInterleaved, rate, report, trial } from '../harness.ts'
import { BASELINE_KEYS, baseline, makeKeys, rateRatio } from './keys.ts'

const ITEMS = 1_000_000
const RATE = 0.01

/** The Bloom filter benchmark. */
export const bloomBenchmark = {
  name: 'sketch-bloom',
  description: `Bloom filter n=${ITEMS} p=${RATE}: adds/s and queries/s vs bloom-filters; FPR vs theory (targets >= 4 M adds/s, >= 3 M queries/s, FPR within ±10%, no false negatives)`,
  async run(): Promise<void> {
    const members = makeKeys(ITEMS, 'mem')
    const others = makeKeys(4_000_000, 'oth')
    const baselineMembers = members.slice(0, BASELINE_KEYS.other)
    const baselineOthers = others.slice(0, BASELINE_KEYS.other)
    const adds = await bestOfInterleaved(
      3,
      trial(() => BloomFilter.forCapacity(ITEMS, RATE), (filter) => { for (const key of members) filter.add(key) }, () => {}),
      trial(() => baseline.BloomFilter.create(ITEMS, RATE), (filter) => { for (const key of baselineMembers) filter.add(key) }, () => {}),
    )
    report({
      name: 'Bloom adds (24-char keys)',
      figure: rate(ITEMS, adds.subject, 'adds/s'),
      baseline: `bloom-filters ${rate(baselineMembers.length, adds.baseline, 'adds/s')} (first ${baselineMembers.length} keys)`,
      ratio: rateRatio(ITEMS, adds.subject, baselineMembers.length, adds.baseline),
      target: '>= 4 M adds/s',
      pass: ITEMS / adds.subject >= 4e6,
    })

    const filter = BloomFilter.forCapacity(ITEMS, RATE)
    for (const key of members) filter.add(key)
    const theirs = baseline.BloomFilter.create(ITEMS, RATE)
    for (const key of members) theirs.add(key)
    let positives = 0
    let theirPositives = 0
    const queries = await bestOfInterleaved(
      3,
      trial(() => null, () => { positives = 0; for (const key of others) if (filter.has(key)) positives++ }, () => {}),
      trial(() => null, () => { theirPositives = 0; for (const key of baselineOthers) if (theirs.has(key)) theirPositives++ }, () => {}),
    )
    report({
      name: 'Bloom queries (absent 24-char keys)',
      figure: rate(others.length, queries.subject, 'queries/s'),
      baseline: `bloom-filters ${rate(baselineOthers.length, queries.baseline, 'queries/s')} (first ${baselineOthers.length} keys)`,
      ratio: rateRatio(others.length, queries.subject, baselineOthers.length, queries.baseline),
      target: '>= 3 M queries/s',
      pass: others.length / queries.subject >= 3e6,
    })

    let falseNegatives = 0
    for (const key of members) if (!filter.has(key)) falseNegatives++
    const measured = positives / others.length
    const theory = (1 - Math.exp((-filter.hashes * ITEMS) / filter.bits)) ** filter.hashes
    report({
      name: 'Bloom false-positive rate',
      figure: `${measured.toExponential(4)} over ${others.length} absent keys (theory ${theory.toExponential(4)}, m=${filter.bits}, k=${filter.hashes}); ${falseNegatives} false negatives`,
      baseline: `bloom-filters ${(theirPositives / baselineOthers.length).toExponential(4)} over ${baselineOthers.length}`,
      ratio: measured / theory,
      target: 'within ±10% of theory, no false negatives',
      pass: Math.abs(measured / theory - 1) <= 0.1 && falseNegatives === 0,
    })
  },
}
