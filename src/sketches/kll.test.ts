import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import { Random } from '../base/random.ts'
import { KllSketch } from './kll.ts'
import { seededRandom } from './stats.test-kit.ts'

const QUANTILES = Array.from({ length: 99 }, (_, i) => (i + 1) / 100)

/** The largest |true rank of quantile(q) - q| over QUANTILES, for distinct values. */
function worstRankError(sketch: KllSketch, sorted: Float64Array): number {
  let worst = 0
  for (const q of QUANTILES) {
    const estimate = sketch.quantile(q)
    let low = 0
    let high = sorted.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (sorted[mid]! <= estimate) low = mid + 1
      else high = mid
    }
    worst = Math.max(worst, Math.abs(low / sorted.length - q))
  }
  return worst
}

function stream(random: Random, n: number): Float64Array {
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = random.float() * 1000 - 500 + (i % 7)
  return values
}

test('rank error over many seeds: k=200 keeps the worst of 99 quantiles near 1.7/k, memory O(k)', () => {
  const random = seededRandom('kll rank error', 9001)
  const worst: number[] = []
  let retainedMax = 0
  for (let seed = 0; seed < 30; seed++) {
    const sketch = new KllSketch(200, random)
    const values = stream(random, 100_000)
    for (const value of values) sketch.add(value)
    values.sort()
    worst.push(worstRankError(sketch, values))
    retainedMax = Math.max(retainedMax, sketch.retained)
    assert.equal(sketch.count, 100_000)
    assert.equal(sketch.quantile(0), values[0])
    assert.equal(sketch.quantile(1), values[values.length - 1])
  }
  worst.sort((a, b) => a - b)
  const median = worst[15]!
  console.log(`# k=200 n=1e5 x30: worst-of-99 rank error median ${(median * 100).toFixed(3)}%, max ${(worst[29]! * 100).toFixed(3)}%, retained at most ${retainedMax} items`)
  assert.ok(median <= 1.7 / 200, `median worst rank error ${median}`)
  assert.ok(worst[29]! <= 2.5 / 200, `max worst rank error ${worst[29]}`)
  assert.ok(retainedMax <= 3 * 200 + 64, `retained ${retainedMax}`)
})

test('merging partitions in a tree keeps the rank error of one sketch', () => {
  const random = seededRandom('kll merge', 9002)
  const values = stream(random, 200_000)
  let parts = Array.from({ length: 16 }, () => new KllSketch(200, random))
  for (const value of values) parts[random.int(0, parts.length)]!.add(value)
  while (parts.length > 1) {
    const next: KllSketch[] = []
    for (let i = 0; i < parts.length; i += 2) next.push(parts[i]!.merge(parts[i + 1]!))
    parts = next
  }
  const merged = parts[0]!
  values.sort()
  const error = worstRankError(merged, values)
  console.log(`# 16 partitions merged: worst-of-99 rank error ${(error * 100).toFixed(3)}%, retained ${merged.retained}`)
  assert.equal(merged.count, values.length)
  assert.equal(merged.min, values[0])
  assert.equal(merged.max, values[values.length - 1])
  assert.ok(error <= 2.5 / 200)
  assert.ok(merged.retained <= 3 * 200 + 64)
  assert.throws(() => merged.merge(new KllSketch(100, random)), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('rank() and quantile() agree, and small streams are exact', () => {
  const random = seededRandom('kll small', 9003)
  const sketch = new KllSketch(64, random)
  for (let i = 1; i <= 50; i++) sketch.add(i)
  assert.equal(sketch.quantile(0.5), 25)
  assert.equal(sketch.rank(25), 0.5)
  assert.equal(sketch.rank(0), 0)
  assert.equal(sketch.rank(1000), 1)
  for (let i = 51; i <= 10_000; i++) sketch.add(i)
  for (const q of [0.1, 0.5, 0.9]) assert.ok(Math.abs(sketch.rank(sketch.quantile(q)) - q) < 0.05)
  const empty = new KllSketch(64, random)
  assert.ok(Number.isNaN(empty.quantile(0.5)))
  assert.throws(() => empty.add(Number.NaN), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => new KllSketch(4, random), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('serialize and deserialize round-trip; the copy goes on compacting; corrupt bytes are CORRUPT_MESSAGE', () => {
  const random = seededRandom('kll serialize', 9004)
  for (const n of [0, 10, 100_000]) {
    const sketch = new KllSketch(100, random)
    for (const value of stream(random, n)) sketch.add(value)
    const bytes = sketch.serialize()
    const back = KllSketch.deserialize(bytes, new Random(1))
    assert.deepEqual(back.serialize(), bytes)
    for (const q of QUANTILES) assert.equal(back.quantile(q), sketch.quantile(q))
    for (const value of stream(random, 50_000)) back.add(value)
    assert.equal(back.count, n + 50_000)
    for (let cut = 0; cut < bytes.length; cut += 101) assert.throws(() => KllSketch.deserialize(bytes.subarray(0, cut), random), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  }
  const sketch = new KllSketch(100, random)
  for (let i = 0; i < 1000; i++) sketch.add(i)
  const wrongCount = sketch.serialize()
  wrongCount.writeDoubleLE(999, 7)
  assert.throws(() => KllSketch.deserialize(wrongCount, random), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})
