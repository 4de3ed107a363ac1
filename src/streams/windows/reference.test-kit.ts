// Brute-force references for the window tests: random out-of-order inputs, the aggregates under
// test, and a recorder that checks an operator's emissions. The references recompute a window
// from the raw events it holds each time they are asked, sharing nothing with the engines but the
// definitions, so an engine and its reference cannot agree by sharing a bug. Sessions
// (`sessionize`) and punctuated windows (`ReferenceKey`) have their rules written out here too.
import assert from 'node:assert/strict'
import type { Random } from '../../base/random.ts'
import { avg, count, max, min, sum, type Aggregator } from './aggregators.ts'
import { sliding, tumbling, type PunctuatedDefinition, type TimeWindowDefinition } from './definitions.ts'
import type { EmitKind } from './window-operator.ts'

/** An input event of the random streams: its key, timestamp and a small integer value. */
export interface TestEvent {
  key: string
  t: number
  value: number
}

/** One step of a random run: an event or a watermark advance. */
export type Step = { type: 'event'; event: TestEvent } | { type: 'watermark'; watermark: number }

/** The aggregates every test runs, on integer values so that every algorithm is exact. */
export const AGGREGATES: readonly { name: string; make: () => Aggregator<TestEvent, any, number | undefined> }[] = [
  { name: 'count', make: () => count<TestEvent>() },
  { name: 'sum', make: () => sum((e: TestEvent) => e.value) },
  { name: 'min', make: () => min((e: TestEvent) => e.value) },
  { name: 'max', make: () => max((e: TestEvent) => e.value) },
  { name: 'avg', make: () => avg((e: TestEvent) => e.value) },
]

/** Folds events with add() only, as the reference of any window. */
export function fold(aggregator: Aggregator<TestEvent, any, number | undefined>, events: readonly TestEvent[]): number | undefined {
  let acc = aggregator.init()
  for (const event of events) acc = aggregator.add(acc, event)
  return aggregator.result(acc)
}

/**
 * A random run: `keys` keys, event times that mostly move forward but arrive up to `disorderMs`
 * out of order, now and then one far behind (beyond any grace), and watermark steps trailing the
 * newest time by `lagMs` (a bounded-out-of-orderness watermark).
 */
export function randomSteps(random: Random, options: { steps: number; keys: number; stepMs: number; disorderMs: number; lagMs: number; farLateMs: number; watermarkEvery: number }): Step[] {
  const steps: Step[] = []
  let now = random.int(0, 10_000)
  let watermark = -Infinity
  for (let i = 0; i < options.steps; i++) {
    if (random.chance(1 / options.watermarkEvery)) {
      const next = now - options.lagMs
      if (next > watermark) {
        watermark = next
        steps.push({ type: 'watermark', watermark })
      }
      continue
    }
    now += random.int(0, options.stepMs + 1)
    let t = now - random.int(0, options.disorderMs + 1)
    if (random.chance(0.05)) t = now - random.int(0, options.farLateMs + 1)
    steps.push({ type: 'event', event: { key: `k${random.int(0, options.keys)}`, t, value: random.int(-50, 51) } })
  }
  return steps
}

/** One emission as a sink saw it. */
export interface Emission {
  key: string
  start: number
  end: number
  value: number | undefined
  kind: EmitKind
}

/** Collects emissions; `take()` returns and clears those since the last call. */
export class Recorder {
  readonly all: Emission[] = []
  #since = 0

  readonly sink = (key: string, start: number, end: number, value: number | undefined, kind: EmitKind): void => {
    this.all.push({ key, start, end, value, kind })
  }

  take(): Emission[] {
    const out = this.all.slice(this.#since)
    this.#since = this.all.length
    return out
  }
}

/** `key|start|end`: how the tests name a window. */
export function windowId(key: string, start: number, end: number): string {
  return `${key}|${start}|${end}`
}

/** Asserts two results equal, naming the window and the seed for replay. */
export function assertValue(actual: number | undefined, expected: number | undefined, context: string): void {
  if (typeof actual === 'number' && typeof expected === 'number' && !Number.isInteger(expected)) {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${context}: got ${actual}, expected ${expected}`)
  } else {
    assert.equal(actual, expected, context)
  }
}

/** Sessions of a set of events by brute force: sort, cut where consecutive times are `gap` or more apart. */
export function sessionize(events: readonly TestEvent[], gapMs: number): { start: number; end: number; events: TestEvent[] }[] {
  const sorted = [...events].sort((a, b) => a.t - b.t)
  const out: { start: number; end: number; events: TestEvent[] }[] = []
  for (const event of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && event.t < last.end) {
      last.events.push(event)
      last.end = Math.max(last.end, event.t + gapMs)
    } else {
      out.push({ start: event.t, end: event.t + gapMs, events: [event] })
    }
  }
  return out
}

/** One key of punctuated windows: the rules of punctuated-windows.ts written out plainly over raw event lists. */
export class ReferenceKey {
  windows: { floor: number; last: number; events: TestEvent[] }[] = []
  open: { floor: number; last: number; events: TestEvent[] } | undefined

  route(definition: PunctuatedDefinition<TestEvent>, event: TestEvent): { floor: number; last: number; events: TestEvent[] } | 'outside' {
    const isStart = definition.startsWith?.(event) ?? false
    const isEnd = definition.endsWith?.(event) ?? false
    const pendingFloor = (): number => Math.max(-Infinity, ...this.windows.map((w) => w.last + 1))
    const close = (w: { last: number; events: TestEvent[] }, last: number): void => {
      w.last = last
      this.windows.push(w as never)
      if (this.open === w) this.open = undefined
    }
    const maxT = (w: { events: TestEvent[] }): number => Math.max(...w.events.map((e) => e.t))
    if (isStart) {
      if (this.open !== undefined) close(this.open, Math.max(maxT(this.open), event.t - 1))
      const w = { floor: event.t, last: Infinity, events: [event] }
      this.open = w
      if (isEnd) close(w, event.t)
      return w
    }
    if (isEnd) {
      if (this.open === undefined) {
        if (definition.startsWith !== undefined) return 'outside'
        this.open = { floor: pendingFloor(), last: Infinity, events: [] }
      }
      const w = this.open
      w.events.push(event)
      close(w, Math.max(maxT(w), event.t))
      return w
    }
    if (this.open !== undefined && event.t >= this.open.floor) {
      this.open.events.push(event)
      return this.open
    }
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const w = this.windows[i]!
      if (w.floor <= event.t && event.t <= w.last) {
        w.events.push(event)
        return w
      }
    }
    if (this.open !== undefined || definition.startsWith !== undefined) return 'outside'
    this.open = { floor: pendingFloor(), last: Infinity, events: [event] }
    return this.open
  }
}

/** The reported bounds [min t, max t + 1) of a punctuated window's events. */
export function bounds(events: readonly TestEvent[]): [number, number] {
  return [Math.min(...events.map((e) => e.t)), Math.max(...events.map((e) => e.t)) + 1]
}

/**
 * The tumbling and sliding definitions the time-window contract tests run over: a random tumbling
 * window, two fixed sliding ones (panes of 20 and 5 ms) and a random sliding one, random graces.
 */
export function randomTimeWindows(random: Random): TimeWindowDefinition[] {
  return [
    tumbling({ size: random.int(5, 40), grace: random.int(0, 20) }),
    sliding({ size: 60, every: 20, grace: random.int(0, 30) }),
    sliding({ size: 50, every: 15, grace: random.int(0, 30) }),
    sliding({ size: random.int(20, 200), every: random.int(1, 20), grace: random.int(0, 50) }),
  ]
}
