import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import type { Random } from '../base/random.ts'
import { DDSketch } from './ddsketch.ts'
import { seededRandom } from './stats.test-kit.ts'

const QUANTILES = Array.from({ length: 1001 }, (_, i) => i / 1000)

/** The largest relative error over QUANTILES against the exact item of rank floor(q·(n-1)). */
function worstRelativeError(sketch: DDSketch, sorted: Float64Array, from = 0): number {
  let worst = 0
  for (const q of QUANTILES) {
    if (q < from) continue
    const exact = sorted[Math.floor(q * (sorted.length - 1))]!
    const estimate = sketch.quantile(q)
    const error = exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact)
    worst = Math.max(worst, error)
  }
  return worst
}

function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random.float())) * Math.cos(2 * Math.PI * random.float())
}

const DISTRIBUTIONS: Record<string, (random: Random) => number> = {
  'log-normal': (r) => Math.exp(2 * normal(r)),
  'exponential latency (ms)': (r) => -50 * Math.log(1 - r.float()),
  'uniform -1000..1000': (r) => r.float() * 2000 - 1000,
  'mixed signs, zeros, tiny and huge': (r) => (r.chance(0.1) ? 0 : (r.chance(0.5) ? -1 : 1) * 10 ** (r.float() * 24 - 12)),
}

test('every quantile is within the relative accuracy α, on several distributions with both signs', () => {
  const random = seededRandom('ddsketch accuracy', 8001)
  for (const alpha of [0.01, 0.05]) {
    for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
      // 4096 buckets per sign hold the 24 decades of the mixed distribution without collapsing.
      const sketch = new DDSketch({ relativeAccuracy: alpha, maxBuckets: 4096 })
      const values = new Float64Array(100_000)
      for (let i = 0; i < values.length; i++) sketch.add((values[i] = draw(random)))
      values.sort()
      const worst = worstRelativeError(sketch, values)
      console.log(`# α=${alpha} ${name}: worst relative error over 1001 quantiles ${worst.toExponential(3)}`)
      assert.ok(worst <= alpha * (1 + 1e-9), `${name}: ${worst}`)
      assert.equal(sketch.count, values.length)
      assert.equal(sketch.quantile(0), values[0])
      assert.equal(sketch.quantile(1), values[values.length - 1])
      assert.ok(!sketch.isCollapsed)
    }
  }
})

test('merging equals sketching the union exactly, collapsed or not', () => {
  const random = seededRandom('ddsketch merge', 8002)
  // 24 decades need ~2770 buckets per sign at α = 1%: 4096 hold them, 64 collapse.
  for (const maxBuckets of [4096, 64]) {
    const parts = Array.from({ length: 5 }, () => new DDSketch({ maxBuckets }))
    const whole = new DDSketch({ maxBuckets })
    const draw = DISTRIBUTIONS['mixed signs, zeros, tiny and huge']!
    for (let i = 0; i < 50_000; i++) {
      const value = draw(random)
      parts[random.int(0, parts.length)]!.add(value)
      whole.add(value)
    }
    const merged = parts.reduce((acc, part) => acc.merge(part), new DDSketch({ maxBuckets }))
    assert.equal(merged.count, whole.count)
    assert.equal(merged.isCollapsed, whole.isCollapsed)
    assert.equal(whole.isCollapsed, maxBuckets === 64)
    for (const q of QUANTILES) assert.equal(merged.quantile(q), whole.quantile(q), `q=${q}, maxBuckets ${maxBuckets}`)
    assert.ok(Math.abs(merged.sum - whole.sum) <= 1e-9 * Math.abs(whole.sum) + 1e-9)
  }
  assert.throws(() => new DDSketch().merge(new DDSketch({ relativeAccuracy: 0.02 })), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('a bounded sketch collapses its lowest values and keeps the high quantiles within α', () => {
  const random = seededRandom('ddsketch collapse', 8003)
  const sketch = new DDSketch({ relativeAccuracy: 0.01, maxBuckets: 200 })
  const values = new Float64Array(50_000)
  // Twelve decades need ~1400 buckets at 1%; 200 keep about the top two decades.
  for (let i = 0; i < values.length; i++) sketch.add((values[i] = 10 ** (random.float() * 12 - 6)))
  values.sort()
  assert.ok(sketch.isCollapsed)
  const worstHigh = worstRelativeError(sketch, values, 0.9)
  console.log(`# maxBuckets 200 over 12 decades: worst relative error above q=0.9 ${worstHigh.toExponential(3)}, median estimate ${sketch.quantile(0.5).toExponential(3)} vs ${values[25_000]!.toExponential(3)}`)
  assert.ok(worstHigh <= 0.01 * (1 + 1e-9))
  assert.ok(sketch.quantile(0.5) >= values[Math.floor(0.5 * (values.length - 1))]!, 'collapsing only rounds low values up')
})

test('serialize and deserialize round-trip; corrupt bytes and bad values are rejected', () => {
  const random = seededRandom('ddsketch serialize', 8004)
  for (const maxBuckets of [2048, 32]) {
    const sketch = new DDSketch({ relativeAccuracy: 0.02, maxBuckets })
    for (let i = 0; i < 5000; i++) sketch.add(DISTRIBUTIONS['mixed signs, zeros, tiny and huge']!(random), random.int(1, 3))
    const bytes = sketch.serialize()
    const back = DDSketch.deserialize(bytes)
    assert.deepEqual(back.serialize(), bytes)
    assert.equal(back.isCollapsed, sketch.isCollapsed)
    for (const q of QUANTILES) assert.equal(back.quantile(q), sketch.quantile(q))
    for (let cut = 0; cut < bytes.length; cut += 17) assert.throws(() => DDSketch.deserialize(bytes.subarray(0, cut)), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  }
  const empty = DDSketch.deserialize(new DDSketch().serialize())
  assert.ok(Number.isNaN(empty.quantile(0.5)))
  for (const bad of [Number.NaN, Infinity, -Infinity]) assert.throws(() => new DDSketch().add(bad), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => new DDSketch().add(1, 0), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => new DDSketch().quantile(1.5), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})
