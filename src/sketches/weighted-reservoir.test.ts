import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import type { Random } from '../base/random.ts'
import { WeightedReservoir, type WeightedAlgorithm } from './weighted-reservoir.ts'
import { chiSquarePValue, pearson, seededRandom } from './stats.test-kit.ts'

const P_MIN = 1e-6

/** P(the sample is exactly {i, j}) when two items are drawn in turn proportionally to weight. */
function pairProbability(weights: readonly number[], i: number, j: number): number {
  const total = weights.reduce((a, b) => a + b, 0)
  const wi = weights[i]!
  const wj = weights[j]!
  return (wi / total) * (wj / (total - wi)) + (wj / total) * (wi / (total - wj))
}

/** Chi-square over every 2-subset of the items against the exact successive-sampling probabilities. */
function assertPairs(label: string, weights: readonly number[], trials: number, draw: () => number[]): void {
  const n = weights.length
  const observed = new Float64Array(n * n)
  for (let t = 0; t < trials; t++) {
    const sample = draw()
    assert.equal(sample.length, 2)
    const [a, b] = sample[0]! < sample[1]! ? [sample[0]!, sample[1]!] : [sample[1]!, sample[0]!]
    assert.notEqual(a, b)
    observed[a * n + b]!++
  }
  const cellsObserved: number[] = []
  const cellsExpected: number[] = []
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      cellsObserved.push(observed[i * n + j]!)
      cellsExpected.push(pairProbability(weights, i, j) * trials)
    }
  }
  assert.ok(Math.min(...cellsExpected) >= 5, 'every cell expects at least 5')
  const statistic = pearson(cellsObserved, cellsExpected)
  const pValue = chiSquarePValue(statistic, cellsObserved.length - 1)
  console.log(`# ${label}: pair chi-square ${statistic.toFixed(1)} on ${cellsObserved.length - 1} df, p = ${pValue.toExponential(2)}`)
  assert.ok(pValue >= P_MIN, `${label}: p-value ${pValue}`)
}

function sampleOf(algorithm: WeightedAlgorithm, random: Random, capacity: number, weights: readonly number[], from = 0, to = weights.length): WeightedReservoir<number> {
  const reservoir = new WeightedReservoir<number>(capacity, random, algorithm)
  for (let i = from; i < to; i++) reservoir.offer(i, weights[i]!)
  return reservoir
}

for (const algorithm of ['A-Res', 'A-ExpJ'] as const) {
  test(`${algorithm}: a single draw is proportional to weight, and pairs follow successive sampling (chi-square at 1e-6)`, () => {
    const random = seededRandom(`weighted ${algorithm}`, algorithm === 'A-Res' ? 7001 : 7002)
    // k = 1 over a long stream: P(i) = w_i / W. A-ExpJ jumps over most items here.
    const weights = Array.from({ length: 400 }, (_, i) => 1 + (i % 7) + (i % 13) * 0.5)
    const total = weights.reduce((a, b) => a + b, 0)
    const trials = 100_000
    const counts = new Float64Array(weights.length)
    for (let t = 0; t < trials; t++) counts[sampleOf(algorithm, random, 1, weights).sample()[0]!]!++
    const statistic = pearson(counts, weights.map((w) => (w / total) * trials))
    const pValue = chiSquarePValue(statistic, weights.length - 1)
    console.log(`# ${algorithm} k=1 n=400: chi-square ${statistic.toFixed(1)} on 399 df, p = ${pValue.toExponential(2)}`)
    assert.ok(pValue >= P_MIN)
    assertPairs(`${algorithm} k=2 n=6`, [1, 2, 3, 4, 5, 6], 60_000, () => sampleOf(algorithm, random, 2, [1, 2, 3, 4, 5, 6]).sample())
    const longer = Array.from({ length: 40 }, (_, i) => 1 + (i % 3))
    assertPairs(`${algorithm} k=2 n=40`, longer, 200_000, () => sampleOf(algorithm, random, 2, longer).sample())
  })
}

test('merging weighted reservoirs keeps the k largest keys: the union is sampled exactly as one stream', () => {
  const random = seededRandom('weighted merge', 7003)
  const weights = [5, 1, 2, 8, 3, 4, 0.5, 6]
  for (const algorithm of ['A-Res', 'A-ExpJ'] as const) {
    assertPairs(`merge ${algorithm} 3+5`, weights, 60_000, () => WeightedReservoir.merge(sampleOf(algorithm, random, 2, weights, 0, 3), sampleOf(algorithm, random, 2, weights, 3, 8), random).sample())
    // A merged A-ExpJ reservoir draws a fresh jump and keeps sampling correctly.
    assertPairs(`merge ${algorithm} 2+2 then 4 more`, weights, 60_000, () => {
      const merged = WeightedReservoir.merge(sampleOf(algorithm, random, 2, weights, 0, 2), sampleOf(algorithm, random, 2, weights, 2, 4), random)
      for (let i = 4; i < 8; i++) merged.offer(i, weights[i]!)
      return merged.sample()
    })
  }
})

test('zero weights are never sampled; negative or infinite weights are INVALID_ARGUMENT', () => {
  const random = seededRandom('weighted zero', 7004)
  const reservoir = new WeightedReservoir<string>(3, random)
  for (let i = 0; i < 100; i++) reservoir.offer(`zero-${i}`, 0)
  reservoir.offer('one', 1)
  assert.deepEqual(reservoir.sample(), ['one'])
  assert.equal(reservoir.seen, 101)
  assert.equal(reservoir.totalWeight, 1)
  assert.throws(() => reservoir.offer('x', -1), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => reservoir.offer('x', Infinity), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => WeightedReservoir.merge(new WeightedReservoir(1, random), new WeightedReservoir(2, random), random), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('serialize and deserialize round-trip, and the copy keeps sampling by weight', () => {
  const random = seededRandom('weighted serialize', 7005)
  const encode = (item: number): Uint8Array => Buffer.from(String(item))
  const decode = (bytes: Uint8Array): number => Number(Buffer.from(bytes).toString())
  const weights = [5, 1, 2, 8, 3, 4, 0.5, 6]
  for (const algorithm of ['A-Res', 'A-ExpJ'] as const) {
    const reservoir = sampleOf(algorithm, random, 4, weights)
    const bytes = reservoir.serialize(encode)
    const back = WeightedReservoir.deserialize(bytes, decode, random)
    assert.deepEqual(back.entries(), reservoir.entries())
    assert.deepEqual(back.serialize(encode), bytes)
    for (let cut = 0; cut < bytes.length; cut += 3) assert.throws(() => WeightedReservoir.deserialize(bytes.subarray(0, cut), decode, random), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
    assertPairs(`${algorithm} serialized at 3 of 8`, weights, 40_000, () => {
      const resumed = WeightedReservoir.deserialize(sampleOf(algorithm, random, 2, weights, 0, 3).serialize(encode), decode, random)
      for (let i = 3; i < 8; i++) resumed.offer(i, weights[i]!)
      return resumed.sample()
    })
  }
})
