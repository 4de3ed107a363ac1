// End-to-end latency of a windowed streams app (issue 4, target p99 <= 10 ms at 100,000 events/s):
// in one process on an embedded Sluice, an open-loop generator hands the producer, about once a
// millisecond, every event that came due at the offered rate (stamped with the hand-over time,
// performance.now(), and its scheduled time), an at-least-once app re-keys them (keyBy: one
// repartition topic) and counts per key in 1-second tumbling windows emitting every update, and a
// consumer of the output topic takes, for each update, now minus the newest hand-over time in the
// window (the aggregate carries it: count plus max, so an update's stamp is its own event's).
// Warm-up first, then ~10 s measured: p50/p99/max, the rate the app kept up with, the generator's
// lag (its ticks behind schedule; from the scheduled time too, as info) and the event loop's delay.
// Generator, app and measuring consumer share the one thread, as an embedded app would. Info rows:
// the same at 10,000 events/s (with the first hop timed by a reader of the repartition topic), and
// the app's own throughput on a pre-produced backlog, which bounds the rate any latency can be had at.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { join } from 'node:path'
import { Sluice } from '../../src/client/sluice.ts'
import type { ProducerRecord } from '../../src/client/types.ts'
import type { Aggregator } from '../../src/streams/windows/aggregators.ts'
import { tumbling } from '../../src/streams/windows/definitions.ts'
import '../../src/streams/runtime/sluice-streams.ts'
import { percentile } from '../broker/paced-load.ts'
import { rate, report, scratchDir } from '../harness.ts'

/** An input event: its key, hand-over time and scheduled time (performance.now() ms). */
interface Event { k: string; t: number; s: number }
/** The aggregate: [count, newest hand-over time, newest scheduled time]. */
type CountStamp = [number, number, number]

const RATE_PER_SECOND = Number(process.env['BENCH_LATENCY_RATE'] ?? 100_000)
const WARMUP_SECONDS = 3
const MEASURE_SECONDS = Number(process.env['BENCH_LATENCY_SECONDS'] ?? 10)
const COMMIT_INTERVAL_MS = Number(process.env['BENCH_LATENCY_COMMIT_MS'] ?? 1000)
const KEYS = 1000
const RECORDS_PER_SEND_MAX = 1000
const TARGET_P99_MS = 10
const LOW_RATE_PER_SECOND = Number(process.env['BENCH_LATENCY_LOW_RATE'] ?? 10_000)
const CAPACITY_EVENTS = 500_000

/** Count and the newest stamps in a window. */
const countWithStamp: Aggregator<Event, CountStamp, CountStamp> = {
  algebra: 'associative',
  init: () => [0, 0, 0],
  add: (acc, e) => [acc[0] + 1, Math.max(acc[1], e.t), Math.max(acc[2], e.s)],
  merge: (a, b) => [a[0] + b[0], Math.max(a[1], b[1]), Math.max(a[2], b[2])],
  result: (acc) => acc,
}

/** Open-loop generator: hands `send` the events due at `ratePerSecond` every ~1 ms until stop(). */
class Generator {
  sent = 0
  readonly lagsMs: number[] = []
  failure: unknown = undefined
  #stopped = false
  #timer: NodeJS.Timeout | undefined
  readonly #keys = Array.from({ length: KEYS }, (_, i) => `key-${i.toString().padStart(4, '0')}`)

  constructor(readonly ratePerSecond: number, readonly send: (records: ProducerRecord[]) => Promise<unknown>, readonly isKeyed = false) {}

  start(): void {
    const startMs = performance.now()
    const tick = (): void => {
      if (this.#stopped) return
      const nowMs = performance.now()
      const due = Math.floor(((nowMs - startMs) * this.ratePerSecond) / 1000)
      if (due > this.sent) {
        this.lagsMs.push(nowMs - (startMs + (this.sent * 1000) / this.ratePerSecond))
        while (this.sent < due) {
          const count = Math.min(RECORDS_PER_SEND_MAX, due - this.sent)
          const records: ProducerRecord[] = new Array(count)
          for (let i = 0; i < count; i++) {
            const n = this.sent + i
            const event: Event = { k: this.#keys[n % KEYS]!, t: nowMs, s: startMs + (n * 1000) / this.ratePerSecond }
            records[i] = this.isKeyed ? { key: event.k, value: event } : { value: event }
          }
          this.sent += count
          this.send(records).catch((error: unknown) => { this.failure ??= error })
        }
      }
      this.#timer = setTimeout(tick, 1)
    }
    tick()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }
}

/** Latencies of updates whose stamps fall in [fromMs, toMs). */
class LatencyLog {
  readonly handOver: number[] = []
  readonly scheduled: number[] = []
  newestStampMs = 0
  constructor(readonly fromMs: number, readonly toMs: number) {}

  add(nowMs: number, stamp: CountStamp): void {
    this.newestStampMs = Math.max(this.newestStampMs, stamp[1])
    if (stamp[1] < this.fromMs || stamp[1] >= this.toMs) return
    this.handOver.push(nowMs - stamp[1])
    this.scheduled.push(nowMs - stamp[2])
  }
}

function summary(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(values).sort()
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN }
}

const ms = (x: number): string => `${x.toFixed(2)} ms`

interface LatencyRun {
  offeredPerSecond: number
  sent: number
  measured: number
  latency: { p50: number; p99: number; max: number }
  fromScheduled: { p50: number; p99: number; max: number }
  /** Hand-over to the event's record read from the repartition topic (the first of the two hops). */
  hop1: { p50: number; p99: number; max: number }
  /** Events not yet turned into updates 5 s after the generator stopped, in seconds of sending (0: kept up). */
  backlogSeconds: number
  updates: number
  lagP99Ms: number
  loopDelay: { p50: number; p99: number; max: number }
}

/**
 * How the app finds its key: 'keyBy' re-keys by a field (one repartition topic: two more hops);
 * 'keyed' reads input the producer already keyed by that field (groupByKey, no repartition), as an
 * app does when producers key by card, sensor or user.
 */
type Shape = 'keyBy' | 'keyed'

/** The app under test: keyBy (or groupByKey) + 1 s tumbling count-with-stamp, emitting every update to `output`. */
function buildApp(sluice: Sluice, name: string, input: string, output: string, shape: Shape): ReturnType<Sluice['streams']> {
  const app = sluice.streams(name, { guarantee: 'at-least-once', commitInterval: COMMIT_INTERVAL_MS })
  const events = app.stream<Event>(input)
  const keyed = shape === 'keyBy' ? events.keyBy((e) => e.k) : events.groupByKey()
  keyed.window(tumbling({ size: '1s' }), { emit: 'update' }).aggregate(countWithStamp).toStream().to(output)
  return app
}

/**
 * Offers `ratePerSecond` events for the warm-up plus MEASURE_SECONDS and measures the updates of the
 * measured part; with `isHopTimed`, also the first hop (a third reader on the repartition topic,
 * which costs the thread a JSON parse per event, so the target run leaves it out).
 */
async function measureLatency(sluice: Sluice, ratePerSecond: number, label: string, isHopTimed: boolean, shape: Shape = 'keyBy'): Promise<LatencyRun> {
  const input = `events-${label}`
  const output = `counts-${label}`
  await sluice.admin.createTopic(input, { partitions: 1 })
  await sluice.admin.createTopic(output, { partitions: 1 })
  const app = buildApp(sluice, `latency-${label}`, input, output, shape)
  await app.start()
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  const reader = sluice.consumer({ autoOffsetReset: 'earliest' })
  reader.assign([{ topic: output, partition: 0, offset: 'beginning' }])
  const producer = sluice.producer({ idempotent: true, acks: 'all', lingerMs: 0 })
  const generator = new Generator(ratePerSecond, (records) => producer.send(input, records), shape === 'keyed')
  const startMs = performance.now()
  const log = new LatencyLog(startMs + WARMUP_SECONDS * 1000, startMs + (WARMUP_SECONDS + MEASURE_SECONDS) * 1000)
  // Hop 1: the app's repartition topic, read like the output (its values are the events, JSON).
  const repartition = (await sluice.admin.listTopics({ includeInternal: true })).find((t) => t.name.startsWith(`latency-${label}-`) && t.name.endsWith('-repartition'))
  if (repartition === undefined && shape === 'keyBy') throw new Error(`no repartition topic for app latency-${label}`)
  const hopReader = sluice.consumer({ autoOffsetReset: 'earliest' })
  if (repartition !== undefined) hopReader.assign([{ topic: repartition.name, partition: 0, offset: 'beginning' }])
  const hop = new LatencyLog(log.fromMs, log.toMs)
  let isReading = true
  let updates = 0
  const hopReading = (async () => {
    while (isReading && isHopTimed && repartition !== undefined) {
      const records = await hopReader.poll({ timeoutMs: 100 })
      const nowMs = performance.now()
      for (const record of records) {
        // Watermark markers (no key, no value) share the repartition topic with the events.
        if (record.value === null) continue
        const event = JSON.parse(record.value.toString('utf8')) as Event
        hop.add(nowMs, [1, event.t, event.s])
      }
    }
  })()
  const reading = (async () => {
    while (isReading) {
      const records = await reader.poll({ timeoutMs: 100 })
      const nowMs = performance.now()
      for (const record of records) log.add(nowMs, JSON.parse(record.value!.toString('utf8')) as CountStamp)
      updates += records.length
    }
  })()
  try {
    generator.start()
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000))
    loopDelay.enable()
    const lagsBefore = generator.lagsMs.length
    await new Promise((resolve) => setTimeout(resolve, MEASURE_SECONDS * 1000))
    loopDelay.disable()
    generator.stop()
    const stoppedMs = performance.now()
    // Let the updates of the last events arrive (or give up after 5 s: the app fell behind).
    const drainDeadline = performance.now() + 5000
    // Every event makes exactly one update (emit on update), so the app is done when the counts match.
    while (updates < generator.sent && performance.now() < drainDeadline && app.state === 'running') await new Promise((resolve) => setTimeout(resolve, 10))
    const metrics = app.metrics()
    console.log(`  ${label}: ${generator.sent} events sent, ${updates} updates read; app: ${metrics.processedRecords} records processed (input + repartition), ${metrics.commits} commits`)
    if (generator.failure !== undefined) throw generator.failure
    if (app.state === 'error') throw app.failure
    const lags = summary(generator.lagsMs.slice(lagsBefore))
    return {
      offeredPerSecond: ratePerSecond,
      sent: generator.sent,
      measured: log.handOver.length,
      latency: summary(log.handOver),
      fromScheduled: summary(log.scheduled),
      hop1: summary(hop.handOver),
      backlogSeconds: Math.max(0, stoppedMs - log.newestStampMs) / 1000,
      updates,
      lagP99Ms: lags.p99,
      loopDelay: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    }
  } finally {
    generator.stop()
    loopDelay.disable()
    isReading = false
    await reading.catch(() => undefined)
    await hopReading.catch(() => undefined)
    await reader.close()
    await hopReader.close()
    await producer.close()
    await app.close()
  }
}

/** The app's throughput alone: seconds to turn `count` pre-produced events into `count` updates. */
async function capacity(sluice: Sluice, count: number, shape: Shape = 'keyBy'): Promise<number> {
  await sluice.admin.createTopic(`events-backlog-${shape}`, { partitions: 1 })
  await sluice.admin.createTopic(`counts-backlog-${shape}`, { partitions: 1 })
  const producer = sluice.producer({ idempotent: true, acks: 'all', lingerMs: 0 })
  for (let from = 0; from < count; from += 1000) {
    await producer.send(`events-backlog-${shape}`, Array.from({ length: Math.min(1000, count - from) }, (_, i) => {
      const k = `key-${((from + i) % KEYS).toString().padStart(4, '0')}`
      return { key: shape === 'keyed' ? k : null, value: { k, t: 0, s: 0 } satisfies Event }
    }))
  }
  await producer.close()
  const app = buildApp(sluice, `latency-capacity-${shape}`, `events-backlog-${shape}`, `counts-backlog-${shape}`, shape)
  const started = performance.now()
  try {
    await app.start()
    while (sluice.coordinator.partition(`counts-backlog-${shape}`, 0).highWatermark < count) {
      if (app.state === 'error') throw app.failure
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return (performance.now() - started) / 1000
  } finally {
    await app.close()
  }
}

function describeRun(run: LatencyRun): string {
  if (run.updates < run.sent) {
    return `fell behind: ${run.updates} updates for ${run.sent} events sent; 5 s after the end, the last ${run.backlogSeconds.toFixed(1)} s of sending still had no update (${run.measured} of the measured events did)`
  }
  return `p50 ${ms(run.latency.p50)}, p99 ${ms(run.latency.p99)}, max ${ms(run.latency.max)}; ${rate(run.measured, MEASURE_SECONDS, 'events/s')} kept up with`
}

function printDetails(label: string, run: LatencyRun): void {
  console.log(`  ${label}: ${run.measured} updates measured of ${MEASURE_SECONDS * run.offeredPerSecond} events offered; from the scheduled time p50 ${ms(run.fromScheduled.p50)} p99 ${ms(run.fromScheduled.p99)}; hop 1 (input -> repartition topic read) p50 ${ms(run.hop1.p50)} p99 ${ms(run.hop1.p99)} max ${ms(run.hop1.max)}; generator lag p99 ${ms(run.lagP99Ms)}; event loop delay p50 ${ms(run.loopDelay.p50)} p99 ${ms(run.loopDelay.p99)} max ${ms(run.loopDelay.max)}`)
}

/** The end-to-end latency benchmark. */
export const latencyBenchmark = {
  name: 'streams-latency',
  description: `end-to-end latency, produce -> windowed update emitted -> read from the output topic, embedded, one thread: events offered open loop over ${KEYS} keys, keyBy (repartition) + 1 s tumbling count emitting every update, at-least-once, commit every ${COMMIT_INTERVAL_MS} ms; ${WARMUP_SECONDS} s warm-up then ${MEASURE_SECONDS} s measured at ${rate(RATE_PER_SECOND, 1, 'events/s')} (target p99 <= ${TARGET_P99_MS} ms) and, as info, at ${rate(LOW_RATE_PER_SECOND, 1, 'events/s')}; info: the app's throughput on ${CAPACITY_EVENTS / 1000}k pre-produced events`,
  async run(): Promise<void> {
    const scratch = scratchDir('streams-latency')
    try {
      const sluice = await Sluice.open({ dataDir: join(scratch.dir, 'data'), autoCreateTopics: false })
      try {
        const seconds = await capacity(sluice, CAPACITY_EVENTS)
        const low = await measureLatency(sluice, LOW_RATE_PER_SECOND, 'low', true)
        printDetails('low', low)
        const high = await measureLatency(sluice, RATE_PER_SECOND, 'target', false)
        printDetails('target', high)
        const keyedSeconds = await capacity(sluice, CAPACITY_EVENTS, 'keyed')
        const keyed = await measureLatency(sluice, RATE_PER_SECOND, 'keyed', false, 'keyed')
        printDetails('keyed', keyed)
        report({
          name: `streams: end-to-end latency, input keyed by the producer, groupByKey + 1 s tumbling count (emit update), ${rate(RATE_PER_SECOND, 1, 'events/s')} offered`,
          figure: describeRun(keyed),
          baseline: `generator lag p99 ${ms(keyed.lagP99Ms)}`,
          ratio: Number.NaN,
          target: `p99 <= ${TARGET_P99_MS} ms at 100 k events/s`,
          pass: keyed.updates === keyed.sent && keyed.latency.p99 <= TARGET_P99_MS && RATE_PER_SECOND >= 100_000,
        })
        report({
          name: 'streams: that app\'s throughput on a backlog (groupByKey + tumbling count, every update written)',
          figure: rate(CAPACITY_EVENTS, keyedSeconds, 'events/s'),
          baseline: '-',
          ratio: Number.NaN,
          target: 'info',
          pass: null,
        })
        report({
          name: `streams: end-to-end latency, keyBy + 1 s tumbling count (emit update), ${rate(RATE_PER_SECOND, 1, 'events/s')} offered`,
          figure: describeRun(high),
          baseline: `generator lag p99 ${ms(high.lagP99Ms)}`,
          ratio: Number.NaN,
          target: `p99 <= ${TARGET_P99_MS} ms at 100 k events/s`,
          pass: high.updates === high.sent && high.latency.p99 <= TARGET_P99_MS && RATE_PER_SECOND >= 100_000,
        })
        report({
          name: `streams: the same at ${rate(LOW_RATE_PER_SECOND, 1, 'events/s')} offered`,
          figure: describeRun(low),
          baseline: `generator lag p99 ${ms(low.lagP99Ms)}`,
          ratio: Number.NaN,
          target: 'info',
          pass: null,
        })
        report({
          name: 'streams: that app\'s throughput on a backlog (keyBy + tumbling count, every update written)',
          figure: rate(CAPACITY_EVENTS, seconds, 'events/s'),
          baseline: '-',
          ratio: Number.NaN,
          target: 'info (>= 100 k events/s needed for the latency target)',
          pass: null,
        })
      } finally {
        await sluice.close()
      }
    } finally {
      scratch.remove()
    }
  },
}
