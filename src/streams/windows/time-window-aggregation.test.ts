import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Random, randomFromEnv } from '../../base/random.ts'
import { isSluiceError } from '../../base/errors.ts'
import { count, sum, type Aggregator } from './aggregators.ts'
import { sliding, tumbling, type TimeWindowDefinition } from './definitions.ts'
import { allowedAlgorithms, type WindowAlgorithm } from './pane-store.ts'
import { AGGREGATES, assertValue, fold, randomSteps, Recorder, windowId, type Step, type TestEvent } from './reference.test-kit.ts'
import { LockstepAggregation } from './lockstep-aggregation.ts'
import { TimeWindowAggregation } from './time-window-aggregation.ts'
import type { EmitMode } from './window-operator.ts'

/** The reference: each accepted event counts in the windows holding it that were open when it came. */
class TimeWindowReference {
  readonly #definition: TimeWindowDefinition
  /** window id -> the events it counts, in arrival order. */
  readonly events = new Map<string, TestEvent[]>()
  readonly bounds = new Map<string, { key: string; start: number; end: number }>()

  constructor(definition: TimeWindowDefinition) {
    this.#definition = definition
  }

  /** The windows [start, end) holding t, by brute force over every window start near t. */
  windowsOf(t: number): { start: number; end: number }[] {
    const { sizeMs, advanceMs } = this.#definition
    const out: { start: number; end: number }[] = []
    const from = Math.floor((t - sizeMs) / advanceMs) * advanceMs
    for (let start = from; start <= t; start += advanceMs) if (start <= t && t < start + sizeMs) out.push({ start, end: start + sizeMs })
    return out
  }

  isClosed(end: number, watermark: number): boolean {
    return end + this.#definition.graceMs <= watermark
  }

  /** Records the event; returns whether it counts anywhere (false: late). */
  add(event: TestEvent, watermark: number): boolean {
    const open = this.windowsOf(event.t).filter((w) => !this.isClosed(w.end, watermark))
    for (const w of open) {
      const id = windowId(event.key, w.start, w.end)
      if (!this.events.has(id)) {
        this.events.set(id, [])
        this.bounds.set(id, { key: event.key, ...w })
      }
      this.events.get(id)!.push(event)
    }
    return open.length > 0
  }
}

interface RunOptions {
  definition: TimeWindowDefinition
  aggregate: (typeof AGGREGATES)[number]
  /** A per-key store algorithm, or 'lockstep' (final mode, invertible: lockstep-aggregation.ts). */
  algorithm: WindowAlgorithm | 'lockstep'
  emit: EmitMode
  steps: Step[]
  seed: string
}

function run({ definition, aggregate, algorithm, emit, steps, seed }: RunOptions): { emissions: number; late: number } {
  const context = `${definition.kind} size=${definition.sizeMs} every=${definition.advanceMs} grace=${definition.graceMs} ${aggregate.name} ${algorithm} ${emit} SEED=${seed}`
  const aggregator = aggregate.make()
  const recorder = new Recorder()
  const operator = algorithm === 'lockstep'
    ? new LockstepAggregation<string, TestEvent, unknown, number | undefined>(definition, aggregator, { sink: recorder.sink })
    : new TimeWindowAggregation<string, TestEvent, unknown, number | undefined>(definition, aggregator, { algorithm, emit, sink: recorder.sink })
  const reference = new TimeWindowReference(definition)
  const emitted = new Map<string, number | undefined>() // last value per window
  const closedBefore = new Set<string>()
  let watermark = -Infinity
  let late = 0
  /** Newest event time per key, for the 'update' promptness check. */
  const frontier = new Map<string, number>()

  const checkEmission = (e: (typeof recorder.all)[number]): void => {
    const id = windowId(e.key, e.start, e.end)
    assert.equal(e.kind, emit === 'final' ? 'final' : 'update', `${context}: kind of ${id}`)
    assert.ok(!closedBefore.has(id), `${context}: ${id} emitted after it had closed`)
    const events = reference.events.get(id) ?? []
    assert.ok(events.length > 0, `${context}: empty window ${id} emitted`)
    assertValue(e.value, fold(aggregator, events), `${context}: value of ${id}`)
    if (emit === 'final') {
      assert.ok(!emitted.has(id), `${context}: ${id} emitted twice in final mode`)
      assert.ok(reference.isClosed(e.end, watermark), `${context}: ${id} emitted before it closed`)
    }
    emitted.set(id, e.value)
  }

  const all = [...steps, { type: 'watermark', watermark: Infinity } as Step]
  for (const step of all) {
    if (step.type === 'event') {
      const { event } = step
      const expectedAccepted = reference.add(event, watermark)
      const outcome = operator.add(event.key, event.t, event)
      assert.equal(outcome, expectedAccepted ? 'accepted' : 'late', `${context}: outcome of ${JSON.stringify(event)} at watermark ${watermark}`)
      if (!expectedAccepted) late++
      const out = recorder.take()
      if (emit === 'final') assert.equal(out.length, 0, `${context}: final mode emitted on add`)
      for (const e of out) checkEmission(e)
      if (emit === 'update' && expectedAccepted) {
        frontier.set(event.key, Math.max(frontier.get(event.key) ?? -Infinity, event.t))
        for (const w of reference.windowsOf(event.t)) {
          const id = windowId(event.key, w.start, w.end)
          if (reference.isClosed(w.end, watermark)) continue
          // Every open window holding the event that had been emitted before is re-emitted now.
          if (emitted.has(id) && !out.some((e) => windowId(e.key, e.start, e.end) === id)) assert.fail(`${context}: ${id} not re-emitted after ${JSON.stringify(event)}`)
        }
        // The key's current window (the one ending next after its newest event) has been emitted.
        const current = reference.windowsOf(frontier.get(event.key)!)[0]!
        const currentId = windowId(event.key, current.start, current.end)
        if (!reference.isClosed(current.end, watermark) && reference.events.has(currentId)) assert.ok(emitted.has(currentId), `${context}: current window ${currentId} not emitted`)
      }
    } else {
      const previous = watermark
      if (step.watermark > watermark) watermark = step.watermark
      for (const [id, b] of reference.bounds) if (reference.isClosed(b.end, previous)) closedBefore.add(id)
      operator.advanceWatermark(step.watermark)
      for (const e of recorder.take()) checkEmission(e)
      // Promptness: by now every non-empty window that ended (update) or closed (final) was emitted.
      for (const [id, b] of reference.bounds) {
        const due = emit === 'final' ? reference.isClosed(b.end, watermark) : b.end <= watermark
        if (due) assert.ok(emitted.has(id), `${context}: ${id} not emitted by watermark ${watermark}`)
      }
    }
  }
  // Every window ends with its complete value, and the operator holds no state.
  for (const [id, events] of reference.events) assertValue(emitted.get(id), fold(aggregator, events), `${context}: last value of ${id}`)
  assert.equal(emitted.size, reference.events.size, `${context}: windows emitted`)
  assert.equal(operator.keyCount, 0, `${context}: keys left after the final watermark`)
  return { emissions: recorder.all.length, late }
}

function definitionsFor(random: Random): TimeWindowDefinition[] {
  return [
    tumbling({ size: random.int(5, 40), grace: random.int(0, 20) }),
    sliding({ size: 60, every: 20, grace: random.int(0, 30) }),
    sliding({ size: 50, every: 15, grace: random.int(0, 30) }), // gcd 5: panes narrower than the slide
    sliding({ size: 40, every: 40, grace: 10 }),
    sliding({ size: random.int(20, 200), every: random.int(1, 20), grace: random.int(0, 50) }),
  ]
}

test('tumbling and sliding windows match a brute-force reference on out-of-order input, for every aggregate, algorithm and emit mode', () => {
  const random = randomFromEnv('time windows')
  let emissions = 0
  let late = 0
  for (let round = 0; round < 6; round++) {
    const local = new Random(random.uint32())
    const seed = `${random.seed} round ${round}`
    const steps = randomSteps(local, { steps: 400, keys: 4, stepMs: 6, disorderMs: 40, lagMs: local.int(0, 30), farLateMs: 400, watermarkEvery: 6 })
    for (const definition of definitionsFor(local)) {
      for (const aggregate of AGGREGATES) {
        for (const algorithm of allowedAlgorithms(aggregate.make().algebra)) {
          for (const emit of ['final', 'update'] as const) {
            const result = run({ definition, aggregate, algorithm, emit, steps, seed })
            emissions += result.emissions
            late += result.late
          }
        }
        if (aggregate.make().algebra === 'invertible') run({ definition, aggregate, algorithm: 'lockstep', emit: 'final', steps, seed })
      }
    }
  }
  assert.ok(late > 0, 'the runs include late events')
  assert.ok(emissions > 1000, 'the runs emit results')
})

test('an event late for some windows still counts in the windows that are open', () => {
  const recorder = new Recorder()
  const operator = new TimeWindowAggregation<string, TestEvent, number, number>(sliding({ size: 30, every: 10 }), count(), { algorithm: 'subtract-on-evict', emit: 'final', sink: recorder.sink })
  operator.advanceWatermark(25) // windows ending at 10 and 20 are closed; [0, 30) is open
  assert.equal(operator.add('a', 5, { key: 'a', t: 5, value: 1 }), 'accepted')
  operator.advanceWatermark(Infinity)
  assert.deepEqual(recorder.all.map((e) => [e.start, e.end, e.value]), [[0, 30, 1]])
  assert.equal(operator.add('a', 5, { key: 'a', t: 5, value: 1 }), 'late')
})

test('final mode emits a window once when the watermark passes end + grace, and late events are returned, not dropped', () => {
  const recorder = new Recorder()
  const operator = new TimeWindowAggregation<string, TestEvent, number, number>(tumbling({ size: '1s', grace: '500ms' }), sum((e: TestEvent) => e.value), { algorithm: 'per-window', emit: 'final', sink: recorder.sink })
  const event = (t: number, value: number): TestEvent => ({ key: 'a', t, value })
  assert.equal(operator.add('a', 100, event(100, 1)), 'accepted')
  assert.equal(operator.add('a', 900, event(900, 2)), 'accepted')
  operator.advanceWatermark(1_400)
  assert.equal(recorder.all.length, 0, 'still within grace')
  assert.equal(operator.add('a', 950, event(950, 4)), 'accepted', 'inside grace')
  operator.advanceWatermark(1_500)
  assert.deepEqual(recorder.take(), [{ key: 'a', start: 0, end: 1_000, value: 7, kind: 'final' }])
  assert.equal(operator.add('a', 999, event(999, 8)), 'late')
  assert.equal(operator.keyCount, 0)
})

test('update mode re-emits an already emitted window when an out-of-order event inside grace changes it', () => {
  const recorder = new Recorder()
  const operator = new TimeWindowAggregation<string, TestEvent, number, number>(sliding({ size: '10m', every: '1s', grace: '5s' }), count(), { algorithm: 'subtract-on-evict', emit: 'update', sink: recorder.sink })
  const at = (t: number): TestEvent => ({ key: 'card', t, value: 0 })
  operator.add('card', 10_500, at(10_500))
  assert.deepEqual(recorder.take().map((e) => [e.start, e.end, e.value]), [[-589_000, 11_000, 1]], 'one window per in-order event: the one ending next')
  operator.add('card', 13_200, at(13_200))
  // Windows ending 12 s (first emitted now, holding the first event) and 14 s (current).
  assert.deepEqual(recorder.take().map((e) => [e.end, e.value]), [[12_000, 1], [13_000, 1], [14_000, 2]])
  operator.add('card', 11_700, at(11_700)) // out of order: windows ending 12, 13 and 14 s change
  assert.deepEqual(recorder.take().map((e) => [e.end, e.value]), [[12_000, 2], [13_000, 2], [14_000, 3]])
})

test('a 10-minute window every second does O(1) work per in-order event', () => {
  // Counting aggregator calls: a per-window algorithm would call add 600 times per event.
  let adds = 0
  const base = count<unknown>()
  const counted: Aggregator<unknown, number, number> = { ...base, add: (acc, input) => (adds++, base.add(acc, input)) }
  for (const algorithm of ['subtract-on-evict', 'two-stacks', 'lockstep'] as const) {
    for (const emit of ['final', 'update'] as const) {
      if (algorithm === 'lockstep' && emit === 'update') continue
      adds = 0
      const window = sliding({ size: '10m', every: '1s' })
      const operator = algorithm === 'lockstep'
        ? new LockstepAggregation<number, unknown, number, number>(window, counted, { sink: () => {} })
        : new TimeWindowAggregation<number, unknown, number, number>(window, counted, { algorithm, emit, sink: () => {} })
      for (let i = 0; i < 10_000; i++) {
        operator.add(i % 10, i * 100, null)
        if (i % 100 === 0) operator.advanceWatermark(i * 100 - 2_000)
      }
      assert.ok(adds <= 2 * 10_000, `${algorithm} ${emit}: ${adds} adds for 10000 events`)
    }
  }
})

test('bad timestamps and watermarks are INVALID_ARGUMENT errors', () => {
  const operator = new TimeWindowAggregation<string, number, number, number>(tumbling({ size: 10 }), count(), { algorithm: 'per-window', emit: 'final', sink: () => {} })
  for (const t of [Number.NaN, 1.5, Infinity]) assert.throws(() => operator.add('a', t, 0), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => operator.advanceWatermark(Number.NaN), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})
