import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import { Random } from '../base/random.ts'
import { Reservoir, type ReservoirAlgorithm } from './reservoir.ts'
import { chiSquarePValue, choose, pearson, seededRandom } from './stats.test-kit.ts'

const P_MIN = 1e-6

/**
 * First order: each of n items is in a uniform k-sample with p = k/n. Inclusion counts over T
 * trials have covariance T·p(1-p)·n/(n-1)·(I - J/n), so Pearson's statistic times (n-1)/(n(1-p))
 * is chi-square with n-1 degrees of freedom.
 */
function assertFirstOrder(label: string, n: number, k: number, trials: number, draw: () => number[]): void {
  const counts = new Float64Array(n)
  for (let t = 0; t < trials; t++) {
    const sample = draw()
    assert.equal(sample.length, k)
    assert.equal(new Set(sample).size, k, 'no item twice')
    for (const item of sample) counts[item]!++
  }
  const p = k / n
  const statistic = (pearson(counts, new Float64Array(n).fill(trials * p)) * (n - 1)) / (n * (1 - p))
  const pValue = chiSquarePValue(statistic, n - 1)
  console.log(`# ${label}: first-order chi-square ${statistic.toFixed(1)} on ${n - 1} df, p = ${pValue.toExponential(2)}`)
  assert.ok(pValue >= P_MIN, `${label}: p-value ${pValue}`)
}

/**
 * Joint distribution at group resolution: items split into `groups` equal runs of the stream; a
 * k-sample maps to how many items it takes from each run, a multinomial over those compositions
 * with P = Π C(n/G, c_g) / C(n, k). Covers second (and k-th) order inclusion across positions.
 */
function assertJoint(label: string, n: number, k: number, groups: number, trials: number, draw: () => number[]): void {
  const groupSize = n / groups
  const cells = new Map<string, { observed: number; expected: number }>()
  const compose = (counts: number[], group: number, left: number): void => {
    if (group === groups - 1) {
      const full = [...counts, left]
      const probability = full.reduce((product, c) => product * choose(groupSize, c), 1) / choose(n, k)
      cells.set(full.join(','), { observed: 0, expected: probability * trials })
      return
    }
    for (let c = 0; c <= left; c++) compose([...counts, c], group + 1, left - c)
  }
  compose([], 0, k)
  for (let t = 0; t < trials; t++) {
    const counts = new Array<number>(groups).fill(0)
    for (const item of draw()) counts[Math.floor(item / groupSize)]!++
    cells.get(counts.join(','))!.observed++
  }
  const values = [...cells.values()]
  const statistic = pearson(values.map((v) => v.observed), values.map((v) => v.expected))
  const pValue = chiSquarePValue(statistic, values.length - 1)
  console.log(`# ${label}: joint chi-square ${statistic.toFixed(1)} on ${values.length - 1} df (${groups} runs, k=${k}), p = ${pValue.toExponential(2)}`)
  assert.ok(pValue >= P_MIN, `${label}: p-value ${pValue}`)
}

/** Every k-subset of n items equally likely: a multinomial over all C(n, k) subsets. */
function assertAllSubsets(label: string, n: number, k: number, trials: number, draw: () => number[]): void {
  const observed = new Map<string, number>()
  for (let t = 0; t < trials; t++) {
    const key = draw().sort((a, b) => a - b).join(',')
    observed.set(key, (observed.get(key) ?? 0) + 1)
  }
  const cells = choose(n, k)
  assert.ok(observed.size <= cells)
  const counts = [...observed.values(), ...new Array<number>(cells - observed.size).fill(0)]
  const statistic = pearson(counts, new Float64Array(cells).fill(trials / cells))
  const pValue = chiSquarePValue(statistic, cells - 1)
  console.log(`# ${label}: all-subsets chi-square ${statistic.toFixed(1)} on ${cells - 1} df, p = ${pValue.toExponential(2)}`)
  assert.ok(pValue >= P_MIN, `${label}: p-value ${pValue}`)
}

function sampleOf(algorithm: ReservoirAlgorithm, random: Random, capacity: number, from: number, to: number): Reservoir<number> {
  const reservoir = new Reservoir<number>(capacity, random, algorithm)
  for (let i = from; i < to; i++) reservoir.offer(i)
  return reservoir
}

for (const algorithm of ['R', 'L'] as const) {
  test(`Algorithm ${algorithm}: first-order inclusion, joint inclusion across the stream, and all subsets pass chi-square at 1e-6`, () => {
    const random = seededRandom(`reservoir ${algorithm}`, algorithm === 'R' ? 6001 : 6002)
    assertFirstOrder(`${algorithm} n=1000 k=10`, 1000, 10, 20_000, () => sampleOf(algorithm, random, 10, 0, 1000).sample())
    assertJoint(`${algorithm} n=2000 k=3`, 2000, 3, 8, 30_000, () => sampleOf(algorithm, random, 3, 0, 2000).sample())
    assertAllSubsets(`${algorithm} n=12 k=4`, 12, 4, 50_000, () => sampleOf(algorithm, random, 4, 0, 12).sample())
  })
}

test('a short stream is kept whole', () => {
  const random = seededRandom('reservoir short', 6003)
  for (const algorithm of ['R', 'L'] as const) {
    assert.deepEqual(sampleOf(algorithm, random, 10, 0, 7).sample(), [0, 1, 2, 3, 4, 5, 6])
    assert.equal(sampleOf(algorithm, random, 10, 0, 7).seen, 7)
  }
  assert.throws(() => new Reservoir(0, random), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('merging reservoirs of unequal streams gives a uniform sample of the union', () => {
  const random = seededRandom('reservoir merge', 6004)
  for (const algorithm of ['R', 'L'] as const) {
    const merged = (k: number, split: number, n: number): number[] =>
      Reservoir.merge(sampleOf(algorithm, random, k, 0, split), sampleOf(algorithm, random, k, split, n), random).sample()
    assertFirstOrder(`merge ${algorithm} 300+700 k=10`, 1000, 10, 20_000, () => merged(10, 300, 1000))
    assertJoint(`merge ${algorithm} 250+750 k=3`, 1000, 3, 4, 20_000, () => merged(3, 250, 1000))
    // Reservoirs not yet full on one or both sides.
    assertAllSubsets(`merge ${algorithm} 2+5 k=4`, 7, 4, 20_000, () => merged(4, 2, 7))
    assertAllSubsets(`merge ${algorithm} 5+4 k=6`, 9, 6, 20_000, () => merged(6, 5, 9))
  }
  assert.throws(() => Reservoir.merge(new Reservoir(2, random), new Reservoir(3, random), random), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('a merged L reservoir keeps sampling uniformly (its threshold is redrawn from Beta(k, n-k+1))', () => {
  const random = seededRandom('reservoir merge then offer', 6005)
  assertFirstOrder('merge 300+300 then 400 more, k=10', 1000, 10, 20_000, () => {
    const merged = Reservoir.merge(sampleOf('L', random, 10, 0, 300), sampleOf('L', random, 10, 300, 600), random)
    for (let i = 600; i < 1000; i++) merged.offer(i)
    return merged.sample()
  })
})

test('skipping what L will not take gives the very same sample as offering everything', () => {
  const random = seededRandom('reservoir skip', 6006)
  for (let trial = 0; trial < 50; trial++) {
    const seed = random.uint32()
    const offered = sampleOf('L', new Random(seed), 20, 0, 100_000)
    const skipping = new Reservoir<number>(20, new Random(seed))
    let offers = 0
    for (let i = 0; i < 100_000; i++) {
      const skippable = skipping.skippable
      if (skippable > 0) {
        const count = Math.min(skippable, 100_000 - i)
        skipping.skip(count)
        i += count - 1
        continue
      }
      skipping.offer(i)
      offers++
    }
    assert.deepEqual(skipping.sample(), offered.sample())
    assert.equal(skipping.seen, 100_000)
    assert.ok(offers < 1000, `${offers} offers for k=20 of 100000 (about k(1 + ln(N/k)) expected)`)
  }
  const reservoir = sampleOf('L', random, 5, 0, 100)
  assert.throws(() => reservoir.skip(reservoir.skippable + 1), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('serialize and deserialize round-trip mid-stream, and the copy keeps sampling uniformly', () => {
  const random = seededRandom('reservoir serialize', 6007)
  const encode = (item: number): Uint8Array => Buffer.from(String(item))
  const decode = (bytes: Uint8Array): number => Number(Buffer.from(bytes).toString())
  for (const algorithm of ['R', 'L'] as const) {
    for (const n of [0, 3, 10, 500]) {
      const reservoir = sampleOf(algorithm, random, 10, 0, n)
      const bytes = reservoir.serialize(encode)
      const back = Reservoir.deserialize(bytes, decode, random)
      assert.deepEqual(back.sample(), reservoir.sample())
      assert.equal(back.seen, n)
      assert.equal(back.algorithm, algorithm)
      assert.deepEqual(back.serialize(encode), bytes)
      for (let cut = 0; cut < bytes.length; cut += 3) assert.throws(() => Reservoir.deserialize(bytes.subarray(0, cut), decode, random), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
    }
    assertFirstOrder(`${algorithm} serialized at 400 of 1000, k=10`, 1000, 10, 10_000, () => {
      const first = sampleOf(algorithm, random, 10, 0, 400)
      const resumed = Reservoir.deserialize(first.serialize(encode), decode, random)
      for (let i = 400; i < 1000; i++) resumed.offer(i)
      return resumed.sample()
    })
  }
})
