import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import type { Random } from '../base/random.ts'
import { HyperLogLog } from './hyperloglog.ts'
import { seededRandom } from './stats.test-kit.ts'

/** Relative errors of both estimators over `seeds` sketches of n random 64-bit hashes each. */
function relativeErrors(random: Random, precision: number, n: number, seeds: number): { martingale: number[]; ertl: number[] } {
  const martingale: number[] = []
  const ertl: number[] = []
  for (let s = 0; s < seeds; s++) {
    const sketch = new HyperLogLog({ precision })
    for (let i = 0; i < n; i++) sketch.addHash(random.uint32(), random.uint32())
    assert.ok(sketch.hasMartingale)
    martingale.push(sketch.estimate() / n - 1)
    ertl.push(sketch.registerEstimate() / n - 1)
  }
  return { martingale, ertl }
}

function rmse(errors: number[]): number {
  return Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / errors.length)
}

function mean(errors: number[]): number {
  return errors.reduce((sum, e) => sum + e, 0) / errors.length
}

test("at p=10 both estimators are unbiased, Ertl's RMSE is about 1.04/sqrt(m) and the martingale's lower", () => {
  const random = seededRandom('hll p=10 error distribution', 1001)
  const theory = 1.04 / Math.sqrt(1024)
  const seeds = 300
  // A measured RMSE over S sketches varies by about 1/sqrt(2S) of itself (4% here); allow 3 of those.
  const slack = 1 + 3 / Math.sqrt(2 * seeds)
  for (const n of [3_000, 10_000, 100_000]) {
    const { martingale, ertl } = relativeErrors(random, 10, n, seeds)
    console.log(`# p=10 n=${n}: Ertl RMSE ${(rmse(ertl) * 100).toFixed(3)}% bias ${(mean(ertl) * 100).toFixed(3)}%; martingale RMSE ${(rmse(martingale) * 100).toFixed(3)}% bias ${(mean(martingale) * 100).toFixed(3)}% (theory ${(theory * 100).toFixed(3)}%, ${seeds} sketches)`)
    assert.ok(rmse(ertl) <= theory * slack, `Ertl RMSE ${rmse(ertl)} at n=${n}`)
    assert.ok(rmse(martingale) <= 0.9 * theory * slack, `martingale RMSE ${rmse(martingale)} at n=${n}`)
    for (const errors of [ertl, martingale]) {
      assert.ok(Math.abs(mean(errors)) <= (4 * theory) / Math.sqrt(seeds), `bias ${mean(errors)} at n=${n}`)
      // Unbiased: the errors straddle zero rather than sitting on one side.
      const above = errors.filter((e) => e > 0).length
      assert.ok(above > seeds * 0.35 && above < seeds * 0.65, `${above} of ${seeds} estimates above the truth at n=${n}`)
    }
  }
})

test('at p=14 the RMSE meets the 0.81% target at 1e5 and 1e6 keys (full sweep: npm run bench)', () => {
  const random = seededRandom('hll p=14 error distribution', 1002)
  const theory = 1.04 / Math.sqrt(16384)
  const seeds = 40
  for (const n of [100_000, 1_000_000]) {
    const { martingale, ertl } = relativeErrors(random, 14, n, seeds)
    console.log(`# p=14 n=${n}: martingale RMSE ${(rmse(martingale) * 100).toFixed(3)}% bias ${(mean(martingale) * 100).toFixed(3)}%; Ertl RMSE ${(rmse(ertl) * 100).toFixed(3)}% (${seeds} sketches)`)
    assert.ok(rmse(martingale) <= 0.0081, `martingale RMSE ${rmse(martingale)} at n=${n}`)
    assert.ok(rmse(ertl) <= theory * (1 + 3 / Math.sqrt(2 * seeds)), `Ertl RMSE ${rmse(ertl)} at n=${n}`)
    assert.ok(Math.abs(mean(martingale)) <= (4 * theory) / Math.sqrt(seeds))
  }
})

test('small counts are near exact while the sketch is sparse', () => {
  const random = seededRandom('hll sparse', 1003)
  const sketch = new HyperLogLog()
  for (let n = 1; n <= 4000; n++) {
    sketch.addHash(random.uint32(), random.uint32())
    if (n % 97 === 0 || n < 50) assert.ok(Math.abs(sketch.estimate() - n) <= Math.max(1, n * 0.002), `estimate ${sketch.estimate()} for ${n}`)
  }
  assert.ok(sketch.isSparse)
  assert.ok(Math.abs(sketch.estimate() - 4000) < 4)
  for (let n = 0; n < 200; n++) sketch.addHash(random.uint32(), random.uint32())
  assert.ok(!sketch.isSparse, 'turns dense past 2^p/4 entries')
  assert.equal(new HyperLogLog().estimate(), 0)
})

test('string keys: repeats do not count and 100k distinct keys estimate within 4 standard errors', () => {
  const random = seededRandom('hll strings', 1004)
  const sketch = new HyperLogLog()
  const prefix = `k${random.uint32().toString(36)}-`
  for (let round = 0; round < 2; round++) for (let i = 0; i < 100_000; i++) sketch.add(`${prefix}${i.toString().padStart(12, '0')}`)
  const error = sketch.estimate() / 100_000 - 1
  assert.ok(Math.abs(error) < 4 * 0.0081, `relative error ${error}`)
  const numbers = new HyperLogLog()
  for (let i = 0; i < 1000; i++) numbers.add(i + 0.5)
  for (let i = 0; i < 1000; i++) numbers.add(i)
  assert.ok(Math.abs(numbers.estimate() - 2000) <= 2, 'numbers 1 and 1.5 are different keys')
})

test('merging equals sketching the union, in every sparse/dense combination', () => {
  const random = seededRandom('hll merge', 1005)
  const sizes = [100, 3_000, 50_000]
  for (const sizeA of sizes) {
    for (const sizeB of sizes) {
      const a = new HyperLogLog({ precision: 12 })
      const b = new HyperLogLog({ precision: 12 })
      const union = new HyperLogLog({ precision: 12 })
      const shared = Math.min(sizeA, sizeB) >> 1
      for (let i = 0; i < sizeA; i++) {
        const key = `a${i}`
        a.add(key)
        union.add(key)
      }
      for (let i = 0; i < sizeB; i++) {
        const key = i < shared ? `a${i}` : `b${i}-${random.uint32()}`
        b.add(key)
        union.add(key)
      }
      const merged = a.clone().merge(b)
      assert.deepEqual(merged.registers(), union.registers(), `${sizeA} ∪ ${sizeB}`)
      assert.equal(merged.isSparse, union.isSparse)
      assert.equal(merged.registerEstimate(), union.registerEstimate())
      if (merged.isSparse) assert.equal(merged.estimate(), union.estimate())
      else {
        // A merge loses the single-stream history: the estimate falls back to Ertl's.
        assert.equal(merged.hasMartingale, false)
        assert.equal(merged.estimate(), merged.registerEstimate())
        assert.equal(union.hasMartingale, true)
      }
      assert.deepEqual(b.clone().merge(a).registers(), union.registers())
    }
  }
})

test('serialize and deserialize round-trip sparse and dense sketches byte for byte', () => {
  const random = seededRandom('hll serialize', 1006)
  for (const [precision, n] of [[4, 0], [4, 3], [14, 1000], [14, 100_000], [18, 10], [18, 200_000], [9, 5000]] as const) {
    const sketch = new HyperLogLog({ precision, seed: random.uint32() })
    for (let i = 0; i < n; i++) sketch.addHash(random.uint32(), random.uint32())
    const bytes = sketch.serialize()
    const back = HyperLogLog.deserialize(bytes)
    assert.equal(back.isSparse, sketch.isSparse)
    assert.equal(back.hasMartingale, sketch.hasMartingale)
    assert.equal(back.estimate(), sketch.estimate())
    assert.deepEqual(back.registers(), sketch.registers())
    assert.deepEqual(back.serialize(), bytes)
    assert.equal(back.seed, sketch.seed)
  }
  const redisKeys = HyperLogLog.redis()
  redisKeys.add(12)
  assert.equal(HyperLogLog.deserialize(redisKeys.serialize()).keyEncoding, 'redis')
})

test('malformed serialized sketches fail with CORRUPT_MESSAGE, never a crash', () => {
  const random = seededRandom('hll corrupt', 1007)
  const sketch = new HyperLogLog({ precision: 8 })
  for (let i = 0; i < 30; i++) sketch.addHash(random.uint32(), random.uint32())
  const sparse = sketch.serialize()
  for (let i = 0; i < 5000; i++) sketch.addHash(random.uint32(), random.uint32())
  const dense = sketch.serialize()
  for (const bytes of [sparse, dense]) {
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length >> 5)) {
      assert.throws(() => HyperLogLog.deserialize(bytes.subarray(0, cut)), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
    }
    const badPrecision = Buffer.from(bytes)
    badPrecision[6] = 40
    assert.throws(() => HyperLogLog.deserialize(badPrecision), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  }
  const bigRegister = Buffer.from(dense)
  bigRegister[21] = 0xff // register 0 = 63, above 65 - 8
  assert.throws(() => HyperLogLog.deserialize(bigRegister), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  // Random garbage after a valid header decodes or fails cleanly.
  for (let i = 0; i < 200; i++) {
    const noisy = Buffer.from(sparse)
    noisy[random.int(12, noisy.length)] = random.uint32() & 0xff
    try {
      HyperLogLog.deserialize(noisy)
    } catch (error) {
      assert.ok(isSluiceError(error, 'CORRUPT_MESSAGE'), String(error))
    }
  }
})

test('bad options and mismatched merges are INVALID_ARGUMENT', () => {
  for (const precision of [3, 19, 14.5]) {
    assert.throws(() => new HyperLogLog({ precision }), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  }
  assert.throws(() => new HyperLogLog({ precision: 12 }).merge(new HyperLogLog({ precision: 13 })), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => new HyperLogLog({ seed: 1 }).merge(new HyperLogLog({ seed: 2 })), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => new HyperLogLog({ precision: 12 }).toRedis(), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('wouldChange(key) predicts add(key) exactly, sparse and dense, without changing the sketch', () => {
  for (const keyEncoding of ['canonical', 'redis'] as const) {
    const sketch = new HyperLogLog({ precision: 8, keyEncoding })
    let changes = 0
    // 64 sparse entries turn dense at p=8; repeats and numbers exercise "no change" on both sides.
    for (let i = 0; i < 3000; i++) {
      const key = i % 3 === 0 ? i % 500 : `k${i % 1500}`
      const before = sketch.serialize()
      const predicted = sketch.wouldChange(key)
      assert.deepEqual(sketch.serialize(), before, 'wouldChange must not modify the sketch')
      assert.equal(sketch.add(key), predicted, `key ${String(key)} (${keyEncoding}, ${sketch.isSparse ? 'sparse' : 'dense'})`)
      if (predicted) changes++
    }
    assert.ok(!sketch.isSparse)
    assert.ok(changes > 64 && changes < 3000, `${changes} changes`)
  }
})
