import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import type { Random } from '../base/random.ts'
import { SpaceSaving, type TopKKey } from './space-saving.ts'
import { seededRandom, Zipf } from './stats.test-kit.ts'

/** Checks every guarantee of a summary against the exact counts of its stream. */
function assertBounds(summary: SpaceSaving<number>, truth: Map<number, number>, label: string): void {
  const total = [...truth.values()].reduce((a, b) => a + b, 0)
  assert.equal(summary.totalCount, total, label)
  assert.ok(summary.floor <= total / summary.capacity + 1e-9, `${label}: floor ${summary.floor} above N/k ${total / summary.capacity}`)
  for (const [key, count] of truth) {
    const { lower, upper } = summary.bounds(key)
    assert.ok(lower <= count && count <= upper, `${label}: key ${key} count ${count} outside [${lower}, ${upper}]`)
    if (count > total / summary.capacity) assert.ok(summary.top().some((e) => e.key === key), `${label}: heavy key ${key} (${count}) not monitored`)
  }
  for (const entry of summary.top()) assert.ok(entry.error <= summary.floor + 1e-9 && entry.count >= summary.floor, label)
}

function zipfStream(random: Random, length: number, keys: number, exponent: number): number[] {
  const zipf = new Zipf(keys, exponent)
  return Array.from({ length }, () => zipf.next(random))
}

function countOf(stream: readonly number[]): Map<number, number> {
  const truth = new Map<number, number>()
  for (const key of stream) truth.set(key, (truth.get(key) ?? 0) + 1)
  return truth
}

test('counts are exact while the distinct keys fit', () => {
  const summary = new SpaceSaving<string>(4)
  for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) summary.add(key)
  summary.add('d', 10)
  assert.deepEqual(summary.top(), [
    { key: 'd', count: 10, error: 0 },
    { key: 'a', count: 3, error: 0 },
    { key: 'b', count: 2, error: 0 },
    { key: 'c', count: 1, error: 0 },
  ])
  assert.equal(summary.floor, 0)
  summary.add('e')
  assert.deepEqual(summary.bounds('e'), { lower: 1, upper: 2 }) // took c's place: c's 1 + its own 1
  assert.deepEqual(summary.bounds('c'), { lower: 0, upper: 1 })
})

test('on Zipf streams every bound holds, heavy keys are all monitored, and the top 10 is right', () => {
  const random = seededRandom('space-saving zipf', 5001)
  for (const [exponent, capacity] of [[1.2, 100], [0.9, 200], [1.5, 20]] as const) {
    const stream = zipfStream(random, 200_000, 100_000, exponent)
    const truth = countOf(stream)
    const summary = new SpaceSaving<number>(capacity)
    for (const key of stream) summary.add(key)
    assertBounds(summary, truth, `zipf ${exponent}, k=${capacity}`)
    const ranked = [...truth].sort((a, b) => b[1] - a[1])
    const trueTop = ranked.slice(0, 10).map(([key]) => key)
    const found = summary.top(10).map((e) => e.key)
    console.log(`# zipf ${exponent} k=${capacity}: floor ${summary.floor} (N/k ${200_000 / capacity}), top-10 overlap ${found.filter((k) => trueTop.includes(k)).length}/10`)
    // Where the j-th count beats the (j+1)-th by more than the floor, the top j by upper bound is
    // guaranteed exact; beyond that, require a good overlap with the true top 10.
    for (let j = 1; j <= 10; j++) {
      if (ranked[j - 1]![1] > ranked[j]![1] + summary.floor) assert.deepEqual(new Set(summary.top(j).map((e) => e.key)), new Set(trueTop.slice(0, j)), `top ${j}`)
    }
    assert.ok(found.filter((k) => trueTop.includes(k)).length >= 8)
    // heavyHitters(share) misses no key above share·N as long as share·N is at least the floor.
    const share = Math.max(0.01, summary.floor / 200_000)
    const hitters = summary.heavyHitters(share)
    for (const [key, count] of truth) if (count > share * 200_000) assert.ok(hitters.some((h) => h.key === key), `heavy key ${key}`)
    for (const hitter of hitters) if (hitter.guaranteed) assert.ok(truth.get(hitter.key)! > share * 200_000)
  }
})

test('merging partitions in a tree keeps every bound (Agarwal et al. rule) and finds the same top keys', () => {
  const random = seededRandom('space-saving merge', 5002)
  const stream = zipfStream(random, 160_000, 50_000, 1.1)
  const truth = countOf(stream)
  const capacity = 64
  let parts = Array.from({ length: 16 }, () => new SpaceSaving<number>(capacity))
  const partTruths = parts.map(() => new Map<number, number>())
  for (const key of stream) {
    const p = random.int(0, parts.length)
    parts[p]!.add(key)
    partTruths[p]!.set(key, (partTruths[p]!.get(key) ?? 0) + 1)
  }
  parts.forEach((part, i) => assertBounds(part, partTruths[i]!, `part ${i}`))
  while (parts.length > 1) {
    const next: SpaceSaving<number>[] = []
    for (let i = 0; i < parts.length; i += 2) next.push(parts[i]!.merge(parts[i + 1]!))
    parts = next
  }
  const merged = parts[0]!
  assertBounds(merged, truth, 'merged')
  const single = new SpaceSaving<number>(capacity)
  for (const key of stream) single.add(key)
  assert.deepEqual(new Set(merged.top(5).map((e) => e.key)), new Set(single.top(5).map((e) => e.key)))
  // The merged summary keeps taking updates with its bounds intact.
  const more = zipfStream(random, 20_000, 50_000, 1.1)
  for (const key of more) {
    merged.add(key)
    truth.set(key, (truth.get(key) ?? 0) + 1)
  }
  assertBounds(merged, truth, 'merged then updated')
  assert.throws(() => merged.merge(new SpaceSaving<number>(10)), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('weighted updates keep the bounds', () => {
  const random = seededRandom('space-saving weights', 5003)
  const summary = new SpaceSaving<number>(50)
  const truth = new Map<number, number>()
  for (let i = 0; i < 50_000; i++) {
    const key = random.chance(0.5) ? random.int(0, 20) : random.int(0, 100_000)
    const weight = random.int(1, 100)
    summary.add(key, weight)
    truth.set(key, (truth.get(key) ?? 0) + weight)
  }
  assertBounds(summary, truth, 'weighted')
  assert.throws(() => summary.add(1, -2), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})

test('serialize and deserialize round-trip keys of every type; corrupt bytes are CORRUPT_MESSAGE', () => {
  const random = seededRandom('space-saving serialize', 5004)
  const summary = new SpaceSaving<TopKKey>(8)
  const keys: TopKKey[] = ['a', 'ключ', '😀', 1, 1.5, -0.25, true, false, 'x', 2, 'y']
  for (let i = 0; i < 1000; i++) summary.add(random.pick(keys), random.int(1, 4))
  const bytes = summary.serialize()
  const back = SpaceSaving.deserialize(bytes)
  assert.deepEqual(back.top(), summary.top())
  assert.equal(back.floor, summary.floor)
  assert.equal(back.totalCount, summary.totalCount)
  assert.deepEqual(back.serialize(), bytes)
  back.add('a', 5)
  summary.add('a', 5)
  assert.deepEqual(back.top(), summary.top())
  for (let cut = 0; cut < bytes.length; cut += 5) assert.throws(() => SpaceSaving.deserialize(bytes.subarray(0, cut)), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})
