// The approximate aggregators' codecs on the path the runtime takes to changelogs: a window
// operator's exported state (panes of sketches) is encoded with the runtime's accumulator walk,
// v8-serialized, read back into a fresh operator, and both operators then finish the same input
// with the same results. Every window kind whose state holds sketches between events is covered.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { Random } from '../../base/random.ts'
import { decodeAccumulators, encodeAccumulators } from '../runtime/accumulator-codec.ts'
import { countWindow, session, sliding, windowAggregation, type Aggregator, type WindowDefinition } from '../windows/index.ts'
import { approxDistinct, approxQuantiles, sample, topK } from './index.ts'

interface Event { t: number; item: string; ms: number }

function run(window: WindowDefinition<Event>, aggregator: Aggregator<Event, unknown, unknown>, events: readonly Event[]): { restored: unknown[]; straight: unknown[] } {
  const outputs = (): { list: unknown[]; sink: (key: string, start: number, end: number, value: unknown) => void } => {
    const list: unknown[] = []
    return { list, sink: (_key, start, end, value) => list.push({ start, end, value }) }
  }
  const [straight, first, second] = [outputs(), outputs(), outputs()]
  const make = (sink: (key: string, start: number, end: number, value: unknown) => void) => windowAggregation<string, Event, unknown, unknown>(window, aggregator, { emit: 'final', sink, trackChanges: true })
  const whole = make(straight.sink)
  const before = make(first.sink)
  const half = events.length >> 1
  for (const e of events) whole.add('k', e.t, e)
  for (const e of events.slice(0, half)) before.add('k', e.t, e)
  // What WindowAggregateProcessor.flush writes and finishRestore reads.
  const codec = aggregator.codec!
  const bytes = v8.serialize(encodeAccumulators(before.exportKey('k'), codec))
  const meta = v8.serialize(before.exportMeta())
  const after = make(second.sink)
  after.importMeta(v8.deserialize(meta))
  after.importKey('k', decodeAccumulators(v8.deserialize(bytes), codec))
  for (const e of events.slice(half)) after.add('k', e.t, e)
  whole.advanceWatermark(Infinity)
  after.advanceWatermark(Infinity)
  return { restored: [...first.list, ...second.list], straight: straight.list }
}

const WINDOWS: WindowDefinition<Event>[] = [sliding({ size: 600, every: 200 }), session({ gap: 120 }), countWindow({ size: 20, every: 10 })]

test('window state of every deterministic sketch survives the changelog encoding: same results as an uninterrupted run', () => {
  const random = new Random(31)
  let t = 0
  const events = Array.from({ length: 400 }, () => ({ t: (t += random.chance(0.05) ? 200 : random.int(1, 20)), item: `i${random.int(0, 40)}`, ms: random.int(1, 10_000) }))
  for (const window of WINDOWS) {
    for (const aggregator of [approxDistinct((e: Event) => e.item), topK(3, (e: Event) => e.item), approxQuantiles((e: Event) => e.ms)]) {
      const { restored, straight } = run(window, aggregator as Aggregator<Event, unknown, unknown>, events)
      assert.ok(straight.length > 5, `${window.kind}: ${straight.length} windows`)
      assert.deepEqual(restored, straight, window.kind)
    }
    // Samples draw from a shared Random, so the two runs differ: each restored window is still a sample of its inputs.
    const { restored, straight } = run(window, sample(4, (e: Event) => e.t) as Aggregator<Event, unknown, unknown>, events)
    assert.deepEqual(restored.map((w) => [(w as { start: number }).start, (w as { end: number }).end]), straight.map((w) => [(w as { start: number }).start, (w as { end: number }).end]))
    for (const w of restored as Array<{ start: number; end: number; value: number[] }>) {
      assert.equal(new Set(w.value).size, w.value.length)
      if (window.kind !== 'count') for (const time of w.value) assert.ok(time >= w.start && time < w.end, `${window.kind}: sampled t=${time} outside [${w.start}, ${w.end})`)
    }
  }
})
