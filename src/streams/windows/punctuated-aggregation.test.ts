import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Random, randomFromEnv } from '../../base/random.ts'
import { count } from './aggregators.ts'
import { punctuated } from './definitions.ts'
import { PunctuatedAggregation } from './punctuated-aggregation.ts'
import { AGGREGATES, assertValue, bounds, fold, randomSteps, Recorder, ReferenceKey, windowId, type TestEvent } from './reference.test-kit.ts'
import type { EmitMode } from './window-operator.ts'

test('punctuated windows match a plain simulation of their rules on out-of-order input, with stragglers, late and outside events', () => {
  const random = randomFromEnv('punctuated windows')
  const markers = [
    { name: 'endsWith', make: () => punctuated<TestEvent>({ endsWith: (e) => e.value % 7 === 0 }) },
    { name: 'startsWith', make: () => punctuated<TestEvent>({ startsWith: (e) => e.value % 7 === 0 }) },
    { name: 'both', make: () => punctuated<TestEvent>({ startsWith: (e) => e.value % 11 === 0, endsWith: (e) => e.value % 7 === 0 }) },
  ]
  const outcomes = { late: 0, outside: 0, stragglers: 0 }
  for (let round = 0; round < 8; round++) {
    const local = new Random(random.uint32())
    const grace = local.int(0, 40)
    const steps = randomSteps(local, { steps: 300, keys: 3, stepMs: 5, disorderMs: 40, lagMs: local.int(0, 30), farLateMs: 200, watermarkEvery: 6 })
    for (const marker of markers) {
      const definition = { ...marker.make(), graceMs: grace }
      for (const aggregate of AGGREGATES) {
        for (const emit of ['final', 'update'] as EmitMode[]) {
          const context = `${marker.name} grace=${grace} ${aggregate.name} ${emit} SEED=${random.seed} round ${round}`
          const aggregator = aggregate.make()
          const recorder = new Recorder()
          const operator = new PunctuatedAggregation<string, TestEvent, unknown, number | undefined>(definition, aggregator, { emit, sink: recorder.sink })
          const keys = new Map<string, ReferenceKey>()
          const emitted = new Map<object, { start: number; end: number; value: number | undefined }>()
          const finals = new Set<object>()
          let watermark = -Infinity
          /** The closed windows whose last instant + grace the watermark passed are emitted once ('final'), now. */
          const checkFinals = (out: ReturnType<typeof recorder.take>): void => {
            const due = [...keys.entries()].flatMap(([key, k]) => k.windows.filter((w) => !finals.has(w) && w.last + grace <= watermark).map((w) => ({ key, w })))
            const finalOut = out.filter((e) => e.kind === 'final')
            if (emit === 'update') assert.equal(finalOut.length, 0, `${context}: update mode emits no final results`)
            else assert.equal(finalOut.length, due.length, `${context}: windows final at ${watermark}`)
            for (const { key, w } of due) {
              finals.add(w)
              if (emit === 'update') continue
              const [start, end] = bounds(w.events)
              // Two markers at one instant make two windows with the same bounds: match by value too.
              const expected = fold(aggregator, w.events)
              const index = finalOut.findIndex((x) => x.key === key && x.start === start && x.end === end && x.value === expected)
              assert.ok(index >= 0, `${context}: ${windowId(key, start, end)} final with value ${expected}; got ${JSON.stringify(finalOut)}`)
              finalOut.splice(index, 1)
            }
          }
          for (const step of [...steps, { type: 'watermark' as const, watermark: Infinity }]) {
            if (step.type === 'watermark') {
              watermark = Math.max(watermark, step.watermark)
              operator.advanceWatermark(step.watermark)
              checkFinals(recorder.take())
              continue
            }
            const { event } = step
            const outcome = operator.add(event.key, event.t, event)
            if (event.t + grace <= watermark) {
              assert.equal(outcome, 'late', context)
              outcomes.late++
              continue
            }
            const k = keys.get(event.key) ?? new ReferenceKey()
            keys.set(event.key, k)
            const w = k.route(definition, event)
            if (w === 'outside') {
              assert.equal(outcome, 'outside', `${context}: ${JSON.stringify(event)}`)
              outcomes.outside++
              continue
            }
            assert.equal(outcome, 'accepted', `${context}: ${JSON.stringify(event)}`)
            assert.ok(!finals.has(w), `${context}: an accepted event joined a final window`)
            if (w.last !== Infinity && !(definition.endsWith?.(event) ?? false) && !(definition.startsWith?.(event) ?? false)) outcomes.stragglers++
            const all = recorder.take()
            checkFinals(all)
            const out = all.filter((e) => e.kind !== 'final')
            if (emit === 'final') {
              assert.equal(out.length, 0, context)
              continue
            }
            const [start, end] = bounds(w.events)
            const previous = emitted.get(w)
            const expected: [string, number, number, string][] = []
            if (previous !== undefined && (previous.start !== start || previous.end !== end)) expected.push([event.key, previous.start, previous.end, 'retract'])
            expected.push([event.key, start, end, 'update'])
            assert.deepEqual(out.map((e) => [e.key, e.start, e.end, e.kind]), expected, `${context}: after ${JSON.stringify(event)}`)
            if (previous !== undefined && out.length === 2) assert.equal(out[0]!.value, previous.value, `${context}: retraction value`)
            assertValue(out[out.length - 1]!.value, fold(aggregator, w.events), `${context}: update value`)
            emitted.set(w, { start, end, value: out[out.length - 1]!.value })
          }
          // Open windows never end; every closed one was final by the last watermark.
          for (const k of keys.values()) for (const w of k.windows) assert.ok(finals.has(w), `${context}: closed window never final`)
        }
      }
    }
  }
  assert.ok(outcomes.late > 0 && outcomes.outside > 0 && outcomes.stragglers > 0, `the runs exercise late, outside and straggler events: ${JSON.stringify(outcomes)}`)
})

test('a click that arrives after the logout it preceded still counts in that session, within grace', () => {
  interface Click { user: string; type: 'click' | 'logout' }
  const recorder = new Recorder()
  const operator = new PunctuatedAggregation<string, Click, number, number>(punctuated<Click>({ endsWith: (c) => c.type === 'logout', grace: '5s' }), count(), { emit: 'final', sink: recorder.sink as never })
  operator.add('ann', 1_000, { user: 'ann', type: 'click' })
  operator.add('ann', 2_000, { user: 'ann', type: 'click' })
  operator.add('ann', 3_000, { user: 'ann', type: 'logout' })
  operator.add('ann', 4_000, { user: 'ann', type: 'click' }) // a new session
  operator.advanceWatermark(6_000)
  assert.equal(operator.add('ann', 2_500, { user: 'ann', type: 'click' }), 'accepted', 'a straggler inside grace')
  operator.advanceWatermark(7_999)
  assert.equal(recorder.all.length, 0)
  operator.advanceWatermark(8_000) // logout at 3 s + grace 5 s
  assert.deepEqual(recorder.take().map((e) => [e.start, e.end, e.value, e.kind]), [[1_000, 3_001, 4, 'final']])
  assert.equal(operator.add('ann', 2_900, { user: 'ann', type: 'click' }), 'late')
  assert.equal(operator.keyCount, 1, 'the open session of ann stays')
})

test('with startsWith, events outside any window are reported, not dropped', () => {
  const operator = new PunctuatedAggregation<string, string, number, number>(punctuated<string>({ startsWith: (e) => e === 'begin', endsWith: (e) => e === 'end' }), count(), { emit: 'final', sink: () => {} })
  assert.equal(operator.add('m', 1, 'noise'), 'outside')
  assert.equal(operator.add('m', 2, 'begin'), 'accepted')
  assert.equal(operator.add('m', 3, 'x'), 'accepted')
  assert.equal(operator.add('m', 4, 'end'), 'accepted')
  assert.equal(operator.add('m', 5, 'y'), 'outside')
  assert.equal(operator.add('m', 6, 'end'), 'outside')
})
