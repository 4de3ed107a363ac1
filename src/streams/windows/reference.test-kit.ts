// Brute-force references for the window tests: random out-of-order inputs, the aggregates under
// test, and a recorder that checks an operator's emissions. The references recompute a window
// from the raw events it holds each time they are asked, sharing nothing with the engines but the
// definitions, so an engine and its reference cannot agree by sharing a bug.
import assert from 'node:assert/strict'
import type { Random } from '../../base/random.ts'
import { avg, count, max, min, sum, type Aggregator } from './aggregators.ts'
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
