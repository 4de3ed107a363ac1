import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Random, randomFromEnv } from '../../base/random.ts'
import { count, sum } from './aggregators.ts'
import { session, type SessionDefinition } from './definitions.ts'
import { AGGREGATES, assertValue, fold, randomSteps, Recorder, sessionize, windowId, type TestEvent } from './reference.test-kit.ts'
import { SessionAggregation } from './session-aggregation.ts'
import { SessionWindows } from './session-windows.ts'
import type { EmitMode } from './window-operator.ts'

function runSessions(definition: SessionDefinition, aggregate: (typeof AGGREGATES)[number], emit: EmitMode, steps: ReturnType<typeof randomSteps>, context: string): number {
  const aggregator = aggregate.make()
  const recorder = new Recorder()
  const operator = new SessionAggregation<string, TestEvent, unknown, number | undefined>(definition, aggregator, { emit, sink: recorder.sink })
  const accepted = new Map<string, TestEvent[]>()
  const live = new Map<string, number | undefined>() // update mode: emitted and not retracted
  const finals = new Map<string, number | undefined>()
  const { gapMs, graceMs } = definition
  let watermark = -Infinity
  let late = 0
  for (const step of [...steps, { type: 'watermark' as const, watermark: Infinity }]) {
    if (step.type === 'watermark') {
      watermark = Math.max(watermark, step.watermark)
      operator.advanceWatermark(step.watermark)
      for (const e of recorder.take()) {
        assert.equal(e.kind, 'final', `${context}: only final results at watermarks`)
        const id = windowId(e.key, e.start, e.end)
        const expected = sessionize(accepted.get(e.key) ?? [], gapMs).find((s) => s.start === e.start && s.end === e.end)
        assert.ok(expected !== undefined, `${context}: emitted ${id} is not a session`)
        assert.ok(e.end + graceMs <= watermark, `${context}: ${id} emitted before it closed`)
        assert.ok(!finals.has(id), `${context}: ${id} emitted twice`)
        assertValue(e.value, fold(aggregator, expected.events), `${context}: value of ${id}`)
        finals.set(id, e.value)
      }
      continue
    }
    const { event } = step
    const before = sessionize(accepted.get(event.key) ?? [], gapMs)
    const after = sessionize([...(accepted.get(event.key) ?? []), event], gapMs)
    const own = after.find((s) => s.events.includes(event))!
    // Per-event lateness; what it guarantees is checked too: an accepted event never joins a
    // session that is closed or that swallowed one already closed.
    const isLate = event.t + graceMs <= watermark
    if (!isLate) {
      assert.ok(own.end + graceMs > watermark, `${context}: accepted into a closed session`)
      assert.ok(!before.some((s) => s.end + graceMs <= watermark && s.events.every((e) => own.events.includes(e))), `${context}: a closed session reopened`)
    }
    const outcome = operator.add(event.key, event.t, event)
    assert.equal(outcome, isLate ? 'late' : 'accepted', `${context}: outcome of ${JSON.stringify(event)} at watermark ${watermark}`)
    const out = recorder.take()
    if (isLate) {
      late++
      assert.equal(out.length, 0)
      continue
    }
    accepted.set(event.key, [...(accepted.get(event.key) ?? []), event])
    if (emit === 'final') {
      assert.equal(out.length, 0, `${context}: final mode emitted on add`)
      continue
    }
    // Update mode: retractions of every replaced session whose bounds changed, then the session.
    const gone = before.filter((s) => !after.some((a) => a.start === s.start && a.end === s.end)).map((s) => windowId(event.key, s.start, s.end)).sort()
    assert.deepEqual(out.filter((e) => e.kind === 'retract').map((e) => windowId(e.key, e.start, e.end)).sort(), gone, `${context}: retractions after ${JSON.stringify(event)}`)
    for (const e of out.filter((x) => x.kind === 'retract')) {
      assert.equal(live.get(windowId(e.key, e.start, e.end)), e.value, `${context}: a retraction carries the value it retracts`)
      live.delete(windowId(e.key, e.start, e.end))
    }
    const updates = out.filter((e) => e.kind === 'update')
    assert.equal(updates.length, 1)
    assert.equal(windowId(updates[0]!.key, updates[0]!.start, updates[0]!.end), windowId(event.key, own.start, own.end))
    assertValue(updates[0]!.value, fold(aggregator, own.events), `${context}: update value`)
    live.set(windowId(event.key, own.start, own.end), updates[0]!.value)
  }
  const expected = new Map<string, number | undefined>()
  for (const [key, events] of accepted) for (const s of sessionize(events, gapMs)) expected.set(windowId(key, s.start, s.end), fold(aggregator, s.events))
  assert.deepEqual(emit === 'final' ? finals : live, expected, `${context}: the sessions at the end`)
  assert.equal(operator.keyCount, 0, `${context}: keys left after the final watermark`)
  return late
}

test('session windows match a brute-force sessionization of the accepted events, with late data merging and bridging', () => {
  const random = randomFromEnv('session windows')
  let late = 0
  for (let round = 0; round < 8; round++) {
    const local = new Random(random.uint32())
    const steps = randomSteps(local, { steps: 300, keys: 3, stepMs: 8, disorderMs: 60, lagMs: local.int(0, 40), farLateMs: 300, watermarkEvery: 6 })
    const definition = session({ gap: local.int(5, 40), grace: local.int(0, 30) })
    for (const aggregate of AGGREGATES) {
      for (const emit of ['final', 'update'] as const) {
        const noneAggregator = { ...aggregate.make(), algebra: 'none' as const }
        late += runSessions(definition, aggregate, emit, steps, `gap=${definition.gapMs} grace=${definition.graceMs} ${aggregate.name} ${emit} SEED=${random.seed} round ${round}`)
        late += runSessions(definition, { name: `${aggregate.name}/none`, make: () => noneAggregator }, emit, steps, `gap=${definition.gapMs} grace=${definition.graceMs} ${aggregate.name} (as 'none') ${emit} SEED=${random.seed} round ${round}`)
      }
    }
  }
  assert.ok(late > 0, 'the runs include late events')
})

test('a late event that falls between two sessions bridges them into one', () => {
  const recorder = new Recorder()
  const operator = new SessionAggregation<string, TestEvent, number, number>(session({ gap: 10, grace: 20 }), sum((e: TestEvent) => e.value), { emit: 'update', sink: recorder.sink })
  const at = (t: number, value: number): TestEvent => ({ key: 'u', t, value })
  operator.add('u', 0, at(0, 1))
  operator.add('u', 5, at(5, 2)) // [0, 15)
  operator.add('u', 30, at(30, 4)) // [30, 40)
  recorder.take()
  operator.advanceWatermark(25)
  assert.equal(operator.add('u', 4, at(4, 1)), 'late', 'more than grace behind the watermark, even inside an open session')
  assert.equal(operator.add('u', 14, at(14, 8)), 'accepted', 'behind the watermark but within grace')
  assert.deepEqual(recorder.take().map((e) => [e.kind, e.start, e.end, e.value]), [['retract', 0, 15, 3], ['update', 0, 24, 11]])
  assert.equal(operator.add('u', 22, at(22, 16)), 'accepted') // bridges [0, 24) and [30, 40)
  assert.deepEqual(recorder.take().map((e) => [e.kind, e.start, e.end, e.value]), [['retract', 0, 24, 11], ['retract', 30, 40, 4], ['update', 0, 40, 31]])
  operator.advanceWatermark(59)
  assert.equal(operator.keyCount, 1)
  operator.advanceWatermark(60) // end 40 + grace 20
  assert.equal(operator.keyCount, 0, 'the closed session is forgotten')
  assert.equal(operator.add('u', 39, at(39, 1)), 'late', 'the session closed')
})

test('final mode emits a session once, when the watermark passes its end + grace', () => {
  const recorder = new Recorder()
  const operator = new SessionAggregation<string, TestEvent, number, number>(session({ gap: '30s', grace: '5s' }), count(), { emit: 'final', sink: recorder.sink })
  for (const t of [0, 10_000, 25_000]) operator.add('u', t, { key: 'u', t, value: 0 })
  operator.add('v', 1_000, { key: 'v', t: 1_000, value: 0 })
  operator.advanceWatermark(59_999)
  assert.deepEqual(recorder.take().map((e) => [e.key, e.start, e.end, e.value, e.kind]), [['v', 1_000, 31_000, 1, 'final']])
  operator.advanceWatermark(60_000)
  assert.deepEqual(recorder.take().map((e) => [e.key, e.start, e.end, e.value, e.kind]), [['u', 0, 55_000, 3, 'final']])
})

test('SessionWindows.merge finds the replaced sessions: none, one or the two an event bridges', () => {
  const windows = new SessionWindows(session({ gap: 10 }))
  // Last events at 5, 22 and 100: sessions [0, 15), [22, 32), [100, 110).
  const sessions = [{ start: 0, end: 15 }, { start: 22, end: 32 }, { start: 100, end: 110 }]
  assert.deepEqual(windows.merge(sessions, 60), { start: 60, end: 70, from: 2, to: 2 })
  assert.deepEqual(windows.merge(sessions, 10), { start: 0, end: 20, from: 0, to: 1 })
  assert.deepEqual(windows.merge(sessions, 14), { start: 0, end: 32, from: 0, to: 2 }, 'within gap of both: bridges them')
  assert.deepEqual(windows.merge(sessions, 25), { start: 22, end: 35, from: 1, to: 2 })
  assert.deepEqual(windows.merge(sessions, 15), { start: 15, end: 32, from: 1, to: 2 }, 'exactly gap after the last event: a new session')
  assert.deepEqual(windows.merge(sessions, -10), { start: -10, end: 0, from: 0, to: 0 })
  assert.deepEqual(windows.merge([], 5), { start: 5, end: 15, from: 0, to: 0 })
  assert.deepEqual(windows.sessionOf(5), { start: 5, end: 15 })
})
