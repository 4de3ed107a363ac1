// Windowed aggregation (src/streams/windows): a keyed count over 10,000 keys in 10-minute tumbling
// windows (target >= 1 M events/s), and the same input in 10-minute windows advancing every
// second (target <= 1.5x the tumbling time: O(1) work per event, not one update per overlapping
// window). Informational rows: the same at a lower rate per key; on a prefix of the input, the
// two-stacks algorithm (max, associative; per-key stacks, so it pays the cache misses the lockstep
// layout of subtract-on-evict avoids) and the per-window fallback (what a sliding window costs
// without an algebra: one update per overlapping window).
//
// The input: 10,000 keys, 5 events per key per second of event time (50,000 per second), each up
// to 2 s out of order, a watermark 2 s behind the newest time every 1,000 events, emit 'final'.
// Both operators first take 10 minutes of event time untimed (that fills every window: from then
// on each slide evicts as much as it adds), then the next 2 minutes are fed in 5-second segments,
// alternating tumbling and sliding segment by segment so a neighbour's burst of load hits both;
// the figures are the sums of the segment times. A sliding window emits one result per key per
// second whatever the rate, so its cost per event falls as events per key per second rise: the
// 2-per-second row shows that side.
import { Random } from '../../src/base/random.ts'
import { count, max, type Aggregator } from '../../src/streams/windows/aggregators.ts'
import { sliding, tumbling, type WindowDefinition } from '../../src/streams/windows/definitions.ts'
import type { WindowAlgorithm } from '../../src/streams/windows/pane-store.ts'
import { windowAggregation } from '../../src/streams/windows/window-aggregation.ts'
import type { WindowOperator } from '../../src/streams/windows/window-operator.ts'
import { rate, report } from '../harness.ts'

const KEYS = 10_000
const DISORDER_MS = 2_000
const WATERMARK_EVERY = 1_000
const FILL_SECONDS = 600
const MEASURE_SECONDS = 120
const SEGMENT_SECONDS = 5
const TABLE = 1 << 20
// A multiple of 10 minutes: the first tumbling window closes inside the timed part, as one would every 10 minutes.
const START_MS = 1_700_000_400_000

/** A deterministic stream, generated on the fly from fixed tables (no 500 MB of arrays). */
class Input {
  readonly keys: string[]
  readonly keyIndex = new Uint16Array(TABLE)
  readonly jitterMs = new Uint16Array(TABLE)
  readonly msPerEvent: number
  readonly eventsPerSecond: number

  constructor(seed: number, eventsPerKeyPerSecond: number) {
    const random = new Random(seed)
    this.keys = Array.from({ length: KEYS }, (_, i) => `card-${i.toString(16).padStart(6, '0')}-${random.uint32().toString(36)}`)
    for (let i = 0; i < TABLE; i++) {
      this.keyIndex[i] = random.int(0, KEYS)
      this.jitterMs[i] = random.int(0, DISORDER_MS + 1)
    }
    this.eventsPerSecond = KEYS * eventsPerKeyPerSecond
    this.msPerEvent = 1_000 / this.eventsPerSecond
  }

  /** Feeds events [from, to) to `operator`; returns the seconds it took. */
  feed(operator: WindowOperator<string, number>, from: number, to: number): number {
    const { keys, keyIndex, jitterMs, msPerEvent } = this
    const started = performance.now()
    for (let i = from; i < to; i++) {
      const j = i & (TABLE - 1)
      const now = START_MS + Math.floor(i * msPerEvent)
      operator.add(keys[keyIndex[j]!]!, now - jitterMs[j]!, j)
      if (i % WATERMARK_EVERY === 0) operator.advanceWatermark(now - DISORDER_MS)
    }
    return (performance.now() - started) / 1_000
  }
}

/** An operator with a counting sink. */
function operatorFor(window: WindowDefinition, aggregator: Aggregator<number, any, number | undefined>, algorithm?: WindowAlgorithm): { operator: WindowOperator<string, number>; results: () => number } {
  let results = 0
  let checksum = 0
  const operator = windowAggregation<string, number, unknown, number | undefined>(window, aggregator, {
    emit: 'final',
    algorithm,
    sink: (_key, _start, _end, value) => {
      results++
      checksum += value ?? 0
    },
  })
  return { operator, results: () => (Number.isNaN(checksum) ? -1 : results) }
}

/** Fills each operator with 10 minutes of event time, then times the next minute segment by segment, alternating. */
function steadyState(input: Input, subjects: ReturnType<typeof operatorFor>[]): { seconds: number[]; events: number; results: number[] } {
  const fillEnd = FILL_SECONDS * input.eventsPerSecond
  for (const { operator } of subjects) input.feed(operator, 0, fillEnd)
  const before = subjects.map((s) => s.results())
  const seconds = subjects.map(() => 0)
  const segment = SEGMENT_SECONDS * input.eventsPerSecond
  for (let k = 0; k < MEASURE_SECONDS / SEGMENT_SECONDS; k++) {
    const from = fillEnd + k * segment
    for (let n = 0; n < subjects.length; n++) {
      const i = (n + k) % subjects.length // alternate which goes first
      seconds[i]! += input.feed(subjects[i]!.operator, from, from + segment)
    }
  }
  return { seconds, events: MEASURE_SECONDS * input.eventsPerSecond, results: subjects.map((s, i) => s.results() - before[i]!) }
}

/** The windowed aggregation benchmark. */
export const windowsBenchmark = {
  name: 'streams-windows',
  description: `keyed count, ${KEYS} keys, 5 events/key/s, up to ${DISORDER_MS / 1000} s out of order, steady state (timed: the 2 minutes after 10 minutes of event time): 10-minute tumbling windows (target >= 1 M events/s) vs 10-minute windows every second (target <= 1.5x the tumbling time); info: 2 events/key/s, two-stacks (max) and the per-window fallback on prefixes`,
  async run(): Promise<void> {
    const seed = Number(process.env['SEED'] ?? 20_240_906)
    const tenMinutes = tumbling({ size: '10m' })
    const everySecond = sliding({ size: '10m', every: '1s' })
    const input = new Input(seed, 5)
    // Warm the JIT on both paths before anything is timed.
    for (const window of [tenMinutes, everySecond]) input.feed(operatorFor(window, count()).operator, 0, 1_000_000)

    const main = steadyState(input, [operatorFor(tenMinutes, count()), operatorFor(everySecond, count())])
    const [tumblingSeconds, slidingSeconds] = main.seconds as [number, number]
    report({
      name: 'windows: keyed tumbling count, 10,000 keys',
      figure: `${rate(main.events, tumblingSeconds, 'events/s')} (${main.results[0]} results)`,
      baseline: '-',
      ratio: Number.NaN,
      target: '>= 1 M events/s',
      pass: main.events / tumblingSeconds >= 1e6,
    })
    report({
      name: 'windows: 10-min window every 1 s (count, subtract-on-evict) vs tumbling',
      figure: `${rate(main.events, slidingSeconds, 'events/s')} (${(main.results[1]! / 1e6).toFixed(2)} M results)`,
      baseline: `tumbling ${rate(main.events, tumblingSeconds, 'events/s')}`,
      ratio: slidingSeconds / tumblingSeconds,
      target: '<= 1.5x the tumbling time',
      pass: slidingSeconds / tumblingSeconds <= 1.5,
    })

    const sparse = steadyState(new Input(seed, 2), [operatorFor(tenMinutes, count()), operatorFor(everySecond, count())])
    report({
      name: 'windows: the same at 2 events/key/s (one result per 2 events)',
      figure: rate(sparse.events, sparse.seconds[1]!, 'events/s'),
      baseline: `tumbling ${rate(sparse.events, sparse.seconds[0]!, 'events/s')}`,
      ratio: sparse.seconds[1]! / sparse.seconds[0]!,
      target: 'info',
      pass: null,
    })

    // The associative path on a prefix (the first 2 M events: filling, not yet evicting).
    const prefixEvents = 2_000_000
    const stacks = input.feed(operatorFor(everySecond, max((x: number) => x)).operator, 0, prefixEvents)
    const counting = input.feed(operatorFor(everySecond, count()).operator, 0, prefixEvents)
    report({
      name: 'windows: 10-min window every 1 s, max (two-stacks), first 2 M events',
      figure: rate(prefixEvents, stacks, 'events/s'),
      baseline: `count (subtract-on-evict) ${rate(prefixEvents, counting, 'events/s')}`,
      ratio: stacks / counting,
      target: 'info',
      pass: null,
    })

    // What the algebra saves: one accumulator per overlapping window (600 per event), on a prefix.
    const prefix = 200_000
    const perWindow = input.feed(operatorFor(everySecond, count(), 'per-window').operator, 0, prefix)
    const subtracting = input.feed(operatorFor(everySecond, count()).operator, 0, prefix)
    report({
      name: 'windows: 10-min window every 1 s, per-window fallback (first 200,000 events)',
      figure: rate(prefix, perWindow, 'events/s'),
      baseline: `subtract-on-evict ${rate(prefix, subtracting, 'events/s')}`,
      ratio: perWindow / subtracting,
      target: 'info (ratio: times slower)',
      pass: null,
    })
  },
}
