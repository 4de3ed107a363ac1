// The option and record types of the typed DSL. Argument order is one rule: stream functions take
// the value first and the key second ((value, key) => …, so `p => p.amount` reads a payment);
// table functions take the key first ((key, row) => …, a table is rows by key, as in Kafka
// Streams' KTable); joiners take the two values and then the key.
import type { Serde } from '../serdes/index.ts'
import type { Duration } from '../windows/index.ts'
import type { ErrorHandler } from '../runtime/error-handler.ts'

export type { KeyValue, EmitMode } from '../topology/index.ts'

/** The key of a windowed result: the record key and the window [start, end) it belongs to. */
export interface Windowed<K> {
  readonly key: K
  readonly window: { readonly start: number; readonly end: number }
}

/** Options of a streams app (the DSL keeps them; the runtime reads them at start). */
export interface AppOptions {
  /** Delivery guarantee the runtime gives (default 'at-least-once'). */
  guarantee?: 'at-most-once' | 'at-least-once' | 'exactly-once'
  /** What to do with a record that fails to deserialize or process: 'fail' (default), 'skip', { deadLetter: topic }, or a function choosing. */
  onError?: ErrorHandler
  /** How often offsets (and, under exactly-once, outputs) are committed (default 100 ms exactly-once, 1 s otherwise). */
  commitInterval?: Duration
  /** Wall-clock time after which a quiet input partition stops holding the watermark back (default '10s'). */
  idleTimeout?: Duration
  /** Where key-value stores keep their bytes: 'memory' (default; rebuilt from changelogs) or 'lmdb' (on disk under stateDir). */
  stateStore?: 'memory' | 'lmdb'
  /** How long the group waits for a silent instance before moving its partitions (Kafka's session.timeout.ms; default '45s'). */
  sessionTimeout?: Duration
  /** Directory of local state for 'lmdb' (default `<dataDir>/.streams` embedded, `./sluice-state` connected). */
  stateDir?: string
}

/** Key serde option: optional when keys are text (the default serde reads them as strings), required otherwise. */
export type KeySerdeOption<K> = [K] extends [string | null] ? { keySerde?: Serde<K> } : { keySerde: Serde<K> }

/** Options of app.stream(). */
export interface StreamOptionsBase<V> {
  /** Value serde (default JSON). */
  serde?: Serde<V>
  /** Event time of a value (default: the record's timestamp). */
  eventTime?: (value: V) => number
  /** How far out of order event times may arrive before records count as late (default 0). */
  maxOutOfOrder?: Duration
  /** The topic's partition count, if known: checked for co-partitioning when built, and against metadata at start. */
  partitions?: number
  /**
   * Opt in to load shedding: while a partition lags by more than `maxLag` records, keep each record
   * with probability max(minRate, maxLag / lag) (default minRate 0.01), and everything again once it
   * has caught up. `withSamplingRate()` tells each record's rate, so estimates can be scaled.
   */
  loadShedding?: { maxLag: number; minRate?: number }
}

/** Options of app.stream(): value serde, event time, declared partitions and (for non-text keys) the key serde. */
export type StreamOptions<K, V> = StreamOptionsBase<V> & KeySerdeOption<K>

/** Options of app.table(). */
export interface TableOptionsBase<V> {
  /** Value serde (default JSON). */
  serde?: Serde<V>
  /** Name of the store that keeps the table's rows (default `<node>-store`). */
  store?: string
  /** The topic's partition count, if known. */
  partitions?: number
}

/** Options of app.table(): value serde, store name, declared partitions and (for non-text keys) the key serde. */
export type TableOptions<K, V> = TableOptionsBase<V> & KeySerdeOption<K>

/** Arguments after the topic of app.stream / app.table: options may be left out only when keys are text. */
export type OptionsArgs<K, O> = [K] extends [string | null] ? [options?: O] : [options: O]

/** Options of to(). */
export interface ToOptions<K, V> {
  serde?: Serde<V>
  keySerde?: Serde<K>
}

/** Options of keyBy() / groupBy(). */
export interface KeyByOptions<K> {
  /** Serde of the new key in the repartition topic and stores (default JSON). */
  keySerde?: Serde<K>
}

/** Options of a window: when results are emitted, and lateness allowed (overrides the definition's grace). */
export interface WindowOptions {
  /** 'update' (default): a result on every change; 'final': one result when the window closes. */
  emit?: 'update' | 'final'
  grace?: Duration
}

/** Options of an aggregation. */
export interface AggregateOptions<A> {
  /** Store name (default `<node>-store`): name it to query it, and to keep it across topology changes. */
  store?: string
  /** Serde of the accumulator in the store and its changelog (default JSON). */
  serde?: Serde<A>
}

/** Options of a stream-stream join: how far apart in time two records may be, and lateness allowed. */
export interface JoinWindowOptions {
  within: Duration
  grace?: Duration
}

/** Options of toTable(). */
export interface ToTableOptions {
  store?: string
}
