// App: the entry of the typed DSL. It records a topology — streams and tables read from topics
// and everything done to them — and builds it into plain data (../topology/) that a runtime
// executes; `describe()` prints it. Recording never touches a broker: partition counts the app
// declares are checked here, the rest by the runtime at start. The runtime (start/close) is
// not part of this folder; `Sluice.streams(name, options)` will construct an App.
import { SluiceError } from '../../base/errors.ts'
import { describeTopology, type Topology } from '../topology/index.ts'
import { checkFunction, checkName, DEFAULT_SERDE, durationOption, GraphBuilder } from './graph-builder.ts'
import type { Internals } from './internal.ts'
import { Stream } from './stream.ts'
import { Table } from './table.ts'
import type { AppOptions, OptionsArgs, StreamOptions, StreamOptionsBase, TableOptions, TableOptionsBase } from './types.ts'
import { stringSerde, type Serde } from '../serdes/index.ts'

/** Keys read from topics are text unless the app gives a key serde (Kafka clients send string keys). */
const DEFAULT_KEY_SERDE = stringSerde as Serde<unknown>

function checkPartitions(what: string, partitions: unknown): number | undefined {
  if (partitions === undefined) return undefined
  if (typeof partitions !== 'number' || !Number.isSafeInteger(partitions) || partitions < 1) {
    throw new SluiceError('INVALID_ARGUMENT', `${what}: partitions must be a positive whole number, got ${String(partitions)}`)
  }
  return partitions
}

function checkShedding(what: string, option: StreamOptionsBase<unknown>['loadShedding']): { maxLag: number; minRate: number } | undefined {
  if (option === undefined) return undefined
  const { maxLag, minRate = 0.01 } = option
  if (typeof maxLag !== 'number' || !Number.isSafeInteger(maxLag) || maxLag < 1) {
    throw new SluiceError('INVALID_ARGUMENT', `${what} loadShedding.maxLag must be a positive whole number of records, got ${String(maxLag)}`)
  }
  if (typeof minRate !== 'number' || !(minRate > 0 && minRate <= 1)) {
    throw new SluiceError('INVALID_ARGUMENT', `${what} loadShedding.minRate must be in (0, 1], got ${String(minRate)}`)
  }
  return { maxLag, minRate }
}

/**
 * A streams app: the recorder of its topology.
 * @example
 * const app = createApp('fraud', { guarantee: 'exactly-once' })
 * app.stream<Payment>('payments', { eventTime: (p) => p.ts, maxOutOfOrder: '5s' })
 *   .keyBy((p) => p.card)
 *   .window(sliding({ size: '10m', every: '1s' }))
 *   .aggregate(count())
 *   .filter((card, n) => n > 20)
 *   .to('alerts')
 * console.log(app.describe())
 */
export class App {
  /** The application id: prefix of internal topics and the consumer group's name. */
  readonly name: string
  readonly options: Readonly<AppOptions>
  readonly #graph: GraphBuilder

  constructor(name: string, options: AppOptions = {}) {
    this.name = checkName('streams app name', name, 200)
    const guarantee = options.guarantee ?? 'at-least-once'
    if (!['at-most-once', 'at-least-once', 'exactly-once'].includes(guarantee)) {
      throw new SluiceError('INVALID_ARGUMENT', `guarantee must be 'at-most-once', 'at-least-once' or 'exactly-once', got ${String(guarantee)}`)
    }
    this.options = Object.freeze({ ...options, guarantee })
    this.#graph = new GraphBuilder(name)
  }

  #source(topic: string, options: StreamOptionsBase<unknown> & TableOptionsBase<unknown> & { keySerde?: Serde<unknown> }, what: string): Internals {
    checkName(`${what}(topic)`, topic)
    if (options.eventTime !== undefined) checkFunction(`${what} eventTime`, options.eventTime)
    const maxOutOfOrderMs = options.maxOutOfOrder === undefined ? 0 : durationOption(`${what} maxOutOfOrder`, options.maxOutOfOrder)
    const partitions = checkPartitions(`${what}('${topic}')`, options.partitions)
    const shedding = checkShedding(what, (options as StreamOptionsBase<unknown>).loadShedding)
    const keySerde = options.keySerde ?? DEFAULT_KEY_SERDE
    const valueSerde = options.serde ?? DEFAULT_SERDE
    const node = this.#graph.add({
      kind: 'source', id: this.#graph.id('source'), inputs: [], outputs: [], stores: [], topic, keySerde, valueSerde,
      timestamp: { extractor: options.eventTime, maxOutOfOrderMs }, partitions, isInternal: false,
      ...(shedding === undefined ? {} : { shedding }),
    })
    return { graph: this.#graph, state: { node: node.id, keySerde, valueSerde, needsRepartition: false, sourceTopics: [topic], maxOutOfOrderMs } }
  }

  /**
   * A stream of the records of `topic`. Keys are text unless `keySerde` is given (required for other key types).
   * @example app.stream<Payment>('payments', { eventTime: (p) => p.ts, maxOutOfOrder: '5s' })
   */
  stream<V, K = string | null>(topic: string, ...args: OptionsArgs<K, StreamOptions<K, V>>): Stream<K, V> {
    const options = (args[0] ?? {}) as StreamOptionsBase<unknown> & { keySerde?: Serde<unknown> }
    return new Stream(this.#source(topic, options, 'stream'))
  }

  /**
   * A table of the latest row per key of a compacted topic; the topic itself restores its store.
   * @example const customers = app.table<string, Customer>('customers')
   */
  table<K, V>(topic: string, ...args: OptionsArgs<K, TableOptions<K, V>>): Table<K, V> {
    const options = (args[0] ?? {}) as TableOptionsBase<unknown> & { keySerde?: Serde<unknown> }
    const source = this.#source(topic, options, 'table')
    const graph = this.#graph
    const node = { kind: 'to-table' as const, id: graph.id('to-table'), inputs: [source.state.node], outputs: [], stores: [], store: '' }
    node.store = options.store ?? `${node.id}-store`
    graph.add(node)
    // The compacted source topic is already the table's changelog: no second copy (Kafka Streams' source-topic reuse).
    graph.addStore({ name: node.store, kind: 'key-value', owner: node.id, keySerde: source.state.keySerde!, valueSerde: source.state.valueSerde!, retentionMs: undefined, changelogTopic: topic })
    return new Table({ graph, state: { ...source.state, node: node.id } })
  }

  /**
   * The recorded topology as validated, frozen plain data; throws one INVALID_ARGUMENT error listing
   * every problem (co-partitioning of declared partition counts included).
   * @example const topology = app.build(); topology.subTopologies.length
   */
  build(): Topology {
    return this.#graph.build()
  }

  /**
   * The topology as text: sub-topologies, sources, processors, sinks, stores, internal topics.
   * @example console.log(app.describe())
   */
  describe(): string {
    return describeTopology(this.build())
  }
}

/**
 * A streams app named `name` (its application id).
 * @example const app = createApp('fraud', { guarantee: 'exactly-once' })
 */
export function createApp(name: string, options: AppOptions = {}): App {
  return new App(name, options)
}

