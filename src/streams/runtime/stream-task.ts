// StreamTask: one sub-topology running for one partition number, as in Kafka Streams. It builds a
// processor per node (processors/), wires each to its downstream nodes, and then, for every input
// record: deserializes it with its source's serdes, takes its event time, updates the partition's
// watermark, and pushes it through the graph in one synchronous call. Outputs (sinks, repartition
// topics, changelogs, dead letters) go to a RecordCollector, which the runtime backs with a
// producer and the test driver with lists. Errors go to the app's error handler (error-handler.ts).
// The task has no I/O and no timers: the caller passes wall-clock time in and awaits flush().
import { SluiceError } from '../../base/errors.ts'
import type { BytesStoreProvider, ChangelogRecord, ChangelogSink } from '../state/index.ts'
import type { Serde } from '../serdes/index.ts'
import type { NodeId, SinkNode, SourceNode, StoreSpec, SubTopology, Topology, TopologyNode } from '../topology/index.ts'
import { deadLetterHeaders, StreamsProcessingError, type ErrorAction, type ErrorContext } from './error-handler.ts'
import { KeyInterner } from './key-interner.ts'
import { KeyValueState } from './key-value-state.ts'
import type { LoggedState } from './logged-state.ts'
import { serializeOrNull, type Processor, type RecordCollector, type TableView } from './processor.ts'
import { TableAggregateProcessor, WindowAggregateProcessor, type DropCounter } from './processors/aggregate.ts'
import { Downstream } from './processors/forward.ts'
import { JoinBuffer } from './processors/join-buffer.ts'
import { DedupeProcessor } from './processors/dedupe.ts'
import { SheddingController } from './shedding.ts'
import { StreamStreamJoinProcessor, StreamTableJoinProcessor, TableTableJoinProcessor } from './processors/joins.ts'
import { statelessProcessor } from './processors/stateless.ts'
import { ToTableProcessor, TableTransformProcessor } from './processors/tables.ts'
import { TaskWatermarks, WATERMARK_HEADER, WRITER_HEADER } from './watermarks.ts'
import type { ConsumerRecord } from '../../client/types.ts'

/** A record as the task receives it: what the consumer yields (the test driver makes the same). */
export type InputRecord = ConsumerRecord

/** What a task needs from its runtime. */
export interface StreamTaskOptions {
  topology: Topology
  subTopology: SubTopology
  partition: number
  collector: RecordCollector
  /** Where key-value stores keep their bytes (in-memory or LMDB); names get the task id appended. */
  storeProvider: BytesStoreProvider
  onError: (error: unknown, context: ErrorContext) => ErrorAction
  /** Wall-clock ms after which a quiet input partition stops holding the watermark back. */
  idleTimeoutMs: number
  /** Partition counts of the topics the app resolved (repartition topics get watermark markers on each). */
  partitionsOf: (topic: string) => number
  /** Per repartition topic this task reads: the upstream task ids that write it (their stamps are awaited). */
  upstreamWriters: ReadonlyMap<string, readonly string[]>
  /** Called for each skipped record (log line). */
  log?: (message: string) => void
}

/** Counters of one task. */
export interface TaskMetrics extends DropCounter {
  processedRecords: number
  skippedRecords: number
  deadLetteredRecords: number
  lateRecords: number
  /** Records dedupe() found already seen. */
  duplicateRecords: number
  /** Records load shedding left out. */
  shedRecords: number
}

interface SourceSpec {
  node: SourceNode
  next: Downstream
  /** `<topic>-<partition>`: the input's name in TaskWatermarks. */
  inputKey: string
  /** The source's load-shedding rate controller, when it opted in. */
  shedding: SheddingController | undefined
}

/** An error raised while serializing an output, so the handler is told the right stage. */
class SerializeError extends Error {}

/** One sub-topology × one partition. */
export class StreamTask {
  /** `<sub-topology>_<partition>`, as Kafka Streams names tasks. */
  readonly id: string
  readonly partition: number
  readonly subTopology: SubTopology
  readonly metrics: TaskMetrics = { processedRecords: 0, skippedRecords: 0, deadLetteredRecords: 0, droppedRecords: 0, lateRecords: 0, duplicateRecords: 0, shedRecords: 0 }
  readonly loggedStates: LoggedState[] = []
  readonly #options: StreamTaskOptions
  readonly #sources = new Map<string, SourceSpec>()
  readonly #watermarks: TaskWatermarks
  readonly #eventTimeOperators: Array<{ advanceWatermark(w: number): void }> = []
  readonly #processingTimeOperators: WindowAggregateProcessor[] = []
  readonly #views = new Map<string, TableView>()
  readonly #windowed = new Map<string, WindowAggregateProcessor>()
  readonly #keyValues: KeyValueState[] = []
  #nowMs = 0
  #closedUpTo = -Infinity
  #broadcastUpTo = -Infinity
  readonly #internalSinks: string[] = []
  #current: InputRecord | undefined
  /** The current record's deserialized value (identity tells a sink it is unchanged). */
  #currentValue: unknown = undefined
  #lastBroadcastMs = -Infinity
  /** The sampling rate the current record was kept at (1 without load shedding). */
  #currentRate = 1
  #watermarkStamp: [string, Buffer] = [WATERMARK_HEADER, encodeWatermark(-Infinity)]
  readonly #writerStamp: [string, Buffer]
  /** The headers of this task's repartition records: one array, replaced when the watermark moves. */
  #stamps: Array<[string, Buffer]>

  constructor(options: StreamTaskOptions) {
    this.#options = options
    this.partition = options.partition
    this.subTopology = options.subTopology
    this.id = `${options.subTopology.id}_${options.partition}`
    this.#watermarks = new TaskWatermarks(options.idleTimeoutMs)
    // The writer is the task, not the process: a task that moves to another process stays one writer.
    this.#writerStamp = [WRITER_HEADER, Buffer.from(this.id)]
    this.#stamps = [this.#watermarkStamp, this.#writerStamp]
    this.#build()
    for (const topic of this.#sources.keys()) {
      const writers = options.upstreamWriters.get(topic)
      if (writers !== undefined) this.#watermarks.expectWriters(topic, writers)
    }
  }

  /** The task's merged event-time watermark. */
  get watermark(): number {
    return this.#watermarks.watermark
  }

  // ---- building ---------------------------------------------------------------------------

  #build(): void {
    const { topology, subTopology } = this.#options
    const byId = new Map(topology.nodes.map((n) => [n.id, n]))
    const nodes = subTopology.nodes.map((id) => byId.get(id)!)
    const next = new Map<NodeId, Downstream>(nodes.map((n) => [n.id, new Downstream()]))
    const late = new Map<NodeId, Downstream>(nodes.map((n) => [n.id, new Downstream()]))
    const stores = new Map(topology.stores.map((s) => [s.name, s]))
    const internalTopics = new Set(topology.internalTopics.map((t) => t.name))
    const interner = (serde: Serde<unknown>): KeyInterner => new KeyInterner(serde)
    const processors = new Map<NodeId, Processor | TableTableJoinProcessor | StreamStreamJoinProcessor>()
    const lazyView = (store: string): TableView => ({ get: (key) => this.#views.get(store)!.get(key) })
    const keyValue = (name: string): KeyValueState => {
      const spec = stores.get(name)!
      const state = new KeyValueState(spec, this.#options.storeProvider.open(`${name}-${this.id}`), this.#changelogSink(spec), internalTopics.has(spec.changelogTopic))
      this.#keyValues.push(state)
      this.loggedStates.push(state)
      return state
    }

    for (const node of nodes) {
      const out = next.get(node.id)!
      const stateless = statelessProcessor(node, out, next)
      if (stateless !== undefined) {
        processors.set(node.id, stateless)
        continue
      }
      processors.set(node.id, this.#stateful(node, { out, late: late.get(node.id)!, stores, keyValue, lazyView, interner }))
    }

    const inputOf = (target: NodeId, from: NodeId): Processor => {
      const processor = processors.get(target)!
      if (processor instanceof TableTableJoinProcessor || processor instanceof StreamStreamJoinProcessor) {
        return processor.input(byId.get(target)!.inputs.indexOf(from) === 0 ? 'left' : 'right')
      }
      return processor as Processor
    }
    for (const node of nodes) {
      for (const target of node.outputs) next.get(node.id)!.targets.push(inputOf(target, node.id))
      if (node.kind === 'aggregate') for (const target of node.lateOutputs) late.get(node.id)!.targets.push(inputOf(target, node.id))
    }
  }

  #stateful(
    node: TopologyNode,
    h: { out: Downstream; late: Downstream; stores: Map<string, StoreSpec>; keyValue: (name: string) => KeyValueState; lazyView: (store: string) => TableView; interner: (serde: Serde<unknown>) => KeyInterner },
  ): Processor | TableTableJoinProcessor | StreamStreamJoinProcessor {
    const metrics = this.metrics
    switch (node.kind) {
      case 'source':
        this.#sources.set(node.topic, { node, next: h.out, inputKey: `${node.topic}-${this.partition}`, shedding: node.shedding === undefined ? undefined : new SheddingController(node.shedding, this.partition) })
        return h.out
      case 'sink':
        return this.#sink(node)
      case 'aggregate': {
        if (node.window === undefined) {
          const p = new TableAggregateProcessor(node, h.keyValue(node.store), h.out, metrics)
          this.#views.set(node.store, p)
          this.#views.set(node.id, p)
          return p
        }
        const spec = h.stores.get(node.store)!
        // Late records are counted here and still forwarded to the side stream.
        const late = h.late
        const countingLate: Downstream = Object.assign(Object.create(Downstream.prototype) as Downstream, {
          targets: late.targets,
          process: (k: unknown, v: unknown, t: number) => { metrics.lateRecords++; late.process(k, v, t) },
        })
        const p = new WindowAggregateProcessor(node, spec, { next: h.out, late: countingLate, interner: h.interner(spec.keySerde), sink: this.#changelogSink(spec), drops: metrics, now: () => this.#nowMs })
        this.loggedStates.push(p)
        this.#windowed.set(node.store, p)
        if (p.isProcessingTime) this.#processingTimeOperators.push(p)
        else this.#eventTimeOperators.push(p)
        return p
      }
      case 'to-table': {
        const p = new ToTableProcessor(h.keyValue(node.store), h.out, metrics)
        this.#views.set(node.store, p)
        this.#views.set(node.id, p)
        return p
      }
      case 'table-filter': case 'table-map-values': {
        const state = node.store === undefined ? undefined : h.keyValue(node.store)
        const upstream: TableView = { get: (key) => this.#views.get(node.inputs[0]!)?.get(key) }
        const p = new TableTransformProcessor(node, state, upstream, h.out)
        this.#views.set(node.id, p)
        if (node.store !== undefined) this.#views.set(node.store, p)
        return p
      }
      case 'stream-table-join':
        return new StreamTableJoinProcessor(node, h.lazyView(node.tableStore), h.out, metrics)
      case 'dedupe': {
        const spec = h.stores.get(node.store)!
        const p = new DedupeProcessor(node, spec, h.out, this.#changelogSink(spec), metrics)
        this.loggedStates.push(p)
        this.#eventTimeOperators.push(p)
        return p
      }
      case 'with-sampling-rate':
        return { process: (k, v, t) => h.out.process(k, { value: v, samplingRate: this.#currentRate }, t) }
      case 'table-table-join': {
        const state = node.store === undefined ? undefined : h.keyValue(node.store)
        const p = new TableTableJoinProcessor(node, { left: h.lazyView(node.leftStore), right: h.lazyView(node.rightStore) }, state, h.out)
        this.#views.set(node.id, p)
        if (node.store !== undefined) this.#views.set(node.store, p)
        return p
      }
      case 'stream-stream-join': {
        const leftSpec = h.stores.get(node.leftStore)!
        const rightSpec = h.stores.get(node.rightStore)!
        const left = new JoinBuffer(leftSpec, h.interner(leftSpec.keySerde), this.#changelogSink(leftSpec))
        const right = new JoinBuffer(rightSpec, h.interner(rightSpec.keySerde), this.#changelogSink(rightSpec))
        this.loggedStates.push(left, right)
        const p = new StreamStreamJoinProcessor(node, { left, right }, h.out, metrics)
        this.#eventTimeOperators.push(p)
        return p
      }
      default:
        throw new SluiceError('INVALID_ARGUMENT', `no processor for node kind ${node.kind}`)
    }
  }

  #sink(node: SinkNode): Processor {
    const collector = this.#options.collector
    const { keySerde, valueSerde, topic, isInternal } = node
    if (isInternal) this.#internalSinks.push(topic)
    // After keyBy (and filters) the value is still the one read from the source: its bytes go out
    // as they came in, saving a serialize per record on every repartition hop. Selectors and
    // predicates must not modify values (the DSL documents this), or the change would not show.
    const source = this.#unchangedValueSource(node)
    return {
      process: (key, value, timestamp) => {
        let keyBytes: Buffer | null
        let valueBytes: Buffer | null
        try {
          keyBytes = serializeOrNull(keySerde, key)
          const current = this.#current
          valueBytes = source !== undefined && current !== undefined && value === this.#currentValue && source.valueSerde === valueSerde && current.topic === source.topic
            ? current.value
            : serializeOrNull(valueSerde, value)
        } catch (error) {
          throw new SerializeError(`${node.id} (to '${topic}'): ${error instanceof Error ? error.message : String(error)}`, { cause: error })
        }
        // Repartition records carry the writer's watermark: lateness downstream is decided per record, exactly.
        collector.send({ topic, partition: undefined, key: keyBytes, value: valueBytes, timestamp, headers: isInternal ? this.#stamps : undefined })
      },
    }
  }

  /** The source whose values reach `sink` unchanged (only keyBy and filters between), if one does. */
  #unchangedValueSource(sink: SinkNode): SourceNode | undefined {
    const byId = new Map(this.#options.topology.nodes.map((n) => [n.id, n]))
    let node = byId.get(sink.inputs[0] ?? '')
    while (node !== undefined && (node.kind === 'key-by' || node.kind === 'filter') && node.inputs.length === 1) node = byId.get(node.inputs[0]!)
    return node?.kind === 'source' ? node : undefined
  }

  #changelogSink(spec: StoreSpec): ChangelogSink {
    const collector = this.#options.collector
    const partition = this.partition
    return {
      append: (key, value) => {
        collector.send({ topic: spec.changelogTopic, partition, key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: this.#current?.timestamp ?? this.#nowMs, headers: undefined })
      },
    }
  }

  // ---- processing -------------------------------------------------------------------------

  /** The topics this task reads. */
  get sourceTopics(): string[] {
    return [...this.#sources.keys()]
  }

  /**
   * Processes one record of one of the task's source topics at wall-clock `nowMs`. Throws
   * StreamsProcessingError when the error handler says 'fail'.
   */
  process(record: InputRecord, nowMs: number): void {
    const source = this.#sources.get(record.topic)
    if (source === undefined) throw new SluiceError('INVALID_ARGUMENT', `task ${this.id} does not read topic '${record.topic}'`)
    this.#nowMs = nowMs
    const shedding = source.shedding
    if (shedding !== undefined) {
      // Decided before any decoding: a shed record costs one random draw.
      if (!shedding.keep()) {
        this.metrics.shedRecords++
        return
      }
      this.#currentRate = shedding.rate
    } else {
      this.#currentRate = 1
    }
    this.#current = record
    try {
      const { node } = source
      let key: unknown
      let value: unknown
      try {
        key = record.key === null ? null : node.keySerde.deserialize(record.key)
        value = record.value === null ? null : node.valueSerde.deserialize(record.value)
      } catch (error) {
        this.#handle(error, 'deserialize', record)
        return
      }
      let timestamp = record.timestamp
      const extractor = node.timestamp.extractor
      if (extractor !== undefined && value !== null) {
        try {
          timestamp = extractor(value)
          if (!Number.isSafeInteger(timestamp)) throw new SluiceError('INVALID_RECORD', `eventTime returned ${String(timestamp)}, not a whole number of milliseconds`)
        } catch (error) {
          this.#handle(error, 'process', record)
          return
        }
      }
      const stamp = node.isInternal ? readStamp(record.headers) : undefined
      this.#watermarks.observe(source.inputKey, timestamp, node.timestamp.maxOutOfOrderMs, nowMs, stamp?.writer, stamp?.watermark)
      if (stamp !== undefined && record.key === null && record.value === null) {
        // A watermark marker from an upstream task: time moves, nothing is processed.
        const watermark = this.#watermarks.update(nowMs)
        if (watermark !== this.#closedUpTo) this.#closeUpTo(watermark)
        return
      }
      // The watermark moves before the record goes through (a record never makes itself late), so
      // what closes is emitted first and the record's repartition copies carry the new watermark.
      const watermark = this.#watermarks.update(nowMs)
      if (watermark !== this.#closedUpTo) this.#closeUpTo(watermark)
      this.#currentValue = value
      try {
        source.next.process(key, value, timestamp)
      } catch (error) {
        this.#handle(error, error instanceof SerializeError ? 'serialize' : 'process', record)
        return
      }
      this.metrics.processedRecords++
    } finally {
      this.#current = undefined
      this.#currentValue = undefined
    }
  }

  #handle(error: unknown, stage: ErrorContext['stage'], record: InputRecord): void {
    const cause = error instanceof SerializeError ? error.cause ?? error : error
    const context: ErrorContext = { stage, topic: record.topic, partition: record.partition, offset: record.offset, node: undefined }
    const action = this.#options.onError(cause, context)
    if (action === 'fail') throw new StreamsProcessingError(error, context)
    if (action === 'skip') {
      this.metrics.skippedRecords++
      this.#options.log?.(`skipped ${record.topic}-${record.partition}@${record.offset} (${stage}): ${error instanceof Error ? error.message : String(error)}`)
      return
    }
    this.metrics.deadLetteredRecords++
    const headers: Array<[string, Buffer]> = [...record.headers.filter((h): h is [string, Buffer] => h[1] !== null), ...deadLetterHeaders(error, context)]
    this.#options.collector.send({ topic: action.deadLetter, partition: undefined, key: record.key, value: record.value, timestamp: record.timestamp, headers })
  }

  /**
   * Moves time: recomputes the event-time watermark (closing what it passes) and advances
   * processing-time windows to `nowMs`. Call after a batch of records and periodically.
   */
  advance(nowMs: number): void {
    this.#nowMs = nowMs
    const watermark = this.#watermarks.update(nowMs)
    this.#closeUpTo(watermark)
    for (const op of this.#processingTimeOperators) op.advanceWatermark(nowMs)
    const isHeartbeatDue = nowMs - this.#lastBroadcastMs >= this.#options.idleTimeoutMs / 2 && watermark > -Infinity
    if ((watermark > this.#broadcastUpTo || isHeartbeatDue) && this.#internalSinks.length > 0) {
      // Every partition of every repartition topic this task writes learns its watermark from a
      // marker record, even those no record of it went to (Flink broadcasts watermarks across a
      // shuffle the same way); a heartbeat every half idle timeout keeps a writer whose watermark
      // stands still from being taken for idle.
      this.#broadcastUpTo = watermark
      this.#lastBroadcastMs = nowMs
      const headers = this.#stamps
      for (const topic of this.#internalSinks) {
        const partitions = this.#options.partitionsOf(topic)
        for (let p = 0; p < partitions; p++) this.#options.collector.send({ topic, partition: p, key: null, value: null, timestamp: nowMs, headers })
      }
    }
  }

  /** Forces the event-time watermark to at least `watermark` (test driver; Infinity: end of input). */
  forceWatermark(watermark: number): void {
    this.#watermarks.force(watermark)
    this.#closeUpTo(this.#watermarks.watermark)
  }

  #closeUpTo(watermark: number): void {
    if (watermark === -Infinity) return
    this.#closedUpTo = watermark
    const stamp = encodeWatermark(watermark)
    if (!stamp.equals(this.#watermarkStamp[1])) {
      this.#watermarkStamp = [WATERMARK_HEADER, stamp]
      this.#stamps = [this.#watermarkStamp, this.#writerStamp]
    }
    for (const op of this.#eventTimeOperators) op.advanceWatermark(watermark)
  }

  /** Tells load shedding how far behind a source partition of this task is (records). */
  setLag(topic: string, lag: number): void {
    this.#sources.get(topic)?.shedding?.update(lag)
  }

  /** The lowest sampling rate of the task's sources now (1: nothing shed). */
  get samplingRate(): number {
    let rate = 1
    for (const source of this.#sources.values()) if (source.shedding !== undefined && source.shedding.rate < rate) rate = source.shedding.rate
    return rate
  }

  /** Whether any source of this task sheds load when it falls behind. */
  get hasShedding(): boolean {
    for (const source of this.#sources.values()) if (source.shedding !== undefined) return true
    return false
  }

  /** Writes every store's changes since the last flush to its changelog (through the collector). */
  async flush(): Promise<void> {
    for (const state of this.loggedStates) await state.flush()
  }

  /** Rebuilds one store from its changelog records (call before processing; then finishRestore). */
  restoreStore(store: string, records: Iterable<ChangelogRecord>): void {
    const state = this.loggedStates.find((s) => s.spec.name === store)
    if (state === undefined) throw new SluiceError('INVALID_ARGUMENT', `task ${this.id} has no store '${store}'`)
    if (state instanceof KeyValueState) state.clear()
    for (const record of records) state.restore(record)
    state.finishRestore()
  }

  /** Reads a store by key: a row or result for key-value stores, the open windows for windowed ones. */
  query(store: string, key: unknown): unknown {
    const windowed = this.#windowed.get(store)
    if (windowed !== undefined) return windowed.windowsOf(key)
    const view = this.#views.get(store)
    if (view === undefined) throw new SluiceError('INVALID_ARGUMENT', `task ${this.id} has no queryable store '${store}'`)
    return view.get(key)
  }

  /** Whether this task holds `store`. */
  hasStore(store: string): boolean {
    return this.#windowed.has(store) || this.#views.has(store) || this.loggedStates.some((s) => s.spec.name === store)
  }

  /** Closes the task's key-value stores (their bytes stay with the provider). */
  async close(): Promise<void> {
    for (const state of this.#keyValues) await state.store.close()
  }
}

function encodeWatermark(watermark: number): Buffer {
  const bytes = Buffer.allocUnsafe(8)
  bytes.writeDoubleBE(watermark)
  return bytes
}

function readStamp(headers: Array<[string, Buffer | null]>): { writer: string; watermark: number } | undefined {
  let writer: string | undefined
  let watermark: number | undefined
  for (const [name, value] of headers) {
    if (value === null) continue
    if (name === WATERMARK_HEADER && value.length === 8) watermark = value.readDoubleBE(0)
    else if (name === WRITER_HEADER) writer = value.toString()
  }
  return writer === undefined || watermark === undefined ? undefined : { writer, watermark }
}

/**
 * For each repartition topic of `topology`: the ids of the tasks that write it (every task of the
 * sub-topology holding its sink), given how many tasks each sub-topology runs.
 * @example upstreamWriters(topology, (sub) => 4).get('app-key-by-1-repartition') // ['0_0', '0_1', '0_2', '0_3']
 */
export function upstreamWriters(topology: Topology, tasksOf: (subTopology: number) => number): Map<string, string[]> {
  const writers = new Map<string, string[]>()
  for (const sub of topology.subTopologies) {
    for (const id of sub.nodes) {
      const node = topology.nodes.find((n) => n.id === id)
      if (node?.kind !== 'sink' || !node.isInternal) continue
      writers.set(node.topic, Array.from({ length: tasksOf(sub.id) }, (_, p) => `${sub.id}_${p}`))
    }
  }
  return writers
}
