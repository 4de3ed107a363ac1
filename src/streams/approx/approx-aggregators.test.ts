// Each approximate aggregator on its own: add and merge never mutate their arguments (serialized
// form compared before and after), merge matches the sketch of the union, the codec round-trips,
// copy-on-write hands back the same HyperLogLog when a key changes nothing, and bad arguments are
// INVALID_ARGUMENT. Window engines and the runtime are exercised in approx-windows.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { isSluiceError } from '../../base/errors.ts'
import { Random } from '../../base/random.ts'
import { DDSketch, HyperLogLog, type Reservoir, type SpaceSaving } from '../../sketches/index.ts'
import type { Aggregator } from '../windows/index.ts'
import { approxDistinct, approxQuantiles, sample, topK } from './index.ts'

function seeded(label: string, defaultSeed: number): Random {
  const random = new Random(process.env['SEED'] === undefined ? defaultSeed : Number(process.env['SEED']))
  process.stderr.write(`# ${label}: SEED=${random.seed}\n`)
  return random
}

function fold<I, A, O>(aggregator: Aggregator<I, A, O>, inputs: readonly I[]): A {
  return inputs.reduce((acc, input) => aggregator.add(acc, input), aggregator.init())
}

/** Folds, merges and adds while checking that no argument's encoded form ever changes. */
function checkNoMutation<I, A, O>(aggregator: Aggregator<I, A, O>, a: readonly I[], b: readonly I[]): A {
  const encode = (acc: A): Buffer => Buffer.from(aggregator.codec!.encode(acc))
  const empty = encode(aggregator.init())
  let left = aggregator.init()
  for (const input of a) {
    const before = encode(left)
    const next = aggregator.add(left, input)
    assert.deepEqual(encode(left), before, 'add mutated its accumulator')
    left = next
  }
  const right = fold(aggregator, b)
  const [leftBytes, rightBytes] = [encode(left), encode(right)]
  const merged = aggregator.merge!(left, right)
  assert.deepEqual(encode(left), leftBytes, 'merge mutated its older argument')
  assert.deepEqual(encode(right), rightBytes, 'merge mutated its newer argument')
  aggregator.add(merged, b[0]!)
  assert.deepEqual(encode(aggregator.init()), empty, 'the shared empty accumulator changed')
  return merged
}

function checkCodec<I, A, O>(aggregator: Aggregator<I, A, O>, acc: A): void {
  const codec = aggregator.codec!
  assert.ok(codec.isAccumulator(acc))
  assert.ok(!codec.isAccumulator({}) && !codec.isAccumulator(null) && !codec.isAccumulator(3))
  const bytes = codec.encode(acc)
  const back = codec.decode(bytes)
  assert.deepEqual(Buffer.from(codec.encode(back)), Buffer.from(bytes))
  assert.deepEqual(aggregator.result(back), aggregator.result(acc))
}

const keys = (random: Random, n: number, distinct: number): string[] => Array.from({ length: n }, () => `k${random.int(0, distinct)}`)

test('approxDistinct: values, union merge, codec, and copy-on-write returns the same sketch when nothing changes', () => {
  const random = seeded('approxDistinct', 11)
  for (const distinct of [50, 5_000]) {
    // p = 8 turns dense after 64 distinct keys: both representations are covered.
    const aggregator = approxDistinct<string>(undefined, { precision: 8 })
    const [a, b] = [keys(random, 800, distinct), keys(random, 800, distinct)]
    const merged = checkNoMutation(aggregator, a, b)
    const union = new HyperLogLog({ precision: 8 })
    for (const key of [...a, ...b]) union.add(key)
    assert.deepEqual(merged.registers(), union.registers(), `${distinct}: merge equals the sketch of the union`)
    checkCodec(aggregator, merged)
    const truth = new Set([...a, ...b]).size
    if (distinct === 50) assert.equal(aggregator.result(merged), truth, 'sparse counts are exact at this size')
    else assert.ok(Math.abs(aggregator.result(merged) - truth) <= 4 * (1.04 / 16) * truth, `${aggregator.result(merged)} vs ${truth}`)
  }
  const aggregator = approxDistinct((event: { user: string }) => event.user)
  const one = aggregator.add(aggregator.init(), { user: 'ann' })
  assert.equal(aggregator.add(one, { user: 'ann' }), one, 'a repeated key returns the accumulator itself')
  const two = aggregator.add(one, { user: 'bob' })
  assert.notEqual(two, one)
  assert.equal(aggregator.result(one), 1)
  assert.equal(aggregator.result(two), 2)
  assert.equal(aggregator.result(aggregator.init()), 0)
  assert.equal(aggregator.merge!(aggregator.init(), one), one)
  // Once dense, almost every add of a fresh key changes nothing and allocates nothing.
  const dense = approxDistinct<number>(undefined, { precision: 6 })
  let acc = dense.init()
  let copies = 0
  for (let i = 0; i < 20_000; i++) {
    const next = dense.add(acc, i)
    if (next !== acc) copies++
    acc = next
  }
  assert.ok(copies < 600, `${copies} copies for 20000 adds`)
})

test('topK: no mutation, merged bounds hold the true counts, heavy hitters are kept, codec round-trips', () => {
  const random = seeded('topK', 12)
  // Skewed keys: key i with weight 1/(i+1).
  const zipf = (n: number): number[] => Array.from({ length: n }, () => Math.floor(Math.exp(random.float() * Math.log(200))) - 1)
  const aggregator = topK<number, number>(5, undefined, { capacity: 20 })
  const [a, b] = [zipf(1_500), zipf(1_500)]
  const merged = checkNoMutation(aggregator, a, b) as SpaceSaving<number>
  checkCodec(aggregator, merged)
  const truth = new Map<number, number>()
  for (const key of [...a, ...b]) truth.set(key, (truth.get(key) ?? 0) + 1)
  const result = aggregator.result(merged)
  assert.equal(result.length, 5)
  for (const entry of result) {
    const actual = truth.get(entry.key) ?? 0
    assert.ok(entry.count - entry.error <= actual && actual <= entry.count, `key ${entry.key}: ${actual} outside [${entry.count - entry.error}, ${entry.count}]`)
  }
  const n = a.length + b.length
  for (const [key, count] of truth) if (count > n / 20) assert.ok(merged.bounds(key).upper >= count, `heavy hitter ${key} (${count} of ${n}) kept`)
  assert.deepEqual(aggregator.result(aggregator.init()), [])
  assert.throws(() => topK(0), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
  assert.throws(() => topK(5, undefined, { capacity: 3 }), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
  assert.throws(() => topK(2).add(topK(2).init(), { not: 'a key' }), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
})

test('approxQuantiles: no mutation, merge equals the union byte for byte, answers within α, codec round-trips', () => {
  const random = seeded('approxQuantiles', 13)
  const values = (n: number): number[] => Array.from({ length: n }, () => random.int(1, 100_000))
  const aggregator = approxQuantiles((x: number) => x, [0, 0.25, 0.5, 0.9, 0.99, 1], { relativeAccuracy: 0.02 })
  const [a, b] = [values(700), values(900)]
  const merged = checkNoMutation(aggregator, a, b)
  const union = new DDSketch({ relativeAccuracy: 0.02 })
  for (const x of [...a, ...b]) union.add(x)
  assert.deepEqual(Buffer.from(aggregator.codec!.encode(merged)), union.serialize())
  checkCodec(aggregator, merged)
  const sorted = [...a, ...b].sort((x, y) => x - y)
  const result = aggregator.result(merged)
  // JavaScript lists integer-like property names first: '0' and '1' lead, whatever the order asked.
  assert.deepEqual(Object.keys(result), ['0', '1', '0.25', '0.5', '0.9', '0.99'])
  for (const q of [0, 0.25, 0.5, 0.9, 0.99, 1]) {
    const exact = sorted[Math.floor(q * (sorted.length - 1))]!
    assert.ok(Math.abs(result[q]! - exact) <= 0.02 * exact + 1e-9, `q=${q}: ${result[q]} vs ${exact}`)
  }
  assert.ok(Number.isNaN(aggregator.result(aggregator.init())[0.5]))
  assert.equal(JSON.stringify(aggregator.result(aggregator.init())), '{"0":null,"1":null,"0.25":null,"0.5":null,"0.9":null,"0.99":null}')
  assert.throws(() => approxQuantiles((x: number) => x, [1.5]), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
  assert.throws(() => aggregator.add(aggregator.init(), Number.NaN), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
})

test('sample: no mutation, merge samples the union uniformly, seeded runs repeat, codec round-trips', () => {
  const ids = (from: number, n: number): Array<{ id: number }> => Array.from({ length: n }, (_, i) => ({ id: from + i }))
  const aggregator = sample(10, (x: { id: number }) => x.id, { seed: 5 })
  const [a, b] = [ids(0, 100), ids(100, 300)]
  const merged = checkNoMutation(aggregator, a, b) as Reservoir<number>
  checkCodec(aggregator, merged)
  const items = aggregator.result(merged)
  assert.equal(items.length, 10)
  assert.equal(new Set(items).size, 10)
  for (const id of items) assert.ok(id >= 0 && id < 400)
  assert.deepEqual(aggregator.result(fold(aggregator, ids(0, 7))).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6], 'fewer inputs than n: all of them')
  // A quarter of the union comes from a: over many merges a quarter of the sampled items should.
  const left = fold(aggregator, a)
  const right = fold(aggregator, b)
  let fromA = 0
  const trials = 2_000
  for (let t = 0; t < trials; t++) fromA += aggregator.result(aggregator.merge!(left, right)).filter((id) => id < 100).length
  const share = fromA / (trials * 10)
  assert.ok(Math.abs(share - 0.25) < 0.02, `share from a ${share}`)
  const again = sample(10, (x: { id: number }) => x.id, { seed: 5 })
  const run = (agg: typeof aggregator): number[] => agg.result(fold(agg, ids(0, 1_000)))
  assert.deepEqual(run(sample(10, (x: { id: number }) => x.id, { seed: 9 })), run(sample(10, (x: { id: number }) => x.id, { seed: 9 })))
  assert.notDeepEqual(run(again), run(sample(10, (x: { id: number }) => x.id, { seed: 6 })))
  // Items that are plain objects survive the codec (node:v8).
  const objects = sample<{ id: number; tags: string[] }>(3)
  const acc = fold(objects, [{ id: 1, tags: ['a'] }, { id: 2, tags: [] }])
  assert.deepEqual(objects.result(objects.codec!.decode(objects.codec!.encode(acc))), objects.result(acc))
  assert.deepEqual(v8.deserialize(v8.serialize(objects.result(acc))), objects.result(acc))
  assert.throws(() => sample(0), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
})

test('approxDistinct rejects keys a sketch cannot hash and bad precision', () => {
  const aggregator = approxDistinct<unknown>()
  assert.throws(() => aggregator.add(aggregator.init(), { user: 'x' }), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT' && /function that picks the key/.test(error.message))
  assert.throws(() => approxDistinct(undefined, { precision: 30 }), (error) => isSluiceError(error) && error.code === 'INVALID_ARGUMENT')
})
