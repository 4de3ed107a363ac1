import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import { CountMinSketch } from './count-min.ts'
import { seededRandom, Zipf } from './stats.test-kit.ts'

test('sizing: w = ceil(e/ε), d = ceil(ln(1/δ))', () => {
  const sketch = new CountMinSketch({ epsilon: 0.001, delta: 0.01 })
  assert.equal(sketch.width, 2719)
  assert.equal(sketch.depth, 5)
  assert.ok(sketch.epsilon <= 0.001 && sketch.delta <= 0.01)
  assert.throws(() => new CountMinSketch({ epsilon: 0 }), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => new CountMinSketch({ delta: 1e-30 }), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('never undercounts, and the share of estimates above true + εN stays within δ', () => {
  const random = seededRandom('count-min guarantee', 4001)
  for (const [epsilon, delta, exponent] of [[0.001, 0.01, 1.1], [0.005, 0.05, 0.8], [0.02, 0.3, 0.5]] as const) {
    const plain = new CountMinSketch({ epsilon, delta, seed: random.uint32() })
    const conservative = new CountMinSketch({ epsilon, delta, seed: plain.seed, conservative: true })
    const keys = 50_000
    const truth = new Float64Array(keys)
    const zipf = new Zipf(keys, exponent)
    const n = 300_000
    for (let i = 0; i < n; i++) {
      const k = zipf.next(random)
      truth[k]!++
      plain.add(`key-${k}`)
      conservative.add(`key-${k}`)
    }
    let over = 0
    let overConservative = 0
    let seen = 0
    let sumError = 0
    let sumErrorConservative = 0
    for (let k = 0; k < keys; k++) {
      const estimate = plain.estimate(`key-${k}`)
      const estimateConservative = conservative.estimate(`key-${k}`)
      assert.ok(estimate >= truth[k]!, `undercount of key-${k}`)
      assert.ok(estimateConservative >= truth[k]! && estimateConservative <= estimate, `conservative key-${k}`)
      if (truth[k] === 0) continue
      seen++
      if (estimate > truth[k]! + epsilon * n) over++
      if (estimateConservative > truth[k]! + epsilon * n) overConservative++
      sumError += estimate - truth[k]!
      sumErrorConservative += estimateConservative - truth[k]!
    }
    console.log(`# ε=${epsilon} δ=${delta} zipf ${exponent}: ${plain.width}×${plain.depth}, share above true+εN ${(over / seen).toExponential(2)} (conservative ${(overConservative / seen).toExponential(2)}), mean overcount ${(sumError / seen).toFixed(2)} (conservative ${(sumErrorConservative / seen).toFixed(2)}), εN = ${epsilon * n}`)
    assert.ok(over / seen <= delta)
    assert.ok(overConservative / seen <= delta)
    assert.equal(plain.totalCount, n)
  }
})

test('with one row the mean overcount is (N - f)/w, as uniform hashing predicts', () => {
  const random = seededRandom('count-min one row', 4002)
  for (let round = 0; round < 2; round++) {
    // Each key's overcount is the weight of the other keys sharing its counter, (N - f)/w on average.
    const sketch = new CountMinSketch({ width: 50, depth: 1, seed: random.uint32() })
    const truth = new Map<number, number>()
    const n = 40_000
    for (let i = 0; i < n; i++) {
      const k = random.int(0, 5000)
      truth.set(k, (truth.get(k) ?? 0) + 1)
      sketch.add(k)
    }
    let overcount = 0
    let expected = 0
    for (const [k, count] of truth) {
      overcount += sketch.estimate(k) - count
      expected += (n - count) / sketch.width
    }
    console.log(`# one row, w=50: mean overcount ${(overcount / truth.size).toFixed(1)}, expected ${(expected / truth.size).toFixed(1)}`)
    assert.ok(Math.abs(overcount / expected - 1) < 0.06, `overcount ${overcount} vs ${expected}`)
  }
})

test('merging equals sketching the concatenated stream; shapes must match', () => {
  const random = seededRandom('count-min merge', 4003)
  const a = new CountMinSketch({ epsilon: 0.01, delta: 0.01 })
  const b = new CountMinSketch({ epsilon: 0.01, delta: 0.01 })
  const both = new CountMinSketch({ epsilon: 0.01, delta: 0.01 })
  for (let i = 0; i < 20_000; i++) {
    const key = `k${random.int(0, 3000)}`
    const weight = random.int(1, 5)
    ;(random.chance(0.3) ? a : b).add(key, weight)
    both.add(key, weight)
  }
  const merged = a.clone().merge(b)
  assert.deepEqual(merged.serialize(), both.serialize())
  assert.throws(() => a.merge(new CountMinSketch({ epsilon: 0.02, delta: 0.01 })), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => a.add('x', -1), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('serialize and deserialize round-trip; corrupt bytes are CORRUPT_MESSAGE', () => {
  const random = seededRandom('count-min serialize', 4004)
  const sketch = new CountMinSketch({ epsilon: 0.05, delta: 0.1, conservative: true, seed: random.uint32() })
  for (let i = 0; i < 1000; i++) sketch.add(random.int(0, 200), random.int(1, 10))
  const bytes = sketch.serialize()
  const back = CountMinSketch.deserialize(bytes)
  assert.deepEqual(back.serialize(), bytes)
  assert.equal(back.isConservative, true)
  for (let k = 0; k < 200; k++) assert.equal(back.estimate(k), sketch.estimate(k))
  for (let cut = 0; cut < bytes.length; cut += 13) assert.throws(() => CountMinSketch.deserialize(bytes.subarray(0, cut)), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  const negative = Buffer.from(bytes)
  negative.writeDoubleLE(-1, 24)
  assert.throws(() => CountMinSketch.deserialize(negative), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})

test('a version-1 sketch (rows mapped by the 32-bit finalizer) is refused rather than misread', () => {
  const bytes = new CountMinSketch({ epsilon: 0.01, delta: 0.01 }).serialize()
  bytes[5] = 1 // the envelope's body format version
  assert.throws(() => CountMinSketch.deserialize(bytes), (error: unknown) => isSluiceError(error, 'CORRUPT_MESSAGE') && /format version 1/.test((error as Error).message))
})
