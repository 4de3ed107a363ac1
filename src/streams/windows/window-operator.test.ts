// The export/restore contract of WindowOperator, run against every engine: for each window kind ×
// aggregate × algorithm × emit mode of the engine tests, a run checkpointed at random points
// (changed keys exported into a Map, as a compacted changelog keeps them, plus the meta) and
// restored into fresh operators from random checkpoints must emit what one uninterrupted run
// emits. Every exported value goes through v8.serialize/deserialize, and must come back
// deep-equal (prototypes included): it is plain data. `SEED=` replays a run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deserialize, serialize } from 'node:v8'
import { Random, randomFromEnv } from '../../base/random.ts'
import { isSluiceError } from '../../base/errors.ts'
import { count, sum } from './aggregators.ts'
import { CountAggregation } from './count-aggregation.ts'
import { countWindow, punctuated, session, sliding, tumbling } from './definitions.ts'
import { LockstepAggregation } from './lockstep-aggregation.ts'
import { allowedAlgorithms } from './pane-store.ts'
import { PunctuatedAggregation } from './punctuated-aggregation.ts'
import { AGGREGATES, randomSteps, randomTimeWindows, Recorder, type Emission, type Step, type TestEvent } from './reference.test-kit.ts'
import { SessionAggregation } from './session-aggregation.ts'
import { TimeWindowAggregation } from './time-window-aggregation.ts'
import { windowAggregation } from './window-aggregation.ts'
import type { EmitMode, WindowOperator, WindowSink } from './window-operator.ts'

type Operator = WindowOperator<string, TestEvent>
/** Builds one operator of the combination under test. */
type Make = (sink: WindowSink<string, number | undefined>, trackChanges: boolean) => Operator

/** v8 round trip, asserting the value survives it unchanged (so it is plain, structured-clonable data). */
function roundTrip(value: unknown, context: string): unknown {
  const copy = deserialize(serialize(value))
  assert.deepEqual(copy, value, `${context}: exported state is not plain data`)
  return copy
}

/** A step's emissions with each key's in order, keys sorted: a watermark emits keys in no promised order. */
function byKey(emissions: readonly Emission[]): Emission[] {
  return emissions.map((e, i) => ({ e, i })).sort((a, b) => (a.e.key < b.e.key ? -1 : a.e.key > b.e.key ? 1 : a.i - b.i)).map((x) => x.e)
}

function apply(operator: Operator, step: Step): void {
  if (step.type === 'event') operator.add(step.event.key, step.event.t, step.event)
  else operator.advanceWatermark(step.watermark)
}

/**
 * Runs `steps` once uninterrupted (tracking off) and once checkpointed and restored (tracking on),
 * and asserts both emit the same results at every step. Returns how many restores it did.
 */
function checkRestores(make: Make, steps: readonly Step[], random: Random, context: string): number {
  const all = [...steps, { type: 'watermark', watermark: Infinity } as Step]
  const reference = new Recorder()
  const plain = make(reference.sink, false)
  const expected = all.map((step) => (apply(plain, step), byKey(reference.take())))
  assert.ok(reference.all.length > 0, `${context}: the run emits`)

  const recorder = new Recorder()
  let operator = make(recorder.sink, true)
  const changelog = new Map<string, unknown>()
  let meta: unknown
  let restores = 0
  for (let i = 0; i < all.length; i++) {
    apply(operator, all[i]!)
    assert.deepEqual(byKey(recorder.take()), expected[i], `${context}: emissions of step ${i} (${restores} restores so far)`)
    if (!random.chance(0.08)) continue
    // Checkpoint: what a commit writes to the changelog topic.
    for (const key of operator.takeChangedKeys()) {
      const state = operator.exportKey(key)
      if (random.chance(0.1)) assert.deepEqual(operator.exportKey(key), state, `${context}: exporting ${key} twice gives the same state`)
      if (state === undefined) changelog.delete(key)
      else changelog.set(key, roundTrip(state, `${context}: key ${key}`))
    }
    assert.deepEqual(operator.takeChangedKeys(), [], `${context}: taking the changed keys clears them`)
    meta = roundTrip(operator.exportMeta(), `${context}: meta`)
    assert.equal(changelog.size, operator.keyCount, `${context}: the changelog holds every key with state, and only those`)
    if (!random.chance(0.5)) continue
    // Crash: a fresh operator rebuilt from the changelog takes over from the next step.
    operator = make(recorder.sink, true)
    operator.importMeta(meta)
    for (const [key, state] of changelog) operator.importKey(key, state)
    assert.equal(operator.keyCount, changelog.size, `${context}: restored keys`)
    restores++
  }
  assert.equal(operator.keyCount, plain.keyCount, `${context}: keys left at the end`)
  return restores
}

test('tumbling and sliding windows restored from checkpoints emit what an uninterrupted run emits, for every aggregate, algorithm and emit mode, lockstep included', () => {
  const random = randomFromEnv('window restore: time windows')
  let restores = 0
  for (let round = 0; round < 2; round++) {
    const local = new Random(random.uint32())
    const steps = randomSteps(local, { steps: 400, keys: 4, stepMs: 6, disorderMs: 40, lagMs: local.int(0, 30), farLateMs: 400, watermarkEvery: 6 })
    const definitions = randomTimeWindows(local)
    for (const definition of definitions) {
      for (const aggregate of AGGREGATES) {
        const algebra = aggregate.make().algebra
        const context = (what: string): string => `${definition.kind} size=${definition.sizeMs} every=${definition.advanceMs} grace=${definition.graceMs} ${aggregate.name} ${what} SEED=${random.seed} round ${round}`
        for (const algorithm of allowedAlgorithms(algebra)) {
          for (const emit of ['final', 'update'] as const) {
            const make: Make = (sink, trackChanges) => new TimeWindowAggregation(definition, aggregate.make(), { algorithm, emit, sink, trackChanges })
            restores += checkRestores(make, steps, local, context(`${algorithm} ${emit}`))
          }
        }
        if (algebra === 'invertible') {
          const make: Make = (sink, trackChanges) => new LockstepAggregation(definition, aggregate.make(), { sink, trackChanges })
          restores += checkRestores(make, steps, local, context('lockstep final'))
        }
      }
    }
  }
  assert.ok(restores > 100, `the runs restore (${restores} restores)`)
})

test('session windows restored from checkpoints emit what an uninterrupted run emits, merging and refolding', () => {
  const random = randomFromEnv('window restore: sessions')
  for (let round = 0; round < 3; round++) {
    const local = new Random(random.uint32())
    const steps = randomSteps(local, { steps: 300, keys: 3, stepMs: 8, disorderMs: 60, lagMs: local.int(0, 40), farLateMs: 300, watermarkEvery: 6 })
    const definition = session({ gap: local.int(5, 40), grace: local.int(0, 30) })
    for (const aggregate of AGGREGATES) {
      for (const emit of ['final', 'update'] as EmitMode[]) {
        for (const refold of [false, true]) {
          const make: Make = (sink, trackChanges) => new SessionAggregation(definition, refold ? { ...aggregate.make(), algebra: 'none' } : aggregate.make(), { emit, sink, trackChanges })
          checkRestores(make, steps, local, `gap=${definition.gapMs} grace=${definition.graceMs} ${aggregate.name}${refold ? ' (as none)' : ''} ${emit} SEED=${random.seed} round ${round}`)
        }
      }
    }
  }
})

test('count windows restored from checkpoints emit what an uninterrupted run emits, for every aggregate, algorithm and emit mode', () => {
  const random = randomFromEnv('window restore: count windows')
  for (let round = 0; round < 4; round++) {
    const local = new Random(random.uint32())
    const size = local.int(1, 25)
    const definition = countWindow({ size, every: local.int(1, size + 1) })
    const steps = randomSteps(local, { steps: 300, keys: 3, stepMs: 5, disorderMs: 20, lagMs: 10, farLateMs: 100, watermarkEvery: 10 })
    for (const aggregate of AGGREGATES) {
      for (const algorithm of allowedAlgorithms(aggregate.make().algebra)) {
        for (const emit of ['final', 'update'] as EmitMode[]) {
          const make: Make = (sink, trackChanges) => new CountAggregation(definition, aggregate.make(), { algorithm, emit, sink, trackChanges })
          checkRestores(make, steps, local, `size=${definition.size} every=${definition.every} ${aggregate.name} ${algorithm} ${emit} SEED=${random.seed} round ${round}`)
        }
      }
    }
  }
})

test('punctuated windows restored from checkpoints emit what an uninterrupted run emits, stragglers and retractions included', () => {
  const random = randomFromEnv('window restore: punctuated')
  const markers = [
    { name: 'endsWith', make: () => punctuated<TestEvent>({ endsWith: (e) => e.value % 7 === 0 }) },
    { name: 'startsWith', make: () => punctuated<TestEvent>({ startsWith: (e) => e.value % 7 === 0 }) },
    { name: 'both', make: () => punctuated<TestEvent>({ startsWith: (e) => e.value % 11 === 0, endsWith: (e) => e.value % 7 === 0 }) },
  ]
  for (let round = 0; round < 3; round++) {
    const local = new Random(random.uint32())
    const grace = local.int(0, 40)
    const steps = randomSteps(local, { steps: 300, keys: 3, stepMs: 5, disorderMs: 40, lagMs: local.int(0, 30), farLateMs: 200, watermarkEvery: 6 })
    for (const marker of markers) {
      const definition = { ...marker.make(), graceMs: grace }
      for (const aggregate of AGGREGATES) {
        for (const emit of ['final', 'update'] as EmitMode[]) {
          const make: Make = (sink, trackChanges) => new PunctuatedAggregation(definition, aggregate.make(), { emit, sink, trackChanges })
          checkRestores(make, steps, local, `${marker.name} grace=${grace} ${aggregate.name} ${emit} SEED=${random.seed} round ${round}`)
        }
      }
    }
  }
})

test('windowAggregation passes trackChanges to every engine; without it takeChangedKeys is INVALID_ARGUMENT', () => {
  const definitions = [tumbling({ size: 10 }), sliding({ size: 30, every: 10 }), session({ gap: 10 }), countWindow({ size: 3 }), punctuated<number>({ endsWith: (x) => x === 0 })]
  for (const window of definitions) {
    for (const emit of ['final', 'update'] as const) {
      const tracking = windowAggregation<string, number, number, number>(window, count(), { emit, sink: () => {}, trackChanges: true })
      tracking.add('a', 5, 1)
      tracking.add('b', 6, 0)
      assert.deepEqual(tracking.takeChangedKeys().sort(), ['a', 'b'], `${window.kind} ${emit}`)
      assert.deepEqual(tracking.takeChangedKeys(), [])
      const quiet = windowAggregation<string, number, number, number>(window, count(), { emit, sink: () => {} })
      quiet.add('a', 5, 1)
      assert.throws(() => quiet.takeChangedKeys(), (e) => isSluiceError(e, 'INVALID_ARGUMENT'), `${window.kind} ${emit}`)
      assert.notEqual(quiet.exportKey('a'), undefined, 'export works without tracking')
      assert.equal(quiet.exportKey('nobody'), undefined)
      assert.throws(() => windowAggregation(window, count(), { emit, sink: () => {}, trackChanges: 'yes' as never }), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
    }
  }
})

test('a key emptied by the watermark is reported changed and exports undefined (a tombstone)', () => {
  const operator = windowAggregation<string, number, number, number>(sliding({ size: 30, every: 10 }), sum((x: number) => x), { emit: 'final', sink: () => {}, trackChanges: true })
  operator.add('a', 5, 2)
  operator.takeChangedKeys()
  operator.advanceWatermark(100)
  assert.deepEqual(operator.takeChangedKeys(), ['a'])
  assert.equal(operator.exportKey('a'), undefined)
})

test('importMeta refuses state of another engine or settings, and an operator that already has state', () => {
  const final = new TimeWindowAggregation<string, number, number, number>(sliding({ size: 30, every: 10 }), count(), { algorithm: 'two-stacks', emit: 'final', sink: () => {} })
  final.add('a', 5, 1)
  const meta = final.exportMeta()
  const others: Operator[] = [
    new TimeWindowAggregation(sliding({ size: 30, every: 10 }), count(), { algorithm: 'two-stacks', emit: 'update', sink: () => {} }),
    new TimeWindowAggregation(sliding({ size: 30, every: 15 }), count(), { algorithm: 'two-stacks', emit: 'final', sink: () => {} }),
    new LockstepAggregation(sliding({ size: 30, every: 10 }), count(), { sink: () => {} }),
    new SessionAggregation(session({ gap: 10 }), count(), { emit: 'final', sink: () => {} }),
  ]
  for (const other of others) assert.throws(() => other.importMeta(meta), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
  assert.throws(() => final.importMeta(meta), (e) => isSluiceError(e, 'INVALID_ARGUMENT'), 'not fresh')
  const fresh = new TimeWindowAggregation<string, number, number, number>(sliding({ size: 30, every: 10 }), count(), { algorithm: 'two-stacks', emit: 'final', sink: () => {} })
  fresh.importMeta(meta)
  assert.throws(() => fresh.importKey('a', { cursor: 0, due: 0, evictedBefore: 0, panes: [3, 1, 2, 1] }), (e) => isSluiceError(e, 'INVALID_ARGUMENT'), 'panes out of order')
  assert.throws(() => fresh.importKey('a', 42), (e) => isSluiceError(e, 'INVALID_ARGUMENT'))
})
