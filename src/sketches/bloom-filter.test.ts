import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import { BloomFilter, optimalBloomShape } from './bloom-filter.ts'
import { ScalableBloomFilter } from './scalable-bloom-filter.ts'
import { seededRandom } from './stats.test-kit.ts'

function theoreticalRate(filter: BloomFilter, items: number): number {
  return (1 - Math.exp((-filter.hashes * items) / filter.bits)) ** filter.hashes
}

test('sizing follows m = -n ln p / (ln 2)^2 and k = m/n ln 2', () => {
  assert.deepEqual(optimalBloomShape(1_000_000, 0.01), { bits: 9_585_059, hashes: 7 })
  assert.deepEqual(optimalBloomShape(1000, 0.001), { bits: 14_378, hashes: 10 })
  assert.throws(() => optimalBloomShape(0, 0.01), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => optimalBloomShape(10, 1), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => BloomFilter.forCapacity(1e10, 1e-9), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('no false negatives, and the false-positive rate is within 10% of theory at several rates', () => {
  const random = seededRandom('bloom fpr', 3001)
  for (const [items, rate] of [[100_000, 0.01], [50_000, 0.05], [20_000, 0.001]] as const) {
    const filter = BloomFilter.forCapacity(items, rate, random.uint32())
    const tag = random.uint32().toString(36)
    for (let i = 0; i < items; i++) filter.add(`member-${tag}-${i}`)
    for (let i = 0; i < items; i++) assert.ok(filter.has(`member-${tag}-${i}`), 'false negative')
    // Enough queries for about 10,000 expected false positives: a standard deviation near 1%.
    const queries = Math.round(10_000 / rate)
    let positives = 0
    for (let i = 0; i < queries; i++) if (filter.has(`other-${tag}-${i}`)) positives++
    const measured = positives / queries
    const theory = theoreticalRate(filter, items)
    console.log(`# n=${items} p=${rate}: m=${filter.bits} k=${filter.hashes} measured FPR ${measured.toExponential(4)}, theory ${theory.toExponential(4)}, ratio ${(measured / theory).toFixed(4)}`)
    assert.ok(Math.abs(measured / theory - 1) <= 0.1, `FPR ${measured} vs theory ${theory}`)
    assert.ok(Math.abs(filter.estimatedCount() / items - 1) < 0.02, `estimated count ${filter.estimatedCount()}`)
    assert.ok(Math.abs(filter.currentFalsePositiveRate() / theory - 1) < 0.05)
  }
})

test('add() reports new keys, so it can drive dedupe', () => {
  const filter = BloomFilter.forCapacity(1000, 0.0001)
  assert.equal(filter.add('x'), true)
  assert.equal(filter.add('x'), false)
  assert.equal(filter.add(1), true)
  assert.equal(filter.add(1.5), true)
  assert.equal(filter.has(2), false)
  assert.equal(filter.addedCount, 3)
})

test('union equals the filter of the union, and needs the same shape', () => {
  const random = seededRandom('bloom union', 3002)
  const a = BloomFilter.forCapacity(10_000, 0.01)
  const b = BloomFilter.forCapacity(10_000, 0.01)
  const both = BloomFilter.forCapacity(10_000, 0.01)
  for (let i = 0; i < 5000; i++) {
    const key = random.uint32()
    ;(random.chance(0.5) ? a : b).add(key)
    both.add(key)
  }
  assert.ok(a.clone().union(b).equals(both))
  assert.ok(b.clone().union(a).equals(both))
  assert.throws(() => a.union(BloomFilter.forCapacity(10_000, 0.02)), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => a.union(BloomFilter.forCapacity(10_000, 0.01, 7)), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('serialize and deserialize round-trip; corrupt bytes are CORRUPT_MESSAGE', () => {
  const random = seededRandom('bloom serialize', 3003)
  for (const bits of [1, 31, 32, 33, 10_007]) {
    const filter = new BloomFilter({ bits, hashes: 3, seed: random.uint32() })
    for (let i = 0; i < bits / 4; i++) filter.add(random.uint32())
    const bytes = filter.serialize()
    const back = BloomFilter.deserialize(bytes)
    assert.ok(back.equals(filter))
    assert.equal(back.addedCount, filter.addedCount)
    assert.deepEqual(back.serialize(), bytes)
    for (let cut = 0; cut < bytes.length; cut += 7) assert.throws(() => BloomFilter.deserialize(bytes.subarray(0, cut)), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  }
  const huge = new BloomFilter({ bits: 64, hashes: 2 }).serialize()
  huge.writeUInt32LE(0xffffffff, 6)
  assert.throws(() => BloomFilter.deserialize(huge), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  const stray = new BloomFilter({ bits: 33, hashes: 2 }).serialize()
  stray[stray.length - 4] = 0x02 // bit 33 of a 33-bit filter
  assert.throws(() => BloomFilter.deserialize(stray), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})

test('a scalable filter grows past its initial capacity with no false negatives and its rate below the bound', () => {
  const random = seededRandom('scalable bloom', 3004)
  const series = new ScalableBloomFilter({ initialCapacity: 1000, falsePositiveRate: 0.01, seed: random.uint32() })
  const tag = random.uint32().toString(36)
  const items = 200_000
  let added = 0
  for (let i = 0; i < items; i++) if (series.add(`k-${tag}-${i}`)) added++
  for (let i = 0; i < items; i++) assert.ok(series.has(`k-${tag}-${i}`), 'false negative')
  for (let i = 0; i < 1000; i++) assert.equal(series.add(`k-${tag}-${i}`), false)
  // Capacities 1000, 2000, 4000, … sum past 200,000 at the 8th filter.
  assert.equal(series.filterCount, 8)
  assert.equal(series.count, added)
  // A key "added" as a false positive is not counted, so the count may trail the truth slightly.
  assert.ok(added > items * 0.995)
  const queries = 500_000
  let positives = 0
  for (let i = 0; i < queries; i++) if (series.has(`q-${tag}-${i}`)) positives++
  console.log(`# scalable: ${series.filterCount} filters, ${series.bits} bits, measured FPR ${(positives / queries).toExponential(3)} (bound 0.01)`)
  assert.ok(positives / queries < 0.01)

  const bytes = series.serialize()
  const back = ScalableBloomFilter.deserialize(bytes)
  assert.deepEqual(back.serialize(), bytes)
  assert.equal(back.count, series.count)
  for (let i = 0; i < 1000; i++) assert.ok(back.has(`k-${tag}-${i * 199}`))
  assert.equal(back.add(`k-${tag}-new`), series.add(`k-${tag}-new`))
  for (let cut = 0; cut < bytes.length; cut += 4099) assert.throws(() => ScalableBloomFilter.deserialize(bytes.subarray(0, cut)), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  assert.throws(() => new ScalableBloomFilter({ tighteningRatio: 1 }), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})
