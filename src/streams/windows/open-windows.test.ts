// Interactive queries (WindowOperator.openWindows) against brute force, for every window kind ×
// aggregate × algorithm × emit mode: seeded out-of-order runs, with openWindows(key) asked at
// random steps for random keys (some never seen) and compared with the key's open windows
// recomputed from the events accepted so far and the watermark (reference.test-kit.ts). Each query
// must be a pure read (same export before and after, no emission, no changed key); in update mode
// it must agree with the latest value emitted per window; and an operator restored from an export
// must answer as the original does. `SEED=` replays a run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deserialize, serialize } from 'node:v8'
import { Random, randomFromEnv } from '../../base/random.ts'
import { count, sum } from './aggregators.ts'
import { CountAggregation } from './count-aggregation.ts'
import { countWindow, punctuated, session, sliding, type TimeWindowDefinition } from './definitions.ts'
import { LockstepAggregation } from './lockstep-aggregation.ts'
import { PaneGrid } from './pane-grid.ts'
import { allowedAlgorithms } from './pane-store.ts'
import { readPaneWindows } from './pane-windows-read.ts'
import { PunctuatedAggregation } from './punctuated-aggregation.ts'
import { AGGREGATES, assertValue, bounds, fold, randomSteps, randomTimeWindows, Recorder, ReferenceKey, sessionize, windowId, type Step, type TestEvent } from './reference.test-kit.ts'
import { SessionAggregation } from './session-aggregation.ts'
import { TimeWindowAggregation } from './time-window-aggregation.ts'
import { windowsFor } from './time-windows.ts'
import { windowAggregation } from './window-aggregation.ts'
import type { AddOutcome, EmitMode, OpenWindow, WindowOperator, WindowSink } from './window-operator.ts'

type Operator = WindowOperator<string, TestEvent, number | undefined>
type Make = (sink: WindowSink<string, number | undefined>) => Operator
type Aggregate = (typeof AGGREGATES)[number]

/** Brute force for one window kind: sees each event's outcome, answers a key's open windows at a watermark. */
interface Reference {
  accept(event: TestEvent, outcome: AddOutcome): void
  expected(key: string, watermark: number): OpenWindow<number | undefined>[]
}

/** Accepted events per key, in arrival order. */
class Accepted {
  readonly byKey = new Map<string, TestEvent[]>()
  add(event: TestEvent): void {
    const list = this.byKey.get(event.key) ?? []
    list.push(event)
    this.byKey.set(event.key, list)
  }
  of(key: string): TestEvent[] {
    return this.byKey.get(key) ?? []
  }
}

function timeReference(definition: TimeWindowDefinition, aggregate: Aggregate): Reference {
  const accepted = new Accepted()
  return {
    accept: (event, outcome) => { if (outcome === 'accepted') accepted.add(event) },
    expected: (key, watermark) => {
      const events = accepted.of(key)
      const starts = new Set<number>()
      for (const e of events) for (const w of windowsFor(definition, e.t)) if (w.end + definition.graceMs > watermark) starts.add(w.start)
      return [...starts].sort((a, b) => a - b).map((start) => {
        const end = start + definition.sizeMs
        return { start, end, value: fold(aggregate.make(), events.filter((e) => e.t >= start && e.t < end)) }
      })
    },
  }
}

function countReference(size: number, every: number, aggregate: Aggregate): Reference {
  const accepted = new Accepted()
  return {
    accept: (event, outcome) => { assert.equal(outcome, 'accepted'); accepted.add(event) },
    expected: (key) => {
      const events = accepted.of(key)
      const out: OpenWindow<number | undefined>[] = []
      // Open: not complete (end > events seen) and holding one of them (end - size < events seen).
      for (let end = (Math.floor(events.length / every) + 1) * every; Math.max(0, end - size) < events.length; end += every) {
        const start = Math.max(0, end - size)
        out.push({ start, end, value: fold(aggregate.make(), events.slice(start)) })
      }
      return out
    },
  }
}

function sessionReference(gapMs: number, graceMs: number, aggregate: Aggregate): Reference {
  const accepted = new Accepted()
  return {
    accept: (event, outcome) => { if (outcome === 'accepted') accepted.add(event) },
    expected: (key, watermark) => sessionize(accepted.of(key), gapMs)
      .filter((s) => s.end + graceMs > watermark)
      .map((s) => ({ start: s.start, end: s.end, value: fold(aggregate.make(), s.events) })),
  }
}

function punctuatedReference(definition: ReturnType<typeof punctuated<TestEvent>>, aggregate: Aggregate): Reference {
  const keys = new Map<string, ReferenceKey>()
  return {
    accept: (event, outcome) => {
      if (outcome === 'late') return
      const k = keys.get(event.key) ?? new ReferenceKey()
      keys.set(event.key, k)
      assert.equal(k.route(definition, event) === 'outside', outcome === 'outside', `routing of ${JSON.stringify(event)}`)
    },
    expected: (key, watermark) => {
      const k = keys.get(key)
      if (k === undefined) return []
      const windows = k.windows.filter((w) => w.last + definition.graceMs > watermark)
      if (k.open !== undefined) windows.push(k.open)
      return windows.map((w) => {
        const [start, end] = bounds(w.events)
        return { start, end, value: fold(aggregate.make(), w.events) }
      })
    },
  }
}

function roundTrip(value: unknown): unknown {
  return deserialize(serialize(value))
}

/** openWindows, checked to be a pure read: no emission, no changed key, the same export after. */
function query(operator: Operator, key: string, recorder: Recorder, context: string): OpenWindow<number | undefined>[] {
  operator.takeChangedKeys()
  const before = operator.exportKey(key)
  const emitted = recorder.all.length
  const result = operator.openWindows(key)
  assert.equal(recorder.all.length, emitted, `${context}: openWindows emits nothing`)
  assert.deepEqual(operator.takeChangedKeys(), [], `${context}: openWindows marks no key changed`)
  assert.deepEqual(operator.exportKey(key), before, `${context}: openWindows changes no state`)
  return result
}

function assertWindows(actual: readonly OpenWindow<number | undefined>[], expected: readonly OpenWindow<number | undefined>[], context: string): void {
  assert.deepEqual(actual.map((w) => [w.start, w.end]), expected.map((w) => [w.start, w.end]), `${context}: bounds`)
  for (let i = 0; i < expected.length; i++) assertValue(actual[i]!.value, expected[i]!.value, `${context}: window [${expected[i]!.start}, ${expected[i]!.end})`)
}

/**
 * Runs `steps` (then a final watermark of Infinity), querying random keys at random steps; in
 * update mode (`latestEmitted`) also checks each window against the value last emitted for it.
 * Now and then restores every key into a fresh operator and compares all keys' answers. Returns
 * how many non-empty answers were checked.
 */
function checkQueries(make: Make, reference: Reference, steps: readonly Step[], random: Random, context: string, latestEmitted: boolean): number {
  const recorder = new Recorder()
  const operator = make(recorder.sink)
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'nobody']
  const latest = new Map<string, number | undefined>()
  let watermark = -Infinity
  let answered = 0
  for (const [i, step] of [...steps, { type: 'watermark', watermark: Infinity } as Step].entries()) {
    if (step.type === 'event') reference.accept(step.event, operator.add(step.event.key, step.event.t, step.event))
    else {
      operator.advanceWatermark(step.watermark)
      watermark = Math.max(watermark, step.watermark)
    }
    for (const e of recorder.take()) {
      if (e.kind === 'retract') latest.delete(windowId(e.key, e.start, e.end))
      else latest.set(windowId(e.key, e.start, e.end), e.value)
    }
    if (!random.chance(0.3) && i < steps.length) continue
    const key = keys[random.int(0, keys.length)]!
    const where = `${context} step ${i} key ${key} watermark ${watermark}`
    const actual = query(operator, key, recorder, where)
    assertWindows(actual, reference.expected(key, watermark), where)
    if (actual.length > 0) answered++
    if (latestEmitted) {
      for (const w of actual) {
        const id = windowId(key, w.start, w.end)
        if (latest.has(id)) assertValue(w.value, latest.get(id), `${where}: the latest update emitted for [${w.start}, ${w.end})`)
      }
    }
    if (random.chance(0.1)) {
      const restored = make(() => assert.fail(`${where}: a restore emits nothing`))
      restored.importMeta(roundTrip(operator.exportMeta()))
      for (const k of keys) restored.importKey(k, roundTrip(operator.exportKey(k)))
      for (const k of keys) assertWindows(restored.openWindows(k), operator.openWindows(k), `${where}: restored, key ${k}`)
    }
  }
  // Time windows and sessions all close at Infinity; a punctuated window without its marker stays open.
  for (const key of keys) assertWindows(query(operator, key, recorder, `${context} at the end`), reference.expected(key, Infinity), `${context}: after the watermark Infinity, key ${key}`)
  return answered
}

test('openWindows of tumbling and sliding windows is what brute force computes, for every aggregate, algorithm and emit mode, lockstep included', () => {
  const random = randomFromEnv('open windows: time windows')
  let answered = 0
  for (let round = 0; round < 2; round++) {
    const local = new Random(random.uint32())
    const steps = randomSteps(local, { steps: 300, keys: 5, stepMs: 6, disorderMs: 40, lagMs: local.int(0, 30), farLateMs: 400, watermarkEvery: 6 })
    const definitions = randomTimeWindows(local)
    for (const definition of definitions) {
      for (const aggregate of AGGREGATES) {
        const algebra = aggregate.make().algebra
        const context = (what: string): string => `${definition.kind} size=${definition.sizeMs} every=${definition.advanceMs} grace=${definition.graceMs} ${aggregate.name} ${what} SEED=${random.seed} round ${round}`
        for (const algorithm of allowedAlgorithms(algebra)) {
          for (const emit of ['final', 'update'] as const) {
            const make: Make = (sink) => new TimeWindowAggregation(definition, aggregate.make(), { algorithm, emit, sink, trackChanges: true })
            answered += checkQueries(make, timeReference(definition, aggregate), steps, local, context(`${algorithm} ${emit}`), emit === 'update')
          }
        }
        if (algebra === 'invertible') {
          const make: Make = (sink) => new LockstepAggregation(definition, aggregate.make(), { sink, trackChanges: true })
          answered += checkQueries(make, timeReference(definition, aggregate), steps, local, context('lockstep final'), false)
        }
      }
    }
  }
  assert.ok(answered > 500, `the queries find open windows (${answered} non-empty answers)`)
})

test('openWindows of session windows is the open sessions brute force finds, merging and refolding', () => {
  const random = randomFromEnv('open windows: sessions')
  let answered = 0
  for (let round = 0; round < 3; round++) {
    const local = new Random(random.uint32())
    const steps = randomSteps(local, { steps: 300, keys: 5, stepMs: 8, disorderMs: 60, lagMs: local.int(0, 40), farLateMs: 300, watermarkEvery: 6 })
    const definition = session({ gap: local.int(5, 40), grace: local.int(0, 30) })
    for (const aggregate of AGGREGATES) {
      for (const emit of ['final', 'update'] as EmitMode[]) {
        for (const refold of [false, true]) {
          const make: Make = (sink) => new SessionAggregation(definition, refold ? { ...aggregate.make(), algebra: 'none' } : aggregate.make(), { emit, sink, trackChanges: true })
          const context = `gap=${definition.gapMs} grace=${definition.graceMs} ${aggregate.name}${refold ? ' (as none)' : ''} ${emit} SEED=${random.seed} round ${round}`
          answered += checkQueries(make, sessionReference(definition.gapMs, definition.graceMs, aggregate), steps, local, context, emit === 'update')
        }
      }
    }
  }
  assert.ok(answered > 300, `the queries find open sessions (${answered} non-empty answers)`)
})

test('openWindows of count windows is the incomplete windows brute force finds, for every aggregate, algorithm and emit mode', () => {
  const random = randomFromEnv('open windows: count windows')
  let answered = 0
  for (let round = 0; round < 4; round++) {
    const local = new Random(random.uint32())
    const size = local.int(1, 25)
    const definition = countWindow({ size, every: local.int(1, size + 1) })
    const steps = randomSteps(local, { steps: 300, keys: 5, stepMs: 5, disorderMs: 20, lagMs: 10, farLateMs: 100, watermarkEvery: 10 })
    for (const aggregate of AGGREGATES) {
      for (const algorithm of allowedAlgorithms(aggregate.make().algebra)) {
        for (const emit of ['final', 'update'] as EmitMode[]) {
          const make: Make = (sink) => new CountAggregation(definition, aggregate.make(), { algorithm, emit, sink, trackChanges: true })
          const context = `size=${definition.size} every=${definition.every} ${aggregate.name} ${algorithm} ${emit} SEED=${random.seed} round ${round}`
          // Count windows never close by the watermark: the final Infinity leaves them open.
          const reference = countReference(definition.size, definition.every, aggregate)
          answered += checkCountQueries(make, reference, steps, local, context, emit === 'update')
        }
      }
    }
  }
  // (size = every = 1 has no open window ever: each event completes its window.)
  assert.ok(answered > 300, `the queries find open windows (${answered} non-empty answers)`)
})

/** checkQueries for count windows, which a watermark never closes. */
function checkCountQueries(make: Make, reference: Reference, steps: readonly Step[], random: Random, context: string, latestEmitted: boolean): number {
  const recorder = new Recorder()
  const operator = make(recorder.sink)
  const latest = new Map<string, number | undefined>()
  let answered = 0
  for (const [i, step] of steps.entries()) {
    if (step.type === 'event') reference.accept(step.event, operator.add(step.event.key, step.event.t, step.event))
    else operator.advanceWatermark(step.watermark)
    for (const e of recorder.take()) latest.set(windowId(e.key, e.start, e.end), e.value)
    if (!random.chance(0.3)) continue
    const key = `k${random.int(0, 6)}`
    const where = `${context} step ${i} key ${key}`
    const actual = query(operator, key, recorder, where)
    assertWindows(actual, reference.expected(key, operator.watermark), where)
    if (actual.length > 0) answered++
    if (latestEmitted) for (const w of actual) if (latest.has(windowId(key, w.start, w.end))) assertValue(w.value, latest.get(windowId(key, w.start, w.end)), `${where}: latest update`)
    if (random.chance(0.1)) {
      const restored = make(() => assert.fail(`${where}: a restore emits nothing`))
      restored.importMeta(roundTrip(operator.exportMeta()))
      for (let k = 0; k < 6; k++) restored.importKey(`k${k}`, roundTrip(operator.exportKey(`k${k}`)))
      for (let k = 0; k < 6; k++) assertWindows(restored.openWindows(`k${k}`), operator.openWindows(`k${k}`), `${where}: restored, key k${k}`)
    }
  }
  return answered
}

test('openWindows of punctuated windows is the open and not-yet-final windows of a plain simulation', () => {
  const random = randomFromEnv('open windows: punctuated')
  let answered = 0
  const markers = [
    { name: 'endsWith', make: () => punctuated<TestEvent>({ endsWith: (e) => e.value % 7 === 0 }) },
    { name: 'startsWith', make: () => punctuated<TestEvent>({ startsWith: (e) => e.value % 7 === 0 }) },
    { name: 'both', make: () => punctuated<TestEvent>({ startsWith: (e) => e.value % 11 === 0, endsWith: (e) => e.value % 7 === 0 }) },
  ]
  for (let round = 0; round < 3; round++) {
    const local = new Random(random.uint32())
    const grace = local.int(0, 40)
    const steps = randomSteps(local, { steps: 300, keys: 5, stepMs: 5, disorderMs: 40, lagMs: local.int(0, 30), farLateMs: 200, watermarkEvery: 6 })
    for (const marker of markers) {
      const definition = { ...marker.make(), graceMs: grace }
      for (const aggregate of AGGREGATES) {
        for (const emit of ['final', 'update'] as EmitMode[]) {
          const make: Make = (sink) => new PunctuatedAggregation(definition, aggregate.make(), { emit, sink, trackChanges: true })
          const context = `${marker.name} grace=${grace} ${aggregate.name} ${emit} SEED=${random.seed} round ${round}`
          // Two windows can share bounds (two markers at one instant): no check by window id here.
          answered += checkQueries(make, punctuatedReference(definition, aggregate), steps, local, context, false)
        }
      }
    }
  }
  assert.ok(answered > 300, `the queries find open windows (${answered} non-empty answers)`)
})

test('a 10-minute window every second answers one result per open window, and a closing watermark removes them', () => {
  for (const emit of ['final', 'update'] as const) {
    const operator = windowAggregation<string, number, number, number>(sliding({ size: '10m', every: '1s' }), count(), { emit, sink: () => {} })
    for (let t = 0; t < 20 * 60_000; t += 250) operator.add('card', t, t)
    operator.advanceWatermark(15 * 60_000)
    const open = operator.openWindows('card')
    // Open: windows ending after 15:00, starting before 20:00 (the last event): starts 5:01 .. 19:59.
    assert.equal(open.length, 899, emit)
    assert.deepEqual(open[0], { start: 5 * 60_000 + 1_000, end: 15 * 60_000 + 1_000, value: 2_400 }, emit)
    assert.deepEqual(open.at(-1), { start: 20 * 60_000 - 1_000, end: 30 * 60_000 - 1_000, value: 4 }, emit)
    operator.advanceWatermark(Infinity)
    assert.deepEqual(operator.openWindows('card'), [])
  }
})

test('openWindows reads sessions, count windows and punctuated windows as their sinks would report them', () => {
  const sessions = windowAggregation<string, number, number, number>(session({ gap: 10 }), sum((x: number) => x), { emit: 'final', sink: () => {} })
  sessions.add('a', 0, 1)
  sessions.add('a', 5, 2)
  sessions.add('a', 40, 4)
  assert.deepEqual(sessions.openWindows('a'), [{ start: 0, end: 15, value: 3 }, { start: 40, end: 50, value: 4 }])
  sessions.advanceWatermark(15)
  assert.deepEqual(sessions.openWindows('a'), [{ start: 40, end: 50, value: 4 }])
  assert.deepEqual(sessions.openWindows('b'), [])

  const counts = windowAggregation<string, number, number, number>(countWindow({ size: 4, every: 2 }), sum((x: number) => x), { emit: 'final', sink: () => {} })
  for (const x of [1, 2, 3]) counts.add('a', 0, x)
  // Three events: [0, 2) is complete; [0, 4) holds 1 + 2 + 3 and [2, 6) holds 3.
  assert.deepEqual(counts.openWindows('a'), [{ start: 0, end: 4, value: 6 }, { start: 2, end: 6, value: 3 }])

  const marks = windowAggregation<string, string, number, number>(punctuated<string>({ endsWith: (e) => e === 'logout', grace: 5 }), count(), { emit: 'update', sink: () => {} })
  marks.add('u', 1, 'click')
  marks.add('u', 3, 'logout')
  marks.add('u', 4, 'click')
  assert.deepEqual(marks.openWindows('u'), [{ start: 1, end: 4, value: 2 }, { start: 4, end: 5, value: 1 }])
  marks.advanceWatermark(8)
  assert.deepEqual(marks.openWindows('u'), [{ start: 4, end: 5, value: 1 }])
})

test('readPaneWindows folds every non-empty window from a start on, skipping empty ones, across block boundaries', () => {
  const seen: number[] = []
  readPaneWindows(new PaneGrid(3, 1), (a: number, b: number) => a + b, [4, 5], [1, 2], 3, (start, acc) => seen.push(start, acc))
  assert.deepEqual(seen, [3, 3, 4, 3, 5, 2], 'the example of pane-windows-read.ts')
  // Windows of 4 panes every 2 (offset 0): panes 1, 2, 9 leave [4, 8) empty, which is skipped.
  const windows: [number, number][] = []
  readPaneWindows(new PaneGrid(4, 2), (a: number, b: number) => a * 10 + b, [1, 2, 9], [1, 2, 3], -Infinity, (start, acc) => windows.push([start, acc]))
  assert.deepEqual(windows, [[-2, 1], [0, 12], [2, 2], [6, 3], [8, 3]])
})
