// Stream<K, V>: an unbounded sequence of keyed records, and KeyedStream, the same after keyBy /
// groupBy / groupByKey, which adds windows and aggregations. Every method only records a node
// (through graph-builder.ts) and returns a new typed handle; nothing runs until a runtime
// executes the built topology. Stream functions take (value, key); see types.ts for the rule.
// Tables live in table.ts, windowed aggregation in windowed.ts, the shared recording in
// aggregation.ts; the sketch aggregations (approxDistinct, topK, …) come from ../approx/.
import { SluiceError } from '../../base/errors.ts'
import type { SketchKey, TopKEntry, TopKKey } from '../../sketches/index.ts'
import { approxDistinct, approxQuantiles, sample, topK, type ApproxDistinctOptions, type ApproxQuantilesOptions, type Quantiles, type SampleOptions, type TopKOptions } from '../approx/index.ts'
import type { JoinType, NodeId } from '../topology/index.ts'
import { recordAggregate, windowWithOptions, type AggregateOperation } from './aggregation.ts'
import { checkFunction, checkName, DEFAULT_SERDE, durationOption, type StreamState } from './graph-builder.ts'
import { DSL, erased, sameApp, type Internals } from './internal.ts'
import { Table, type WindowedTable } from './table.ts'
import type { AggregateOptions, JoinWindowOptions, KeyByOptions, KeyValue, ToOptions, ToTableOptions, WindowOptions } from './types.ts'
import { WindowedStream } from './windowed.ts'
import { recordDedupe, recordWithSamplingRate, type DedupeOptions, type Sampled } from './dedupe.ts'
import {
  avg as avgAggregator, count as countAggregator, max as maxAggregator, min as minAggregator, reduce as reduceAggregator, sum as sumAggregator,
  type Aggregator, type WindowDefinition,
} from '../windows/index.ts'

/** Fields every new node shares: a fresh id reading from the current node. */
function base<T extends string>(h: Internals, kind: T): { kind: T; id: NodeId; inputs: NodeId[]; outputs: NodeId[]; stores: string[] } {
  return { kind, id: h.graph.id(kind), inputs: [h.state.node], outputs: [], stores: [] }
}

/** The value type a split branch carries: narrowed when its predicate is a type guard. */
export type BranchValue<V, P> = P extends ((value: V, key: never) => value is infer S extends V) ? S : V

/**
 * A stream of records with keys K and values V.
 * @example
 * app.stream<Payment>('payments').filter((p) => p.amount > 0).mapValues((p) => p.amount).to('amounts')
 */
export class Stream<K, V> {
  /** The app's recorder and this stream's place in it (not for application code). */
  readonly [DSL]: Internals

  /** Made by App and by other streams' methods; application code does not call this. */
  constructor(internals: Internals) {
    this[DSL] = internals
  }

  /** Records a node reading this stream and returns the handle state after it. */
  #next(node: { id: NodeId } & Record<string, unknown>, patch: Partial<StreamState> = {}): Internals {
    const h = this[DSL]
    h.graph.add(node as never)
    return { graph: h.graph, state: { ...h.state, ...patch, node: node.id } }
  }

  /**
   * Keeps records for which `predicate(value, key)` holds; a type guard narrows the value type.
   * @example stream.filter((p) => p.amount > 100)
   */
  filter<S extends V>(predicate: (value: V, key: K) => value is S): Stream<K, S>
  filter(predicate: (value: V, key: K) => boolean): Stream<K, V>
  filter(predicate: (value: V, key: K) => boolean): Stream<K, V> {
    checkFunction('filter(predicate)', predicate)
    return new Stream(this.#next({ ...base(this[DSL], 'filter'), predicate: erased(predicate) }))
  }

  /**
   * Replaces each record by `mapper(value, key)`, a { key, value }: the key may change, so a later
   * aggregation or join reads it through a repartition topic.
   * @example stream.map((p) => ({ key: p.card, value: p.amount }))
   */
  map<K2, V2>(mapper: (value: V, key: K) => KeyValue<K2, V2>): Stream<K2, V2> {
    checkFunction('map(mapper)', mapper)
    return new Stream(this.#next({ ...base(this[DSL], 'map'), mapper: erased(mapper) }, { keySerde: undefined, valueSerde: undefined, needsRepartition: true }))
  }

  /**
   * Replaces each value by `mapper(value, key)`; keys (and partitioning) stay.
   * @example stream.mapValues((p) => p.amount * 100)
   */
  mapValues<V2>(mapper: (value: V, key: K) => V2): Stream<K, V2> {
    checkFunction('mapValues(mapper)', mapper)
    return new Stream(this.#next({ ...base(this[DSL], 'map-values'), mapper: erased(mapper) }, { valueSerde: undefined }))
  }

  /**
   * Replaces each record by zero or more { key, value } records; keys may change.
   * @example lines.flatMap((line) => line.split(' ').map((word) => ({ key: word, value: 1 })))
   */
  flatMap<K2, V2>(mapper: (value: V, key: K) => Iterable<KeyValue<K2, V2>>): Stream<K2, V2> {
    checkFunction('flatMap(mapper)', mapper)
    return new Stream(this.#next({ ...base(this[DSL], 'flat-map'), mapper: erased(mapper) }, { keySerde: undefined, valueSerde: undefined, needsRepartition: true }))
  }

  /**
   * Replaces each value by zero or more values under the same key.
   * @example orders.flatMapValues((o) => o.items)
   */
  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>): Stream<K, V2> {
    checkFunction('flatMapValues(mapper)', mapper)
    return new Stream(this.#next({ ...base(this[DSL], 'flat-map-values'), mapper: erased(mapper) }, { valueSerde: undefined }))
  }

  /**
   * Calls `action(value, key)` for each record and passes the record on.
   * @example stream.peek((p, card) => log.debug(card, p.amount))
   */
  peek(action: (value: V, key: K) => void): Stream<K, V> {
    checkFunction('peek(action)', action)
    return new Stream(this.#next({ ...base(this[DSL], 'peek'), action: erased(action) }))
  }

  /**
   * Calls `action(value, key)` for each record; ends the stream.
   * @example alerts.foreach((alert) => pager.send(alert))
   */
  foreach(action: (value: V, key: K) => void): void {
    checkFunction('foreach(action)', action)
    this.#next({ ...base(this[DSL], 'foreach'), action: erased(action) })
  }

  /**
   * Splits the stream by named predicates: each record goes to the first branch whose predicate
   * holds, or is dropped (end with `rest: () => true` to keep the others). Type guards narrow.
   * @example
   * const { big, small } = payments.split({ big: (p) => p.amount > 100, small: () => true })
   */
  split<B extends Record<string, (value: V, key: K) => boolean>>(branches: B): { [N in keyof B]: Stream<K, BranchValue<V, B[N]>> } {
    const h = this[DSL]
    const names = typeof branches === 'object' && branches !== null ? Object.keys(branches) : []
    if (names.length === 0) throw new SluiceError('INVALID_ARGUMENT', 'split(branches): give at least one named predicate, e.g. split({ big: (v) => v.amount > 100 })')
    for (const name of names) checkFunction(`split branch '${name}'`, branches[name])
    const split = base(h, 'split')
    const ids = names.map(() => h.graph.id('branch'))
    h.graph.add({ ...split, branches: names.map((name, i) => ({ name, predicate: erased(branches[name]), output: ids[i]! })) })
    const result: Record<string, Stream<K, V>> = {}
    names.forEach((name, i) => {
      h.graph.add({ kind: 'branch', id: ids[i]!, inputs: [split.id], outputs: [], stores: [], name })
      result[name] = new Stream({ graph: h.graph, state: { ...h.state, node: ids[i]! } })
    })
    return result as { [N in keyof B]: Stream<K, BranchValue<V, B[N]>> }
  }

  /**
   * Splits by predicates in order: branch i gets the records whose first matching predicate is i.
   * @example const [errors, rest] = logs.branch((l) => l.level === 'error', () => true)
   */
  branch<P extends ((value: V, key: K) => boolean)[]>(...predicates: P): { [I in keyof P]: Stream<K, BranchValue<V, P[I]>> } {
    const named: Record<string, (value: V, key: K) => boolean> = {}
    predicates.forEach((predicate, i) => { named[String(i)] = predicate })
    const streams = this.split(named)
    return predicates.map((_, i) => streams[String(i)]) as { [I in keyof P]: Stream<K, BranchValue<V, P[I]>> }
  }

  /**
   * One stream of this stream's records and the others'.
   * @example const all = web.merge(mobile, api)
   */
  merge(...others: Stream<K, V>[]): Stream<K, V> {
    const h = this[DSL]
    if (others.length === 0) throw new SluiceError('INVALID_ARGUMENT', 'merge(...others): give at least one other stream')
    const states = [h.state, ...others.map((o) => sameApp(h, o, 'merge()').state)]
    const inputs = states.map((s) => s.node)
    if (new Set(inputs).size !== inputs.length) throw new SluiceError('INVALID_ARGUMENT', 'merge(): a stream is merged with itself')
    const node = { kind: 'merge' as const, id: h.graph.id('merge'), inputs, outputs: [], stores: [] }
    h.graph.add(node)
    const same = <T>(values: T[]): T | undefined => (values.every((v) => v === values[0]) ? values[0] : undefined)
    return new Stream({
      graph: h.graph,
      state: {
        node: node.id,
        keySerde: same(states.map((s) => s.keySerde)),
        valueSerde: same(states.map((s) => s.valueSerde)),
        needsRepartition: states.some((s) => s.needsRepartition),
        sourceTopics: [...new Set(states.flatMap((s) => s.sourceTopics))],
        maxOutOfOrderMs: Math.max(...states.map((s) => s.maxOutOfOrderMs)),
      },
    })
  }

  /**
   * Re-keys the stream by `selector(value, key)` for aggregation and joins; the first stateful
   * step after it reads through the repartition topic `<app>-<node>-repartition`. The selector (like
   * a filter's predicate) must not modify the value: its bytes go to that topic as they were read.
   * @example payments.keyBy((p) => p.card).window(tumbling({ size: '1m' })).count()
   */
  keyBy<K2>(selector: (value: V, key: K) => K2, options: KeyByOptions<K2> = {}): KeyedStream<K2, V> {
    checkFunction('keyBy(selector)', selector)
    return new KeyedStream(this.#next({ ...base(this[DSL], 'key-by'), selector: erased(selector) }, { keySerde: options.keySerde as never, needsRepartition: true }))
  }

  /**
   * Same as keyBy: groups records by a new key (Kafka Streams' name).
   * @example orders.groupBy((o) => o.shop).sum((o) => o.total)
   */
  groupBy<K2>(selector: (value: V, key: K) => K2, options: KeyByOptions<K2> = {}): KeyedStream<K2, V> {
    return this.keyBy(selector, options)
  }

  /**
   * Groups records by their current key; no node, and a repartition only if the key was changed
   * upstream. Stateful steps drop records with a null key, so the key type loses null.
   * @example app.stream<Click>('clicks').groupByKey().count()
   */
  groupByKey(): KeyedStream<NonNullable<K>, V> {
    return new KeyedStream(this[DSL])
  }

  /**
   * Each record with the rate load shedding kept it at (app.stream's `loadShedding`); 1 when
   * nothing is shed. Scale by it: `sum((r) => 1 / r.samplingRate)` estimates the full count.
   * @example clicks.withSamplingRate().groupBy((r) => r.value.page).sum((r) => 1 / r.samplingRate)
   */
  withSamplingRate(): Stream<K, Sampled<V>> {
    return new Stream(recordWithSamplingRate(this[DSL]))
  }

  /**
   * How often each value occurs: a table keyed by the value (Spark's countByValue).
   * @example hashtags.countByValue({ keySerde: stringSerde })
   */
  countByValue(options: KeyByOptions<V> & AggregateOptions<number> = {}): Table<V, number> {
    return this.keyBy((value) => value, options).count(options)
  }

  /**
   * How often each value occurs per window, incrementally (Spark's countByValueAndWindow: count is
   * invertible, so a sliding window subtracts what leaves it instead of recounting).
   * @example hashtags.countByValueAndWindow(sliding({ size: '10m', every: '1s' }))
   */
  countByValueAndWindow(window: WindowDefinition<V>, options: KeyByOptions<V> & WindowOptions & AggregateOptions<number> = {}): WindowedTable<V, V, number> {
    return this.keyBy((value) => value, options).window(window, options).count(options)
  }

  /**
   * Sends the stream through an internal topic now (optionally with a set partition count), e.g.
   * to co-partition it with a table whose topic has a different count.
   * @example payments.repartition({ partitions: 12 }).join(customers, enrich)
   */
  repartition(options: { partitions?: number } = {}): Stream<K, V> {
    const { partitions } = options
    if (partitions !== undefined && (!Number.isSafeInteger(partitions) || partitions < 1)) {
      throw new SluiceError('INVALID_ARGUMENT', `repartition({ partitions }) must be a positive whole number, got ${String(partitions)}`)
    }
    const h = this[DSL]
    return new Stream({ graph: h.graph, state: h.graph.repartition(h.state, { force: true, partitions }) })
  }

  /**
   * The table of each key's latest value (in a key-value store).
   * @example const latestPosition = positions.toTable()
   */
  toTable(options: ToTableOptions = {}): Table<NonNullable<K>, V> {
    const h = this[DSL]
    const input = h.graph.repartition(h.state)
    const node = { kind: 'to-table' as const, id: h.graph.id('to-table'), inputs: [input.node], outputs: [], stores: [], store: '' }
    node.store = options.store ?? `${node.id}-store`
    h.graph.add(node)
    h.graph.addStore({ name: node.store, kind: 'key-value', owner: node.id, keySerde: input.keySerde ?? DEFAULT_SERDE, valueSerde: input.valueSerde ?? DEFAULT_SERDE, retentionMs: undefined })
    return new Table({ graph: h.graph, state: { ...input, node: node.id } })
  }

  /**
   * Joins each record with the table's current row for its key (records without a row are
   * dropped), or with the other stream's records of the same key within `within` of it. Records
   * with a null key match nothing and are dropped, so the key type loses null.
   * @example
   * payments.keyBy((p) => p.customer).join(customers, (p, c) => ({ ...p, country: c.country }))
   * clicks.join(views, (click, view) => ({ click, view }), { within: '5m' })
   */
  join<VT, R>(table: Table<NonNullable<K>, VT>, joiner: (value: V, row: VT, key: NonNullable<K>) => R): Stream<NonNullable<K>, R>
  join<V2, R>(other: Stream<K, V2>, joiner: (value: V, other: V2, key: NonNullable<K>) => R, options: JoinWindowOptions): Stream<NonNullable<K>, R>
  join(other: { readonly [DSL]: Internals }, joiner: unknown, options?: JoinWindowOptions): Stream<NonNullable<K>, unknown> {
    return other instanceof Table ? this.#joinTable('inner', other, joiner) : this.#joinStream('inner', other, joiner, options)
  }

  /**
   * Like join, but a record without a match is still joined, with row (or other) undefined.
   * @example payments.leftJoin(customers, (p, c) => ({ ...p, country: c?.country ?? 'unknown' }))
   */
  leftJoin<VT, R>(table: Table<NonNullable<K>, VT>, joiner: (value: V, row: VT | undefined, key: NonNullable<K>) => R): Stream<NonNullable<K>, R>
  leftJoin<V2, R>(other: Stream<K, V2>, joiner: (value: V, other: V2 | undefined, key: NonNullable<K>) => R, options: JoinWindowOptions): Stream<NonNullable<K>, R>
  leftJoin(other: { readonly [DSL]: Internals }, joiner: unknown, options?: JoinWindowOptions): Stream<NonNullable<K>, unknown> {
    return other instanceof Table ? this.#joinTable('left', other, joiner) : this.#joinStream('left', other, joiner, options)
  }

  /**
   * Stream-stream join that also emits records of either side that found no match in the window.
   * @example orders.outerJoin(payments, (o, p) => ({ order: o, payment: p }), { within: '1h' })
   */
  outerJoin<V2, R>(other: Stream<K, V2>, joiner: (value: V | undefined, other: V2 | undefined, key: NonNullable<K>) => R, options: JoinWindowOptions): Stream<NonNullable<K>, R> {
    return this.#joinStream('outer', other, joiner, options) as Stream<NonNullable<K>, R>
  }

  #joinTable(joinType: 'inner' | 'left', table: { readonly [DSL]: Internals }, joiner: unknown): Stream<NonNullable<K>, unknown> {
    checkFunction('join(table, joiner)', joiner)
    const h = this[DSL]
    const t = sameApp(h, table, 'join(table)')
    const input = h.graph.repartition(h.state)
    const store = h.graph.materialize(t.state)
    const id = h.graph.id('stream-table-join')
    h.graph.add({ kind: 'stream-table-join', id, inputs: [input.node], outputs: [], stores: [], joinType, joiner: erased(joiner), table: t.state.node, tableStore: store })
    h.graph.useStore(id, store)
    h.graph.copartition(id, [...input.sourceTopics, ...t.state.sourceTopics])
    return new Stream({ graph: h.graph, state: { ...input, node: id, valueSerde: undefined } })
  }

  #joinStream(joinType: JoinType, other: { readonly [DSL]: Internals }, joiner: unknown, options: JoinWindowOptions | undefined): Stream<NonNullable<K>, unknown> {
    checkFunction('join(stream, joiner)', joiner)
    if (options === undefined || options.within === undefined) {
      throw new SluiceError('INVALID_ARGUMENT', "a stream-stream join needs a time window: join(other, joiner, { within: '5m' })")
    }
    const h = this[DSL]
    const o = sameApp(h, other, 'join(stream)')
    const withinMs = durationOption('join within', options.within)
    const graceMs = options.grace === undefined ? 0 : durationOption('join grace', options.grace)
    const left = h.graph.repartition(h.state)
    const right = h.graph.repartition(o.state)
    if (left.node === right.node) throw new SluiceError('INVALID_ARGUMENT', 'a stream cannot be joined with itself; branch it first (split) and join the branches')
    const id = h.graph.id('stream-stream-join')
    const leftStore = `${id}-left-store`
    const rightStore = `${id}-right-store`
    h.graph.add({
      kind: 'stream-stream-join', id, inputs: [left.node, right.node], outputs: [], stores: [], joinType, joiner: erased(joiner),
      beforeMs: withinMs, afterMs: withinMs, graceMs, leftStore, rightStore,
    })
    const retentionMs = 2 * withinMs + graceMs
    h.graph.addStore({ name: leftStore, kind: 'window', owner: id, keySerde: left.keySerde ?? DEFAULT_SERDE, valueSerde: left.valueSerde ?? DEFAULT_SERDE, retentionMs })
    h.graph.addStore({ name: rightStore, kind: 'window', owner: id, keySerde: right.keySerde ?? DEFAULT_SERDE, valueSerde: right.valueSerde ?? DEFAULT_SERDE, retentionMs })
    const sourceTopics = [...new Set([...left.sourceTopics, ...right.sourceTopics])]
    h.graph.copartition(id, sourceTopics)
    return new Stream({
      graph: h.graph,
      state: { node: id, keySerde: left.keySerde, valueSerde: undefined, needsRepartition: false, sourceTopics, maxOutOfOrderMs: Math.max(left.maxOutOfOrderMs, right.maxOutOfOrderMs) },
    })
  }

  /**
   * Writes each record to `topic` (serdes default to the stream's, else JSON).
   * @example alerts.to('alerts', { serde: jsonSerde<Alert>() })
   */
  to(topic: string, options: ToOptions<K, V> = {}): void {
    checkName('to(topic)', topic)
    const h = this[DSL]
    this.#next({
      ...base(h, 'sink'), topic,
      keySerde: options.keySerde ?? h.state.keySerde ?? DEFAULT_SERDE, valueSerde: options.serde ?? h.state.valueSerde ?? DEFAULT_SERDE, isInternal: false,
    })
  }
}

/**
 * A stream grouped by key (after keyBy, groupBy or groupByKey): aggregate it as a whole into a
 * Table, or window it first.
 * @example payments.keyBy((p) => p.card).sum((p) => p.amount)
 */
export class KeyedStream<K, V> extends Stream<K, V> {
  /**
   * Cuts each key's records into windows; aggregations then yield one result per (key, window).
   * @example readings.keyBy((r) => r.room).window(tumbling({ size: '1m' }), { emit: 'final', grace: '10s' }).avg((r) => r.celsius)
   */
  window(definition: WindowDefinition<V>, options: WindowOptions = {}): WindowedStream<K, V> {
    const { window, emit } = windowWithOptions(definition as WindowDefinition<unknown>, options)
    return new WindowedStream<K, V>(this[DSL], window, emit)
  }

  /**
   * Keeps each key's first record and drops the ones after it, within a span of event time or
   * forever, in bounded memory (Bloom filters: a new key is taken for a seen one with probability
   * `falsePositiveRate`). Key by the event id first: `events.keyBy((e) => e.id).dedupe({ within: '1h' })`.
   */
  dedupe(options: DedupeOptions = {}): KeyedStream<K, V> {
    return new KeyedStream(recordDedupe(this[DSL], options))
  }

  #aggregate<O>(operation: AggregateOperation, aggregator: Aggregator<V, unknown, unknown>, options: AggregateOptions<unknown> | undefined): Table<K, O> {
    return new Table(recordAggregate(this[DSL], operation, aggregator as Aggregator<unknown, unknown, unknown>, undefined, 'update', options).result)
  }

  /**
   * Folds each key's records with `aggregator` (count(), sum(fn), a custom one); a table of results.
   * @example clicks.groupByKey().aggregate(count())
   */
  aggregate<A, O>(aggregator: Aggregator<V, A, O>, options?: AggregateOptions<A>): Table<K, O> {
    return this.#aggregate('aggregate', aggregator as Aggregator<V, unknown, unknown>, options as AggregateOptions<unknown>)
  }

  /**
   * Combines each key's values with `fn` (associative; with `inverse` it is invertible).
   * @example totals.groupByKey().reduce((a, b) => a + b)
   */
  reduce(fn: (a: V, b: V) => V, options?: AggregateOptions<V> & { inverse?: (acc: V, value: V) => V }): Table<K, V> {
    return this.#aggregate('reduce', reduceAggregator(fn, { inverse: options?.inverse }) as Aggregator<V, unknown, unknown>, options as AggregateOptions<unknown>)
  }

  /** The number of records per key. @example clicks.keyBy((c) => c.page).count() */
  count(options?: AggregateOptions<number>): Table<K, number> {
    return this.#aggregate('count', countAggregator<V>(), options as AggregateOptions<unknown>)
  }

  /** The sum of `value(v)` per key. @example orders.keyBy((o) => o.shop).sum((o) => o.total) */
  sum(value: (value: V) => number, options?: AggregateOptions<number>): Table<K, number> {
    return this.#aggregate('sum', sumAggregator(value), options as AggregateOptions<unknown>)
  }

  /** The smallest `value(v)` per key. @example trades.keyBy((t) => t.symbol).min((t) => t.price) */
  min(value: (value: V) => number, options?: AggregateOptions<number>): Table<K, number> {
    return this.#aggregate('min', minAggregator(value), options as AggregateOptions<unknown>)
  }

  /** The largest `value(v)` per key. @example trades.keyBy((t) => t.symbol).max((t) => t.price) */
  max(value: (value: V) => number, options?: AggregateOptions<number>): Table<K, number> {
    return this.#aggregate('max', maxAggregator(value), options as AggregateOptions<unknown>)
  }

  /** The mean of `value(v)` per key. @example readings.keyBy((r) => r.room).avg((r) => r.celsius) */
  avg(value: (value: V) => number, options?: AggregateOptions<{ sum: number; count: number }>): Table<K, number> {
    return this.#aggregate('avg', avgAggregator(value), options as AggregateOptions<unknown>)
  }

  /** Estimated distinct `value(v)` keys per key (HyperLogLog). @example visits.keyBy((v) => v.page).approxDistinct((v) => v.user) */
  approxDistinct(value?: (value: V) => SketchKey, options?: ApproxDistinctOptions & AggregateOptions<unknown>): Table<K, number> {
    return this.#aggregate('approxDistinct', approxDistinct(value, options), options)
  }

  /** The k most frequent `value(v)` keys per key (Space-Saving). @example tags.keyBy((t) => t.region).topK(10, (t) => t.tag) */
  topK<T extends TopKKey = TopKKey>(k: number, value?: (value: V) => T, options?: TopKOptions & AggregateOptions<unknown>): Table<K, TopKEntry<T>[]> {
    return this.#aggregate('topK', topK(k, value, options) as Aggregator<V, unknown, unknown>, options)
  }

  /** Quantiles of `value(v)` per key (DDSketch). @example requests.keyBy((r) => r.route).approxQuantiles((r) => r.ms, [0.5, 0.99]) */
  approxQuantiles(value: (value: V) => number, quantiles?: readonly number[], options?: ApproxQuantilesOptions & AggregateOptions<unknown>): Table<K, Quantiles> {
    return this.#aggregate('approxQuantiles', approxQuantiles(value, quantiles, options), options)
  }

  /** A uniform sample of up to n records (or `value(v)`) per key. @example errors.keyBy((e) => e.service).sample(5) */
  sample<T = V>(n: number, value?: (value: V) => T, options?: SampleOptions & AggregateOptions<unknown>): Table<K, T[]> {
    return this.#aggregate('sample', sample(n, value, options) as Aggregator<V, unknown, unknown>, options)
  }
}
