// The mutable recorder behind the typed DSL: it numbers nodes, links edges on both ends, names
// stores and internal topics, inserts repartition topics lazily (a re-keyed stream is sent
// through `<app>-<node>-repartition` only when an aggregation, join or toTable follows, and one
// topic serves every such consumer of the same node), records co-partition groups, and freezes it
// all into a Topology (../topology/) on build(). The typed classes (stream.ts, table.ts,
// windowed.ts) are thin shells that hand this builder untyped nodes.
import { SluiceError } from '../../base/errors.ts'
import { parseDuration } from '../../base/units.ts'
import { jsonSerde, type Serde } from '../serdes/index.ts'
import type { Duration } from '../windows/index.ts'
import {
  resolvePartitions, splitSubTopologies, topologyError, topologyProblems,
  type CopartitionGroup, type InternalTopic, type NodeId, type StoreSpec, type Topology, type TopologyNode,
} from '../topology/index.ts'

/** The default serde wherever the app gives none: JSON round-trips strings, numbers and objects alike. */
export const DEFAULT_SERDE: Serde<unknown> = jsonSerde<unknown>()

/** Windowed and session store changelogs keep entries this much longer than the store does, as Kafka Streams does. */
const CHANGELOG_EXTRA_RETENTION_MS = 86_400_000

/** What the DSL knows about a stream or table besides its node: serdes, partitioning, event time. */
export interface StreamState {
  readonly node: NodeId
  /** Serdes of the records at this point; undefined once a function changed them (then JSON). */
  readonly keySerde: Serde<unknown> | undefined
  readonly valueSerde: Serde<unknown> | undefined
  /** True once the key changed since the records were last read from a topic. */
  readonly needsRepartition: boolean
  /** Topics this stream's records were read from in its sub-topology (co-partitioning). */
  readonly sourceTopics: readonly string[]
  /** Largest out-of-orderness declared upstream: repartition sources inherit it. */
  readonly maxOutOfOrderMs: number
}

const NAME = /^[a-zA-Z0-9._-]+$/

/** Throws INVALID_ARGUMENT unless `name` is a legal Kafka topic name (or part of one). */
export function checkName(what: string, name: unknown, maxLength = 249): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > maxLength || !NAME.test(name) || name === '.' || name === '..') {
    throw new SluiceError('INVALID_ARGUMENT', `${what} must be 1 to ${maxLength} characters of [a-zA-Z0-9._-], got ${JSON.stringify(name)}`)
  }
  return name
}

/** Parses a duration option, naming the option in the error. */
export function durationOption(what: string, value: Duration): number {
  try {
    return parseDuration(value)
  } catch (error) {
    throw new SluiceError('INVALID_ARGUMENT', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
}

/** Throws INVALID_ARGUMENT unless `fn` is a function (user input: JavaScript callers get no compile check). */
export function checkFunction(what: string, fn: unknown): void {
  if (typeof fn !== 'function') throw new SluiceError('INVALID_ARGUMENT', `${what} must be a function, got ${typeof fn}`)
}

type Mutable<T> = { -readonly [P in keyof T]: T[P] extends readonly (infer E)[] ? E[] : T[P] }

/** Records the nodes of one app. Not thread-shared; every DSL call appends synchronously. */
export class GraphBuilder {
  readonly application: string
  #nextNumber = 0
  readonly #nodes: TopologyNode[] = []
  readonly #byId = new Map<NodeId, TopologyNode>()
  readonly #stores: StoreSpec[] = []
  readonly #internalTopics: InternalTopic[] = []
  readonly #groups: CopartitionGroup[] = []
  /** Upstream node → the state after its repartition topic, so one topic serves every consumer. */
  readonly #repartitioned = new Map<NodeId, StreamState>()

  constructor(application: string) {
    this.application = application
  }

  /** A fresh node id: `prefix` (the node kind, or the aggregation's name) and the next number. */
  id(prefix: string): NodeId {
    return `${prefix}-${this.#nextNumber++}`
  }

  /** Appends `node` and records it as an output (or late output) of each of its inputs. */
  add<N extends TopologyNode>(node: N): N {
    if (this.#byId.has(node.id)) throw new SluiceError('INVALID_ARGUMENT', `node id '${node.id}' is already used`)
    for (const input of node.inputs) {
      const from = this.#byId.get(input)
      if (from === undefined) throw new SluiceError('INVALID_ARGUMENT', `node '${node.id}' reads '${input}', which this app did not record (a stream from another app?)`)
      if (node.kind === 'late-records' && from.kind === 'aggregate') (from as Mutable<typeof from>).lateOutputs.push(node.id)
      else (from.outputs as NodeId[]).push(node.id)
    }
    this.#nodes.push(node)
    this.#byId.set(node.id, node)
    return node
  }

  node(id: NodeId): TopologyNode {
    const node = this.#byId.get(id)
    if (node === undefined) throw new SluiceError('INVALID_ARGUMENT', `node '${id}' is not part of app '${this.application}' (a stream from another app?)`)
    return node
  }

  /** Declares a store owned by `owner` (which lists it), with an internal changelog unless `changelogTopic` is given. */
  addStore(spec: Omit<StoreSpec, 'changelogTopic'> & { changelogTopic?: string }): string {
    checkName('store name', spec.name, 200)
    if (this.#stores.some((s) => s.name === spec.name)) throw new SluiceError('INVALID_ARGUMENT', `store name '${spec.name}' is already used in app '${this.application}'`)
    let changelogTopic = spec.changelogTopic
    if (changelogTopic === undefined) {
      changelogTopic = `${this.application}-${spec.name}-changelog`
      const config: Record<string, string> = spec.retentionMs === undefined
        ? { 'cleanup.policy': 'compact' }
        : { 'cleanup.policy': 'compact,delete', 'retention.ms': String(spec.retentionMs + CHANGELOG_EXTRA_RETENTION_MS) }
      // partitionsFrom is filled on build, when the owner's sub-topology (and its sources) is known.
      this.#internalTopics.push({ name: changelogTopic, kind: 'changelog', partitions: undefined, partitionsFrom: [], config })
    }
    this.#stores.push({ ...spec, changelogTopic })
    ;(this.node(spec.owner).stores as string[]).push(spec.name)
    return spec.name
  }

  /** Lists `store` on a node that reads it without owning it (a join reading a table). */
  useStore(node: NodeId, store: string): void {
    ;(this.node(node).stores as string[]).push(store)
  }

  /** The store of a table node, materializing it (a key-value store, `name` or named after the node) when it has none. */
  materialize(table: StreamState, name?: string): string {
    const node = this.node(table.node)
    switch (node.kind) {
      case 'to-table':
        return node.store
      case 'aggregate':
        if (node.window !== undefined) throw new SluiceError('INVALID_ARGUMENT', `'${node.id}' is a windowed table: join its stream (toStream()) or re-key it instead`)
        return node.store
      case 'table-filter': case 'table-map-values': case 'table-table-join': {
        if (node.store !== undefined) return node.store
        const store = this.addStore({ name: name ?? `${node.id}-store`, kind: 'key-value', owner: node.id, keySerde: table.keySerde ?? DEFAULT_SERDE, valueSerde: table.valueSerde ?? DEFAULT_SERDE, retentionMs: undefined })
        ;(node as Mutable<typeof node>).store = store
        return store
      }
      default:
        throw new SluiceError('INVALID_ARGUMENT', `'${node.id}' (${node.kind}) is not a table`)
    }
  }

  /**
   * The stream as a stateful node must read it: unchanged when its key has not changed since it
   * was read, else through a repartition topic (shared by every stateful consumer of the same node
   * unless `partitions` asks for a topic of its own).
   */
  repartition(state: StreamState, options: { force?: boolean; partitions?: number } = {}): StreamState {
    if (!state.needsRepartition && options.force !== true) return state
    const isShared = options.partitions === undefined
    const cached = isShared ? this.#repartitioned.get(state.node) : undefined
    if (cached !== undefined) return cached
    let topic = `${this.application}-${state.node}-repartition`
    const sinkId = this.id('sink')
    if (this.#internalTopics.some((t) => t.name === topic)) topic = `${this.application}-${sinkId}-repartition`
    const keySerde = state.keySerde ?? DEFAULT_SERDE
    const valueSerde = state.valueSerde ?? DEFAULT_SERDE
    this.#internalTopics.push({ name: topic, kind: 'repartition', partitions: options.partitions, partitionsFrom: [...state.sourceTopics], config: {} })
    this.add({ kind: 'sink', id: sinkId, inputs: [state.node], outputs: [], stores: [], topic, keySerde, valueSerde, isInternal: true })
    const source = this.add({
      kind: 'source', id: this.id('source'), inputs: [], outputs: [], stores: [], topic, keySerde, valueSerde,
      // The sink writes each record with its event time as the record timestamp; the reader uses it.
      timestamp: { extractor: undefined, maxOutOfOrderMs: state.maxOutOfOrderMs }, partitions: options.partitions, isInternal: true,
    })
    const result: StreamState = { node: source.id, keySerde, valueSerde, needsRepartition: false, sourceTopics: [topic], maxOutOfOrderMs: state.maxOutOfOrderMs }
    if (isShared) this.#repartitioned.set(state.node, result)
    return result
  }

  /** Records that `node` reads `topics` together by key; one topic needs no group. */
  copartition(node: NodeId, topics: readonly string[]): void {
    const unique = [...new Set(topics)]
    if (unique.length > 1) this.#groups.push({ topics: unique, nodes: [node], partitions: undefined })
  }

  /** The recorded graph, validated and frozen; throws one INVALID_ARGUMENT listing every problem. */
  build(): Topology {
    const nodes = this.#nodes.map((node) => freezeNode(node))
    const subTopologies = splitSubTopologies(nodes)
    const subOf = new Map<NodeId, number>()
    for (const sub of subTopologies) for (const id of sub.nodes) subOf.set(id, sub.id)
    const storeOwner = new Map(this.#stores.map((s) => [s.changelogTopic, s.owner]))
    const recorded = this.#internalTopics.map((topic): InternalTopic => {
      if (topic.kind !== 'changelog') return topic
      // A changelog has one partition per task of the sub-topology that owns the store.
      const sub = subTopologies[subOf.get(storeOwner.get(topic.name)!)!]!
      return { ...topic, partitionsFrom: sub.sourceTopics }
    })
    const resolved = resolvePartitions(nodes, recorded, this.#groups)
    const topology: Topology = deepFreeze({
      application: this.application,
      nodes,
      stores: this.#stores.map((s) => ({ ...s })),
      internalTopics: resolved.internalTopics,
      copartitionGroups: resolved.copartitionGroups,
      subTopologies,
    })
    const problems = [...resolved.problems, ...topologyProblems(topology)]
    if (problems.length > 0) throw topologyError(this.application, [...new Set(problems)])
    return topology
  }
}

/** A copy of a node with its own arrays, so later DSL calls do not change a built topology. */
function freezeNode(node: TopologyNode): TopologyNode {
  const copy: Record<string, unknown> = { ...node, inputs: [...node.inputs], outputs: [...node.outputs], stores: [...node.stores] }
  if (node.kind === 'aggregate') copy.lateOutputs = [...node.lateOutputs]
  if (node.kind === 'split') copy.branches = node.branches.map((b) => Object.freeze({ ...b }))
  return Object.freeze(copy) as unknown as TopologyNode
}

/** Freezes plain objects and arrays of a built topology; functions, serdes and window definitions are left as they are. */
function deepFreeze<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item)
    return Object.freeze(value)
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (key !== 'keySerde' && key !== 'valueSerde' && key !== 'aggregator' && key !== 'window') deepFreeze(item)
    }
    return Object.freeze(value)
  }
  return value
}
