// Recording an aggregation, shared by KeyedStream (whole-stream tables) and WindowedStream (one
// result per key and window): validates the aggregator's declared algebra, repartitions a
// re-keyed input, adds the aggregate node and its store (key-value, window or session, sized by
// the window plus grace), and applies window options (emit mode, grace override). An aggregator
// with a codec (sketch accumulators) gets a store value serde built from it instead of JSON.
import { SluiceError } from '../../base/errors.ts'
import { customSerde, type Serde } from '../serdes/index.ts'
import { validateAggregator, type AccumulatorCodec, type Aggregator, type WindowDefinition } from '../windows/index.ts'
import type { AggregateNode, EmitMode, StoreSpec } from '../topology/index.ts'
import { DEFAULT_SERDE, durationOption, type StreamState } from './graph-builder.ts'
import type { Internals } from './internal.ts'
import type { AggregateOptions, WindowOptions } from './types.ts'

/** Which DSL call recorded an aggregate node. */
export type AggregateOperation = AggregateNode['operation']

/** The store shape and retention an aggregation over `window` needs. */
function storeShape(window: WindowDefinition<unknown> | undefined): Pick<StoreSpec, 'kind' | 'retentionMs'> {
  if (window === undefined) return { kind: 'key-value', retentionMs: undefined }
  switch (window.kind) {
    case 'tumbling': case 'sliding': return { kind: 'window', retentionMs: window.sizeMs + window.graceMs }
    case 'session': return { kind: 'session', retentionMs: window.gapMs + window.graceMs }
    // Count and punctuated windows keep each key's open window(s) by key, not by time.
    case 'count': case 'punctuated': return { kind: 'key-value', retentionMs: undefined }
  }
}

/**
 * The store value serde of an aggregator that declares a codec: its accumulators as the codec's
 * bytes (a whole-stream aggregate's key-value store holds accumulators, not plain data).
 * @example codecSerde(approxDistinct().codec!, 'approxDistinct').serialize(sketch)
 */
export function codecSerde(codec: AccumulatorCodec<unknown>, operation: string): Serde<unknown> {
  return customSerde<unknown>({
    name: `${operation} accumulator`,
    serialize(accumulator) {
      if (!codec.isAccumulator(accumulator)) throw new SluiceError('INVALID_ARGUMENT', 'the value is not one of this aggregator\'s accumulators')
      return codec.encode(accumulator)
    },
    deserialize: (bytes) => codec.decode(bytes),
  })
}

/** A window definition with the options applied, and the emit mode. */
export function windowWithOptions(definition: WindowDefinition<unknown>, options: WindowOptions): { window: WindowDefinition<unknown>; emit: EmitMode } {
  const kinds = ['tumbling', 'sliding', 'session', 'count', 'punctuated']
  if (typeof definition !== 'object' || definition === null || !kinds.includes((definition as { kind?: string }).kind ?? '')) {
    throw new SluiceError('INVALID_ARGUMENT', 'window(definition): pass tumbling(), sliding(), session(), countWindow() or punctuated()')
  }
  const emit = options.emit ?? 'update'
  if (emit !== 'update' && emit !== 'final') throw new SluiceError('INVALID_ARGUMENT', `window emit must be 'update' or 'final', got ${String(emit)}`)
  if (options.grace === undefined) return { window: definition, emit }
  if (definition.kind === 'count') throw new SluiceError('INVALID_ARGUMENT', 'count windows follow arrival order and have no grace')
  return { window: Object.freeze({ ...definition, graceMs: durationOption('window grace', options.grace) }), emit }
}

/** Records an aggregate of the handle's stream; returns the handle of its result table and the input as read. */
export function recordAggregate(
  h: Internals,
  operation: AggregateOperation,
  aggregator: Aggregator<unknown, unknown, unknown>,
  window: WindowDefinition<unknown> | undefined,
  emit: EmitMode,
  options: AggregateOptions<unknown> = {},
): { result: Internals; input: StreamState } {
  try {
    validateAggregator(aggregator)
  } catch (error) {
    throw new SluiceError('INVALID_ARGUMENT', `${operation}(): ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  const { graph } = h
  const input = graph.repartition(h.state)
  const id = graph.id(operation)
  const store = options.store ?? `${id}-store`
  graph.add({ kind: 'aggregate', id, inputs: [input.node], outputs: [], stores: [], operation, aggregator, window, emit, store, lateOutputs: [] })
  graph.addStore({ name: store, owner: id, keySerde: input.keySerde ?? DEFAULT_SERDE, valueSerde: options.serde ?? (aggregator.codec === undefined ? DEFAULT_SERDE : codecSerde(aggregator.codec, operation)), ...storeShape(window) })
  // Merged inputs read together by key must agree on partitions, like a join's sides.
  graph.copartition(id, input.sourceTopics)
  return {
    result: { graph, state: { ...input, node: id, keySerde: window === undefined ? input.keySerde : undefined, valueSerde: undefined } },
    input,
  }
}
