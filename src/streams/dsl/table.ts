// Table<K, V>: a changelog of rows by key (a compacted topic read with app.table, a stream's
// toTable, an aggregation's results). Table functions take (key, value) — see types.ts. Tables
// are materialized into a store when they are read by key (joins): sources and aggregations
// always, derived tables (filter, mapValues, table joins) only when something needs it.
// WindowedTable is an aggregation's windowed result, with its late-records side stream.
import { SluiceError } from '../../base/errors.ts'
import type { JoinType, NodeId } from '../topology/index.ts'
import type { WindowDefinition } from '../windows/index.ts'
import { checkFunction, type StreamState } from './graph-builder.ts'
import { DSL, erased, sameApp, type Internals } from './internal.ts'
import { Stream } from './stream.ts'
import type { ToOptions, Windowed } from './types.ts'

/**
 * A table with keys K and rows V.
 * @example
 * const customers = app.table<string, Customer>('customers')
 * customers.filter((id, c) => c.active).mapValues((id, c) => c.country)
 */
export class Table<K, V> {
  /** The app's recorder and this table's place in it (not for application code). */
  readonly [DSL]: Internals

  /** Made by App and by streams' and tables' methods; application code does not call this. */
  constructor(internals: Internals) {
    this[DSL] = internals
  }

  #derive(node: { id: NodeId } & Record<string, unknown>, patch: { valueSerde?: undefined } = {}): Internals {
    const h = this[DSL]
    h.graph.add(node as never)
    return { graph: h.graph, state: { ...h.state, ...patch, node: node.id } }
  }

  /**
   * Keeps rows for which `predicate(key, value)` holds; a row that stops matching is deleted downstream.
   * @example counts.filter((card, n) => n > 20)
   */
  filter(predicate: (key: K, value: V) => boolean): Table<K, V> {
    checkFunction('table filter(predicate)', predicate)
    const h = this[DSL]
    return new Table(this.#derive({ kind: 'table-filter', id: h.graph.id('table-filter'), inputs: [h.state.node], outputs: [], stores: [], predicate: erased(predicate), store: undefined }))
  }

  /**
   * Maps each row with `mapper(key, value)`.
   * @example customers.mapValues((id, c) => c.country)
   */
  mapValues<V2>(mapper: (key: K, value: V) => V2): Table<K, V2> {
    checkFunction('table mapValues(mapper)', mapper)
    const h = this[DSL]
    return new Table(this.#derive({ kind: 'table-map-values', id: h.graph.id('table-map-values'), inputs: [h.state.node], outputs: [], stores: [], mapper: erased(mapper), store: undefined }, { valueSerde: undefined }))
  }

  /**
   * The stream of the table's changes: one record per new or changed row.
   * @example counts.toStream().filter((n) => n > 20).to('alerts')
   */
  toStream(): Stream<K, V> {
    const h = this[DSL]
    return new Stream(this.#derive({ kind: 'to-stream', id: h.graph.id('to-stream'), inputs: [h.state.node], outputs: [], stores: [] }))
  }

  /**
   * Writes the table's changes to `topic` (shorthand for toStream().to(topic)).
   * @example counts.to('counts-by-card')
   */
  to(topic: string, options: ToOptions<K, V> = {}): void {
    this.toStream().to(topic, options)
  }

  /**
   * Table-table join: a row for each key present in both tables, kept up to date as either changes.
   * @example orders.join(customers, (order, customer) => ({ ...order, name: customer.name }))
   */
  join<V2, R>(other: Table<K, V2>, joiner: (left: V, right: V2, key: K) => R, options: { store?: string } = {}): Table<K, R> {
    return this.#join('inner', other, joiner, options)
  }

  /**
   * Like join, but every row of this table is kept; right is undefined when the other has no row.
   * @example orders.leftJoin(customers, (order, customer) => ({ ...order, name: customer?.name }))
   */
  leftJoin<V2, R>(other: Table<K, V2>, joiner: (left: V, right: V2 | undefined, key: K) => R, options: { store?: string } = {}): Table<K, R> {
    return this.#join('left', other, joiner, options)
  }

  /**
   * Like join, but rows of either table are kept; the missing side is undefined.
   * @example stock.outerJoin(orders, (s, o) => ({ stock: s?.count ?? 0, ordered: o?.count ?? 0 }))
   */
  outerJoin<V2, R>(other: Table<K, V2>, joiner: (left: V | undefined, right: V2 | undefined, key: K) => R, options: { store?: string } = {}): Table<K, R> {
    return this.#join('outer', other, joiner, options)
  }

  #join<R>(joinType: JoinType, other: { readonly [DSL]: Internals }, joiner: unknown, options: { store?: string }): Table<K, R> {
    checkFunction('table join(other, joiner)', joiner)
    const h = this[DSL]
    const o = sameApp(h, other, 'table join')
    if (o.state.node === h.state.node) throw new SluiceError('INVALID_ARGUMENT', 'a table cannot be joined with itself; use mapValues')
    const leftStore = h.graph.materialize(h.state)
    const rightStore = h.graph.materialize(o.state)
    const id = h.graph.id('table-table-join')
    h.graph.add({ kind: 'table-table-join', id, inputs: [h.state.node, o.state.node], outputs: [], stores: [], joinType, joiner: erased(joiner), leftStore, rightStore, store: undefined })
    h.graph.useStore(id, leftStore)
    h.graph.useStore(id, rightStore)
    const sourceTopics = [...new Set([...h.state.sourceTopics, ...o.state.sourceTopics])]
    h.graph.copartition(id, sourceTopics)
    const state = { ...h.state, node: id, valueSerde: undefined, sourceTopics, maxOutOfOrderMs: Math.max(h.state.maxOutOfOrderMs, o.state.maxOutOfOrderMs) }
    if (options.store !== undefined) h.graph.materialize(state, options.store)
    return new Table({ graph: h.graph, state })
  }
}

/**
 * The results of a windowed aggregation: a table keyed by { key, window: { start, end } }, plus
 * the input records that arrived too late for their window.
 * @example
 * const perMinute = readings.keyBy((r) => r.room).window(tumbling({ size: '1m' }), { grace: '10s' }).avg((r) => r.celsius)
 * perMinute.lateRecords().to('late-readings')
 */
export class WindowedTable<K, V, O> extends Table<Windowed<K>, O> {
  readonly #window: WindowDefinition<unknown>
  /** The aggregation's input as it read it (after any repartition): what late records look like. */
  readonly #input: StreamState

  /** Made by WindowedStream; application code does not call this. */
  constructor(internals: Internals, window: WindowDefinition<unknown>, input: StreamState) {
    super(internals)
    this.#window = window
    this.#input = input
  }

  /**
   * The input records that arrived after their window closed (window end + grace passed the
   * watermark), unchanged: a stream to log, count or send to a dead-letter topic.
   * @example counts.lateRecords().to('payments-late')
   */
  lateRecords(): Stream<K, V> {
    if (this.#window.kind === 'count') throw new SluiceError('INVALID_ARGUMENT', 'count windows follow arrival order: no record is ever late for them')
    const h = this[DSL]
    const aggregate = h.graph.node(h.state.node)
    if (aggregate.kind !== 'aggregate') throw new SluiceError('INVALID_ARGUMENT', `'${aggregate.id}' is not a windowed aggregation`)
    const existing = aggregate.lateOutputs[0]
    const id = existing ?? h.graph.id('late-records')
    if (existing === undefined) h.graph.add({ kind: 'late-records', id, inputs: [aggregate.id], outputs: [], stores: [] })
    // Late records are input records: the input's serdes, keyed and partitioned like the input.
    return new Stream({ graph: h.graph, state: { ...this.#input, node: id } })
  }
}
