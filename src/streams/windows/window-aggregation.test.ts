import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { avg, count, max, min, reduce, sum } from './aggregators.ts'
import { countWindow, punctuated, session, sliding, tumbling } from './definitions.ts'
import { Recorder } from './reference.test-kit.ts'
import { windowAggregation } from './window-aggregation.ts'

const sink = (): void => {}
const collect = { name: 'collect', algebra: 'none' as const, init: (): number[] => [], add: (acc: number[], x: number) => [...acc, x], result: (acc: number[]) => acc.length }

test('the algorithm follows the algebra: subtract-on-evict, two-stacks, per-window', () => {
  const window = sliding({ size: '10m', every: '1s' })
  assert.equal(windowAggregation(window, count(), { sink }).algorithm, 'subtract-on-evict')
  assert.equal(windowAggregation(window, avg((x: number) => x), { sink }).algorithm, 'subtract-on-evict')
  assert.equal(windowAggregation(window, reduce((a: number, b: number) => a + b, { inverse: (a, b) => a - b }), { sink }).algorithm, 'subtract-on-evict')
  assert.equal(windowAggregation(window, max((x: number) => x), { sink }).algorithm, 'two-stacks')
  assert.equal(windowAggregation(window, reduce((a: number, b: number) => a + b), { sink }).algorithm, 'two-stacks')
  assert.equal(windowAggregation(window, collect, { sink }).algorithm, 'per-window')
  assert.equal(windowAggregation(window, count(), { sink, algorithm: 'two-stacks' }).algorithm, 'two-stacks')
  assert.equal(windowAggregation(tumbling({ size: '1m' }), min((x: number) => x), { sink }).algorithm, 'per-window', 'a tumbling window is one pane')
  assert.equal(windowAggregation(countWindow({ size: 100, every: 10 }), sum((x: number) => x), { sink }).algorithm, 'subtract-on-evict')
  assert.equal(windowAggregation(session({ gap: '5m' }), count(), { sink }).algorithm, 'session-merge')
  assert.equal(windowAggregation(session({ gap: '5m' }), collect, { sink }).algorithm, 'session-refold')
  assert.equal(windowAggregation(punctuated({ endsWith: (x: number) => x < 0 }), count(), { sink }).algorithm, 'per-window')
})

test('windowAggregation rejects what cannot work with INVALID_ARGUMENT', () => {
  const invalid = (pattern: RegExp) => (e: unknown): boolean => isSluiceError(e, 'INVALID_ARGUMENT') && pattern.test((e as Error).message)
  const window = sliding({ size: '1m', every: '1s' })
  assert.throws(() => windowAggregation(window, max((x: number) => x), { sink, algorithm: 'subtract-on-evict' }), invalid(/'subtract-on-evict' needs an invertible aggregator; this one is 'associative'/))
  assert.throws(() => windowAggregation(window, collect, { sink, algorithm: 'two-stacks' }), invalid(/'two-stacks' needs an associative aggregator/))
  assert.throws(() => windowAggregation(window, count(), { sink, emit: 'eventually' as never }), invalid(/emit must be 'update' or 'final'/))
  assert.throws(() => windowAggregation(window, count(), {} as never), invalid(/sink must be a function/))
  assert.throws(() => windowAggregation({ kind: 'galactic' } as never, count(), { sink }), invalid(/unknown window kind galactic/))
  assert.throws(() => windowAggregation(null as never, count(), { sink }), invalid(/window must be a window definition/))
  assert.throws(() => windowAggregation(window, { algebra: 'associative', init: () => 0, add: (a: number) => a, result: (a: number) => a } as never, { sink }), invalid(/must define merge/))
})

test('a sink that calls back into its operator is a bug caught at once', () => {
  const recorder = new Recorder()
  let operator: ReturnType<typeof windowAggregation<string, number, number, number>> | undefined
  operator = windowAggregation<string, number, number, number>(tumbling({ size: 10 }), count(), {
    emit: 'update',
    sink: (...args) => {
      recorder.sink(...(args as Parameters<typeof recorder.sink>))
      operator!.add('again', 1, 1)
    },
  })
  assert.throws(() => operator!.add('k', 1, 1), /must not call back into its operator/)
})

test('watermarks only move forward, and Infinity closes every time window', () => {
  const recorder = new Recorder()
  const operator = windowAggregation<string, number, number, number>(tumbling({ size: 10 }), count(), { emit: 'final', sink: recorder.sink as never })
  operator.add('a', 5, 0)
  operator.advanceWatermark(20)
  operator.advanceWatermark(3)
  assert.equal(operator.watermark, 20)
  assert.equal(operator.add('a', 9, 0), 'late', 'a smaller watermark does not reopen windows')
  operator.add('a', 25, 0)
  operator.advanceWatermark(Infinity)
  assert.deepEqual(recorder.all.map((e) => [e.start, e.end, e.value]), [[0, 10, 1], [20, 30, 1]])
  assert.equal(operator.keyCount, 0)
})

test('final emission of an invertible aggregate over sliding windows runs the lockstep layout, with the same results', () => {
  const results: Record<string, unknown[][]> = {}
  for (const emit of ['final', 'update'] as const) {
    const recorder = new Recorder()
    const operator = windowAggregation<string, number, unknown, number | undefined>(sliding({ size: 30, every: 10, grace: 5 }), avg((x: number) => x), { emit, sink: recorder.sink as never })
    assert.equal(operator.constructor.name, emit === 'final' ? 'LockstepAggregation' : 'TimeWindowAggregation')
    for (const [key, t, value] of [['a', 1, 2], ['b', 12, 7], ['a', 14, 4], ['a', 9, 6], ['b', 40, 1]] as const) operator.add(key, t, value)
    operator.advanceWatermark(26) // closes [-20, 10) and [-10, 20)
    assert.equal(operator.add('a', 2, 100), 'accepted', '[0, 30) is still open')
    operator.advanceWatermark(Infinity)
    // The last value each window was emitted with.
    const last = new Map<string, number | undefined>()
    for (const e of recorder.all) last.set(`${e.key} ${e.start}`, e.value)
    results[emit] = [...last].sort()
  }
  assert.deepEqual(results['final'], results['update'])
  assert.deepEqual(results['final'], [
    ['a -10', 4], ['a -20', 4], ['a 0', 28], ['a 10', 4],
    ['b -10', 7], ['b 0', 7], ['b 10', 7], ['b 20', 1], ['b 30', 1], ['b 40', 1],
  ])
})
