// The topology of a streams app as plain data: what the DSL (../dsl/) records and what the runtime
// executes. Nodes are a discriminated union on `kind`; each names its input and output nodes by id
// and carries the user functions, serdes, window definition, aggregator and store names it needs,
// so a runtime can instantiate one operator per node without knowing the DSL. Functions stay
// untyped here (the DSL's generics are erased); each node kind documents its functions' argument
// order. Validation lives in validate.ts, sub-topology splitting in sub-topologies.ts, text output
// in describe.ts.
import type { Aggregator, WindowDefinition } from '../windows/index.ts'
import type { Serde } from '../serdes/index.ts'

/** A node's id, unique in its topology: `<kind>-<n>`, numbered in the order the DSL recorded them. */
export type NodeId = string

/** A key and a value, as map / flatMap functions return them. */
export interface KeyValue<K, V> {
  readonly key: K
  readonly value: V
}

/** How emitted results of a windowed aggregation flow: every update, or once when the window closes. */
export type EmitMode = 'update' | 'final'

/** Which unmatched records a join still emits. */
export type JoinType = 'inner' | 'left' | 'outer'

interface NodeBase {
  readonly id: NodeId
  /** Nodes this one receives records from (empty for sources). */
  readonly inputs: readonly NodeId[]
  /** Nodes this one forwards its results to (empty for sinks and foreach). */
  readonly outputs: readonly NodeId[]
  /** Stores this node reads or writes (see Topology.stores for which node owns each). */
  readonly stores: readonly string[]
}

/** Event-time extraction of a source: without it the runtime uses each record's timestamp. */
export interface TimestampSpec {
  readonly extractor: ((value: unknown) => number) | undefined
  /** Bounded out-of-orderness: the watermark trails the largest timestamp seen by this much. */
  readonly maxOutOfOrderMs: number
}

/**
 * Load shedding of a source: while a partition's lag exceeds `maxLag` records, keep each record
 * with probability rate = max(minRate, maxLag / lag); back to keeping everything when it catches up.
 */
export interface SheddingSpec {
  readonly maxLag: number
  readonly minRate: number
}

/** Reads one topic. Internal sources read a repartition topic written by a sink of this app. */
export interface SourceNode extends NodeBase {
  readonly kind: 'source'
  readonly topic: string
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly timestamp: TimestampSpec
  /** The partition count the app declared for this topic; the runtime checks it against metadata. */
  readonly partitions: number | undefined
  readonly isInternal: boolean
  /** Load shedding, when the app opted in. */
  readonly shedding?: SheddingSpec
}

/** Writes each record it receives to a topic. */
export interface SinkNode extends NodeBase {
  readonly kind: 'sink'
  readonly topic: string
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly isInternal: boolean
}

/** Stream node: forwards records for which `predicate(value, key)` is true. */
export interface FilterNode extends NodeBase { readonly kind: 'filter'; readonly predicate: (value: unknown, key: unknown) => boolean }
/** Stream node: forwards `mapper(value, key)` (a KeyValue); changes the key. */
export interface MapNode extends NodeBase { readonly kind: 'map'; readonly mapper: (value: unknown, key: unknown) => KeyValue<unknown, unknown> }
/** Stream node: forwards (key, mapper(value, key)). */
export interface MapValuesNode extends NodeBase { readonly kind: 'map-values'; readonly mapper: (value: unknown, key: unknown) => unknown }
/** Stream node: forwards each KeyValue of `mapper(value, key)`; changes the key. */
export interface FlatMapNode extends NodeBase { readonly kind: 'flat-map'; readonly mapper: (value: unknown, key: unknown) => Iterable<KeyValue<unknown, unknown>> }
/** Stream node: forwards (key, v) for each v of `mapper(value, key)`. */
export interface FlatMapValuesNode extends NodeBase { readonly kind: 'flat-map-values'; readonly mapper: (value: unknown, key: unknown) => Iterable<unknown> }
/** Stream node: calls `action(value, key)` and forwards the record unchanged. */
export interface PeekNode extends NodeBase { readonly kind: 'peek'; readonly action: (value: unknown, key: unknown) => void }
/** Stream node, terminal: calls `action(value, key)`. */
export interface ForeachNode extends NodeBase { readonly kind: 'foreach'; readonly action: (value: unknown, key: unknown) => void }
/** Stream node: forwards (selector(value, key), value); changes the key. */
export interface KeyByNode extends NodeBase { readonly kind: 'key-by'; readonly selector: (value: unknown, key: unknown) => unknown }

/** One branch of a split: records go to the first branch whose predicate holds, or nowhere. */
export interface SplitBranch {
  readonly name: string
  readonly predicate: (value: unknown, key: unknown) => boolean
  /** The branch node (kind 'branch') this branch forwards to; also listed in the split's outputs. */
  readonly output: NodeId
}

/** Stream node: routes each record to the first matching branch (outputs are the branch nodes, in order). */
export interface SplitNode extends NodeBase { readonly kind: 'split'; readonly branches: readonly SplitBranch[] }
/** Stream node, pass-through: the head of one split branch. */
export interface BranchNode extends NodeBase { readonly kind: 'branch'; readonly name: string }
/** Stream node, pass-through with several inputs. */
export interface MergeNode extends NodeBase { readonly kind: 'merge' }

/**
 * Keyed aggregation of a stream, windowed or not; the node is also the table of its results.
 * Results go to `outputs` as (key, result) — key is `{ key, window: { start, end } }` when
 * windowed; input records that arrive after their window closed go, unchanged, to `lateOutputs`.
 */
export interface AggregateNode extends NodeBase {
  readonly kind: 'aggregate'
  /** Which DSL call made it (count, sum, …): for describe() and metrics. */
  readonly operation: 'aggregate' | 'reduce' | 'count' | 'sum' | 'min' | 'max' | 'avg' | 'approxDistinct' | 'topK' | 'approxQuantiles' | 'sample'
  readonly aggregator: Aggregator<unknown, unknown, unknown>
  readonly window: WindowDefinition<unknown> | undefined
  readonly emit: EmitMode
  /** The store holding accumulators (owned by this node). */
  readonly store: string
  /** Nodes of kind 'late-records' fed with records too late for their window. */
  readonly lateOutputs: readonly NodeId[]
}

/**
 * Keyed stream node: forwards a record only if its key was not seen before (Bloom filters in
 * `store`, so a false positive drops a new key with probability `falsePositiveRate`): within
 * `withinMs` of event time (filters per time segment), or forever (a scalable filter) when undefined.
 */
export interface DedupeNode extends NodeBase {
  readonly kind: 'dedupe'
  readonly withinMs: number | undefined
  readonly expectedItems: number
  readonly falsePositiveRate: number
  readonly store: string
}

/** Stream node: forwards `{ value, samplingRate }`, the rate at which load shedding kept the record (1: all kept). */
export interface WithSamplingRateNode extends NodeBase { readonly kind: 'with-sampling-rate' }

/** Stream node, pass-through: the late-records side output of an aggregate (its only input). */
export interface LateRecordsNode extends NodeBase { readonly kind: 'late-records' }

/** Stream → table: keeps the latest value per key in `store` and forwards each change. */
export interface ToTableNode extends NodeBase { readonly kind: 'to-table'; readonly store: string }
/** Table → stream: forwards each table change as a record. */
export interface ToStreamNode extends NodeBase { readonly kind: 'to-stream' }

/** Table node: keeps rows for which `predicate(key, value)` holds (others become deletes). */
export interface TableFilterNode extends NodeBase {
  readonly kind: 'table-filter'
  readonly predicate: (key: unknown, value: unknown) => boolean
  /** Set when something reads this table by key (a join): the node then materializes its rows. */
  readonly store: string | undefined
}

/** Table node: rows become `mapper(key, value)`. */
export interface TableMapValuesNode extends NodeBase {
  readonly kind: 'table-map-values'
  readonly mapper: (key: unknown, value: unknown) => unknown
  readonly store: string | undefined
}

/**
 * Stream-table join: each stream record (the only input) looks up the table's current row by key
 * in `tableStore` and forwards (key, joiner(value, row, key)); 'left' calls the joiner with row
 * undefined when there is none, 'inner' drops the record.
 */
export interface StreamTableJoinNode extends NodeBase {
  readonly kind: 'stream-table-join'
  readonly joinType: 'inner' | 'left'
  readonly joiner: (value: unknown, row: unknown, key: unknown) => unknown
  /** The table node the store belongs to. */
  readonly table: NodeId
  readonly tableStore: string
}

/**
 * Stream-stream join: inputs are [left, right]; a record joins every record of the other side
 * with the same key whose timestamp is within [t - beforeMs, t + afterMs]. Each side is buffered
 * in its window store until the window plus grace has passed; 'left'/'outer' emit an unmatched
 * record (other side undefined) when its window closes.
 */
export interface StreamStreamJoinNode extends NodeBase {
  readonly kind: 'stream-stream-join'
  readonly joinType: JoinType
  readonly joiner: (left: unknown, right: unknown, key: unknown) => unknown
  readonly beforeMs: number
  readonly afterMs: number
  readonly graceMs: number
  readonly leftStore: string
  readonly rightStore: string
}

/**
 * Table-table join: inputs are [left, right] (their changes); a change on one side looks up the
 * other side's row in its store and forwards (key, joiner(left, right, key)), or a delete when the
 * join type drops the pair.
 */
export interface TableTableJoinNode extends NodeBase {
  readonly kind: 'table-table-join'
  readonly joinType: JoinType
  readonly joiner: (left: unknown, right: unknown, key: unknown) => unknown
  readonly leftStore: string
  readonly rightStore: string
  readonly store: string | undefined
}

/** Any node of a topology. */
export type TopologyNode =
  | SourceNode | SinkNode
  | FilterNode | MapNode | MapValuesNode | FlatMapNode | FlatMapValuesNode | PeekNode | ForeachNode | KeyByNode
  | SplitNode | BranchNode | MergeNode
  | AggregateNode | LateRecordsNode | DedupeNode | WithSamplingRateNode
  | ToTableNode | ToStreamNode | TableFilterNode | TableMapValuesNode
  | StreamTableJoinNode | StreamStreamJoinNode | TableTableJoinNode

/** The kinds of node. */
export type NodeKind = TopologyNode['kind']

/** A state store: its name, shape, serdes and the topic it is restored from. */
export interface StoreSpec {
  readonly name: string
  /** key-value: one value per key; window: values per (key, window start); session: per (key, session). */
  readonly kind: 'key-value' | 'window' | 'session'
  /** The node that writes it; other nodes listing it only read it (joins). */
  readonly owner: NodeId
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  /** Compacted topic the store is restored from: an internal changelog, or the source topic of app.table. */
  readonly changelogTopic: string
  /** How long window and session stores keep an entry (window size + grace); undefined for key-value. */
  readonly retentionMs: number | undefined
}

/** A topic the app creates itself. */
export interface InternalTopic {
  readonly name: string
  readonly kind: 'repartition' | 'changelog'
  /**
   * The partition count, when known before start (declared, or taken from a co-partition group
   * with a known count). When undefined the runtime resolves it against real metadata: the group's
   * count if the topic is in a co-partition group, else the largest count of `partitionsFrom`.
   */
  readonly partitions: number | undefined
  /** The topics whose partition count this one follows when nothing else decides it. */
  readonly partitionsFrom: readonly string[]
  /** Topic configs with Kafka's dotted keys (`cleanup.policy`, `retention.ms`). */
  readonly config: Readonly<Record<string, string>>
}

/**
 * Topics that must have the same number of partitions because one stateful node reads them by
 * key together (a join, or an aggregation over merged inputs). Checked when the topology is built
 * where counts are known, and again by the runtime against real metadata before it starts.
 */
export interface CopartitionGroup {
  readonly topics: readonly string[]
  /** The nodes that need it. */
  readonly nodes: readonly NodeId[]
  /** The common partition count, when known before start. */
  readonly partitions: number | undefined
}

/** A connected piece of the graph: one task per input partition runs it. Pieces meet only through topics. */
export interface SubTopology {
  readonly id: number
  /** Its nodes in the order they were recorded. */
  readonly nodes: readonly NodeId[]
  readonly sourceTopics: readonly string[]
  readonly sinkTopics: readonly string[]
  readonly stores: readonly string[]
}

/** A whole app's topology: the plain-data graph a runtime executes. */
export interface Topology {
  readonly application: string
  /** Every node, in the order the DSL recorded them. */
  readonly nodes: readonly TopologyNode[]
  readonly stores: readonly StoreSpec[]
  readonly internalTopics: readonly InternalTopic[]
  readonly copartitionGroups: readonly CopartitionGroup[]
  readonly subTopologies: readonly SubTopology[]
}

/** Every node id a node sends records to: its outputs, plus late outputs of an aggregate. */
export function downstreamOf(node: TopologyNode): readonly NodeId[] {
  return node.kind === 'aggregate' && node.lateOutputs.length > 0 ? [...node.outputs, ...node.lateOutputs] : node.outputs
}

/** True for nodes whose results form a table (a change log of rows) rather than a stream of events. */
export function isTableNode(node: TopologyNode): boolean {
  switch (node.kind) {
    case 'aggregate': case 'to-table': case 'table-filter': case 'table-map-values': case 'table-table-join':
      return true
    default:
      return false
  }
}
