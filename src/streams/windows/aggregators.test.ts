import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { avg, count, max, min, reduce, sum, validateAggregator, type Aggregator } from './aggregators.ts'

const value = (x: number): number => x

function foldAll<A, O>(aggregator: Aggregator<number, A, O>, inputs: readonly number[]): A {
  let acc = aggregator.init()
  for (const input of inputs) acc = aggregator.add(acc, input)
  return acc
}

test('built-in aggregates give the textbook results and nothing for no input', () => {
  const inputs = [4, -2, 9, 9, 0]
  assert.equal(count().result(foldAll(count(), inputs)), 5)
  assert.equal(sum(value).result(foldAll(sum(value), inputs)), 20)
  assert.equal(min(value).result(foldAll(min(value), inputs)), -2)
  assert.equal(max(value).result(foldAll(max(value), inputs)), 9)
  assert.equal(avg(value).result(foldAll(avg(value), inputs)), 4)
  assert.equal(min(value).result(min(value).init()), undefined)
  assert.equal(max(value).result(max(value).init()), undefined)
  assert.equal(avg(value).result(avg(value).init()), undefined)
  assert.equal(count().result(count().init()), 0)
  assert.deepEqual([count(), sum(value), avg(value), min(value), max(value)].map((a) => a.algebra), ['invertible', 'invertible', 'invertible', 'associative', 'associative'])
})

test('merge is the fold of the concatenation, and subtract and remove undo merge and add', () => {
  const random = randomFromEnv('aggregate laws')
  const aggregators: Aggregator<number, any, number | undefined>[] = [count(), sum(value), min(value), max(value), avg(value), reduce((a: number, b: number) => a + b, { inverse: (a, b) => a - b }), reduce((a: number, b: number) => Math.max(a, b))]
  for (let round = 0; round < 300; round++) {
    const parts = [0, 1, 2].map(() => Array.from({ length: random.int(0, 6) }, () => random.int(-100, 100)))
    for (const aggregator of aggregators) {
      const [a, b, c] = parts.map((p) => foldAll(aggregator, p))
      const whole = foldAll(aggregator, parts.flat())
      assert.deepEqual(aggregator.result(aggregator.merge!(aggregator.merge!(a, b), c)), aggregator.result(whole), `merge = fold of all SEED=${random.seed}`)
      assert.deepEqual(aggregator.merge!(aggregator.merge!(a, b), c), aggregator.merge!(a, aggregator.merge!(b, c)), 'associative')
      // Undoing down to no input at all is not asked of reduce (it has no identity element): the
      // engines know when a window is empty and never read its accumulator then.
      if (aggregator.algebra !== 'invertible' || parts[0]!.length === 0) continue
      assert.deepEqual(aggregator.result(aggregator.subtract!(aggregator.merge!(a, b), b)), aggregator.result(a), 'subtract undoes merge')
      const extra = random.int(-100, 100)
      assert.deepEqual(aggregator.result(aggregator.remove!(aggregator.add(a, extra), extra)), aggregator.result(a), 'remove undoes add')
    }
  }
})

test('reduce keeps undefined for "no input" so fn never sees it', () => {
  const seen: unknown[] = []
  const longest = reduce((a: string, b: string) => (seen.push(a, b), b.length > a.length ? b : a))
  assert.equal(longest.algebra, 'associative')
  let acc = longest.init()
  for (const word of ['a', 'abc', 'ab']) acc = longest.add(acc, word)
  assert.equal(longest.result(acc), 'abc')
  assert.equal(longest.merge!(undefined, 'x'), 'x')
  assert.ok(!seen.includes(undefined))
})

test('an aggregator missing what its algebra promises is INVALID_ARGUMENT', () => {
  const bad = (a: object, pattern: RegExp): void => assert.throws(() => validateAggregator(a as never), (e) => isSluiceError(e, 'INVALID_ARGUMENT') && pattern.test((e as Error).message))
  const { subtract: _s, ...noSubtract } = count()
  bad(noSubtract, /algebra 'invertible' must define subtract\(\)/)
  const { merge: _m, ...noMerge } = min(value)
  bad(noMerge, /algebra 'associative' must define merge\(\)/)
  bad({ ...count(), algebra: 'commutative' }, /algebra must be 'invertible', 'associative' or 'none'/)
  bad({ algebra: 'none', init: () => 0, add: 1, result: (a: number) => a }, /must define add\(\)/)
  validateAggregator({ algebra: 'none', init: () => [], add: (a: number[], x: number) => [...a, x], result: (a: number[]) => a } as never)
  assert.throws(() => reduce(42 as never), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})
