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
