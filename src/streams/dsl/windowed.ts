// WindowedStream: a keyed stream cut into windows (KeyedStream.window). Its aggregations record
// an aggregate node with the window definition and emit mode and return a WindowedTable, keyed
// by { key, window: { start, end } }, whose late records (too late for their window) are a typed
// side stream (WindowedTable.lateRecords, in table.ts). The sketch aggregations (approxDistinct,
// topK, approxQuantiles, sample) record aggregators from ../approx/.
import type { SketchKey, TopKEntry, TopKKey } from '../../sketches/index.ts'
import { approxDistinct, approxQuantiles, sample, topK, type ApproxDistinctOptions, type ApproxQuantilesOptions, type Quantiles, type SampleOptions, type TopKOptions } from '../approx/index.ts'
import type { EmitMode } from '../topology/index.ts'
import { avg, count, max, min, reduce, sum, type Aggregator, type WindowDefinition } from '../windows/index.ts'
import { recordAggregate, type AggregateOperation } from './aggregation.ts'
import { DSL, type Internals } from './internal.ts'
import { WindowedTable } from './table.ts'
import type { AggregateOptions } from './types.ts'

/**
 * A keyed stream with a window: each aggregation yields one result per key and window.
 * @example payments.keyBy((p) => p.card).window(sliding({ size: '10m', every: '1s' })).aggregate(count())
 */
export class WindowedStream<K, V> {
  /** The app's recorder and this stream's place in it (not for application code). */
  readonly [DSL]: Internals
  readonly #window: WindowDefinition<unknown>
  readonly #emit: EmitMode

  /** Made by KeyedStream.window(); application code does not call this. */
  constructor(internals: Internals, window: WindowDefinition<unknown>, emit: EmitMode) {
    this[DSL] = internals
    this.#window = window
    this.#emit = emit
  }

  #aggregate<O>(operation: AggregateOperation, aggregator: Aggregator<V, unknown, unknown>, options: AggregateOptions<unknown> | undefined): WindowedTable<K, V, O> {
    const { result, input } = recordAggregate(this[DSL], operation, aggregator as Aggregator<unknown, unknown, unknown>, this.#window, this.#emit, options)
    return new WindowedTable<K, V, O>(result, this.#window, input)
  }

  /**
   * Folds each key's records in each window with `aggregator`.
   * @example clicks.keyBy((c) => c.page).window(tumbling({ size: '1m' })).aggregate(count())
   */
  aggregate<A, O>(aggregator: Aggregator<V, A, O>, options?: AggregateOptions<A>): WindowedTable<K, V, O> {
    return this.#aggregate('aggregate', aggregator as Aggregator<V, unknown, unknown>, options as AggregateOptions<unknown>)
  }

  /** Combines values per key and window with `fn` (with `inverse`, invertible). @example tags.keyBy((t) => t).window(w).reduce((a, b) => a + b, { inverse: (a, b) => a - b }) */
  reduce(fn: (a: V, b: V) => V, options?: AggregateOptions<V> & { inverse?: (acc: V, value: V) => V }): WindowedTable<K, V, V> {
    return this.#aggregate('reduce', reduce(fn, { inverse: options?.inverse }) as Aggregator<V, unknown, unknown>, options as AggregateOptions<unknown>)
  }

  /** Records per key and window. @example logins.keyBy((l) => l.user).window(session({ gap: '30m' })).count() */
  count(options?: AggregateOptions<number>): WindowedTable<K, V, number> {
    return this.#aggregate('count', count<V>(), options as AggregateOptions<unknown>)
  }

  /** Sum of `value(v)` per key and window. @example orders.keyBy((o) => o.shop).window(tumbling({ size: '1h' })).sum((o) => o.total) */
  sum(value: (value: V) => number, options?: AggregateOptions<number>): WindowedTable<K, V, number> {
    return this.#aggregate('sum', sum(value), options as AggregateOptions<unknown>)
  }

  /** Smallest `value(v)` per key and window. @example trades.keyBy((t) => t.symbol).window(w).min((t) => t.price) */
  min(value: (value: V) => number, options?: AggregateOptions<number>): WindowedTable<K, V, number> {
    return this.#aggregate('min', min(value), options as AggregateOptions<unknown>)
  }

  /** Largest `value(v)` per key and window. @example trades.keyBy((t) => t.symbol).window(w).max((t) => t.price) */
  max(value: (value: V) => number, options?: AggregateOptions<number>): WindowedTable<K, V, number> {
    return this.#aggregate('max', max(value), options as AggregateOptions<unknown>)
  }

  /** Mean of `value(v)` per key and window. @example readings.keyBy((r) => r.room).window(tumbling({ size: '1m' })).avg((r) => r.celsius) */
  avg(value: (value: V) => number, options?: AggregateOptions<{ sum: number; count: number }>): WindowedTable<K, V, number> {
    return this.#aggregate('avg', avg(value), options as AggregateOptions<unknown>)
  }

  /** Estimated distinct `value(v)` keys per key and window (HyperLogLog). @example visits.keyBy((v) => v.page).window(w).approxDistinct((v) => v.user) */
  approxDistinct(value?: (value: V) => SketchKey, options?: ApproxDistinctOptions & AggregateOptions<unknown>): WindowedTable<K, V, number> {
    return this.#aggregate('approxDistinct', approxDistinct(value, options), options)
  }

  /** The k most frequent `value(v)` keys per key and window (Space-Saving). @example tags.keyBy((t) => t.region).window(w).topK(10, (t) => t.tag) */
  topK<T extends TopKKey = TopKKey>(k: number, value?: (value: V) => T, options?: TopKOptions & AggregateOptions<unknown>): WindowedTable<K, V, TopKEntry<T>[]> {
    return this.#aggregate('topK', topK(k, value, options) as Aggregator<V, unknown, unknown>, options)
  }

  /** Quantiles of `value(v)` per key and window (DDSketch). @example requests.keyBy((r) => r.route).window(w).approxQuantiles((r) => r.ms, [0.5, 0.99]) */
  approxQuantiles(value: (value: V) => number, quantiles?: readonly number[], options?: ApproxQuantilesOptions & AggregateOptions<unknown>): WindowedTable<K, V, Quantiles> {
    return this.#aggregate('approxQuantiles', approxQuantiles(value, quantiles, options), options)
  }

  /** A uniform sample of up to n records (or `value(v)`) per key and window. @example errors.keyBy((e) => e.service).window(w).sample(5) */
  sample<T = V>(n: number, value?: (value: V) => T, options?: SampleOptions & AggregateOptions<unknown>): WindowedTable<K, V, T[]> {
    return this.#aggregate('sample', sample(n, value, options) as Aggregator<V, unknown, unknown>, options)
  }
}
