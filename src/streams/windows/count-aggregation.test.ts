import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Random, randomFromEnv } from '../../base/random.ts'
import { count } from './aggregators.ts'
import { CountAggregation } from './count-aggregation.ts'
import { CountWindows } from './count-windows.ts'
import { countWindow } from './definitions.ts'
import { allowedAlgorithms } from './pane-store.ts'
import { AGGREGATES, assertValue, fold, Recorder, type TestEvent } from './reference.test-kit.ts'

test('count windows match a brute-force fold of each key’s last `size` events, for every aggregate, algorithm and emit mode', () => {
  const random = randomFromEnv('count windows')
  for (let round = 0; round < 10; round++) {
    const local = new Random(random.uint32())
    const size = local.int(1, 25)
    const every = local.int(1, size + 1)
    const definition = countWindow({ size, every })
    const events: TestEvent[] = Array.from({ length: 400 }, () => ({ key: `k${local.int(0, 3)}`, t: local.int(0, 1_000), value: local.int(-50, 51) }))
    for (const aggregate of AGGREGATES) {
      const algebra = aggregate.make().algebra
      const algorithms = allowedAlgorithms(algebra)
      for (const algorithm of algorithms) {
        for (const emit of ['final', 'update'] as const) {
          const context = `size=${size} every=${every} ${aggregate.name} ${algorithm} ${emit} SEED=${random.seed} round ${round}`
          const aggregator = aggregate.make()
          const recorder = new Recorder()
          const operator = new CountAggregation<string, TestEvent, unknown, number | undefined>(definition, aggregator, { algorithm, emit, sink: recorder.sink })
          const seen = new Map<string, TestEvent[]>()
          for (const event of events) {
            assert.equal(operator.add(event.key, event.t, event), 'accepted')
            const mine = [...(seen.get(event.key) ?? []), event]
            seen.set(event.key, mine)
            const ordinal = mine.length - 1
            const end = (Math.floor(ordinal / every) + 1) * every
            const out = recorder.take()
            const completes = (ordinal + 1) % every === 0
            if (emit === 'final' && !completes) {
              assert.equal(out.length, 0, context)
              continue
            }
            assert.equal(out.length, 1, context)
            const start = Math.max(0, end - size)
            assert.deepEqual([out[0]!.key, out[0]!.start, out[0]!.end, out[0]!.kind], [event.key, start, end, emit], context)
            assertValue(out[0]!.value, fold(aggregator, mine.slice(start, ordinal + 1)), `${context}: window [${start}, ${end}) of ${event.key}`)
          }
        }
      }
    }
  }
})

test('a sliding count window of 1,000 events every event does O(1) aggregator work per event', () => {
  let calls = 0
  const base = count<unknown>()
  const counted = { ...base, merge: (a: number, b: number) => (calls++, a + b), subtract: (a: number, b: number) => (calls++, a - b) }
  const operator = new CountAggregation<string, unknown, number, number>(countWindow({ size: 1_000, every: 1 }), counted, { algorithm: 'subtract-on-evict', emit: 'final', sink: () => {} })
  for (let i = 0; i < 20_000; i++) operator.add('k', 0, null)
  assert.ok(calls <= 3 * 20_000, `${calls} merges and subtractions for 20000 events`)
})

test('CountWindows lists the windows of an ordinal, with the first ones clipped at 0', () => {
  const windows = new CountWindows(countWindow({ size: 4, every: 2 }))
  assert.deepEqual(windows.windowsFor(5), [{ start: 2, end: 6 }, { start: 4, end: 8 }])
  assert.deepEqual(windows.windowsFor(0), [{ start: 0, end: 2 }, { start: 0, end: 4 }])
  assert.equal(windows.completes(1), true)
  assert.equal(windows.completes(2), false)
})
