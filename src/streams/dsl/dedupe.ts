// Recording dedupe() (a keyed stream keeps each key's first record, within a time span or
// forever, with Bloom filters: runtime/processors/dedupe.ts) and withSamplingRate() (each record
// with the rate load shedding kept it at: runtime/shedding.ts). KeyedStream and Stream call these.
import { SluiceError } from '../../base/errors.ts'
import type { Duration } from '../windows/index.ts'
import { DEFAULT_SERDE, durationOption } from './graph-builder.ts'
import type { Internals } from './internal.ts'

/** Options of dedupe(). */
export interface DedupeOptions {
  /** Forget a key this long (event time) after it was seen; default: never (a filter that grows). */
  within?: Duration
  /** Keys expected per span (or to start with, forever): sizes the filters (default 100,000). */
  expectedItems?: number
  /** Chance that a key never seen is taken for a duplicate and dropped (default 0.001). */
  falsePositiveRate?: number
  /** Store name (default `<node>-store`), logged to `<app>-<store>-changelog`. */
  store?: string
}

/** A record's value and the rate load shedding kept it at (1 when nothing was shed). */
export interface Sampled<V> {
  readonly value: V
  readonly samplingRate: number
}

/** Adds a dedupe node after a repartition when the key changed; returns the state after it. */
export function recordDedupe(h: Internals, options: DedupeOptions): Internals {
  const withinMs = options.within === undefined ? undefined : durationOption('dedupe within', options.within)
  if (withinMs !== undefined && withinMs <= 0) throw new SluiceError('INVALID_ARGUMENT', 'dedupe within must be longer than 0 ms')
  const expectedItems = options.expectedItems ?? 100_000
  if (!Number.isSafeInteger(expectedItems) || expectedItems < 1) throw new SluiceError('INVALID_ARGUMENT', `dedupe expectedItems must be a positive whole number, got ${String(expectedItems)}`)
  const falsePositiveRate = options.falsePositiveRate ?? 0.001
  if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) throw new SluiceError('INVALID_ARGUMENT', `dedupe falsePositiveRate must be in (0, 1), got ${String(falsePositiveRate)}`)
  const { graph } = h
  const input = graph.repartition(h.state)
  const id = graph.id('dedupe')
  const store = options.store ?? `${id}-store`
  graph.add({ kind: 'dedupe', id, inputs: [input.node], outputs: [], stores: [], withinMs, expectedItems, falsePositiveRate, store })
  graph.addStore({ name: store, kind: 'key-value', owner: id, keySerde: input.keySerde ?? DEFAULT_SERDE, valueSerde: DEFAULT_SERDE, retentionMs: withinMs === undefined ? undefined : 2 * withinMs })
  return { graph, state: { ...input, node: id } }
}

/** Adds a with-sampling-rate node; returns the state after it (values change type). */
export function recordWithSamplingRate(h: Internals): Internals {
  const id = h.graph.id('with-sampling-rate')
  h.graph.add({ kind: 'with-sampling-rate', id, inputs: [h.state.node], outputs: [], stores: [] })
  return { graph: h.graph, state: { ...h.state, node: id, valueSerde: undefined } }
}
