// TopologyTestDriver: runs a streams app's topology with no broker, no timers and no threads, as
// Kafka Streams' driver of the same name does, so an application's windowed logic can be
// unit-tested. Every topic has one partition; each sub-topology runs as one StreamTask. Piped
// records go through the tasks synchronously; records written to a topic the app itself reads
// (repartition topics, or a sink feeding another sub-topology) are delivered at once, in order.
// Wall-clock time is manual (advanceWallClock), and the event-time watermark follows the records
// or is pushed by hand (advanceWatermark(Infinity) closes every window: the end of the input).
import { SluiceError } from '../../base/errors.ts'
import type { App } from '../dsl/index.ts'
import { InMemoryStoreProvider } from '../state/index.ts'
import type { Serde } from '../serdes/index.ts'
import type { Topology } from '../topology/index.ts'
import { resolveErrorHandler, type ErrorHandler } from '../runtime/error-handler.ts'
import type { OutputRecord } from '../runtime/processor.ts'
import { StreamTask, upstreamWriters } from '../runtime/stream-task.ts'

/** A record read from an output topic, decoded with the sink's serdes (or the ones given). */
export interface TestRecord<K, V> {
  key: K
  value: V
  timestamp: number
  headers: Record<string, string>
}

/** Options of the driver. */
export interface TestDriverOptions {
  /** Initial wall-clock time in ms (default 0). */
  startTimeMs?: number
  /** Error handling, as the app option (default: the app's, else 'fail'). */
  onError?: ErrorHandler
  /** Idle timeout of input partitions in wall-clock ms (default 10 s; see watermarks.ts). */
  idleTimeoutMs?: number
}

/** Options of one piped record. */
export interface PipeOptions<K> {
  key?: K
  /** Record timestamp (default: the driver's wall clock). */
  timestamp?: number
  headers?: Record<string, string>
}

/** Writes records to one input topic with the source's serdes. */
export class TestInputTopic<K, V> {
  readonly #driver: TopologyTestDriver
  readonly #topic: string
  readonly #keySerde: Serde<unknown>
  readonly #valueSerde: Serde<unknown>

  constructor(driver: TopologyTestDriver, topic: string, keySerde: Serde<unknown>, valueSerde: Serde<unknown>) {
    this.#driver = driver
    this.#topic = topic
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
  }

  /**
   * Pipes one record (value null: a tombstone, for tables).
   * @example input.pipe({ card: 'c1', amount: 5 }, { key: 'c1', timestamp: 1_000 })
   */
  pipe(value: V | null, options: PipeOptions<K> = {}): void {
    const key = options.key === undefined || options.key === null ? null : this.#keySerde.serialize(options.key)
    const bytes = value === null ? null : this.#valueSerde.serialize(value)
    const headers = Object.entries(options.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)] as [string, Buffer])
    this.#driver.deliver({ topic: this.#topic, partition: 0, key, value: bytes, timestamp: options.timestamp ?? this.#driver.wallClockMs, headers })
  }

  /** Pipes several values, each with its options. */
  pipeAll(records: Iterable<{ value: V | null } & PipeOptions<K>>): void {
    for (const r of records) this.pipe(r.value, r)
  }
}

/** Reads what the app wrote to one topic, in order; reading consumes. */
export class TestOutputTopic<K, V> {
  readonly #records: OutputRecord[]
  readonly #keySerde: Serde<unknown>
  readonly #valueSerde: Serde<unknown>

  constructor(records: OutputRecord[], keySerde: Serde<unknown>, valueSerde: Serde<unknown>) {
    this.#records = records
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
  }

  /** Records not read yet. */
  get size(): number {
    return this.#records.length
  }

  /** Reads and removes every record written so far. */
  readRecords(): Array<TestRecord<K, V>> {
    return this.#records.splice(0).map((r) => ({
      key: (r.key === null ? null : this.#keySerde.deserialize(r.key)) as K,
      value: (r.value === null ? null : this.#valueSerde.deserialize(r.value)) as V,
      timestamp: r.timestamp,
      headers: Object.fromEntries((r.headers ?? []).map(([k, v]) => [k, v.toString()])),
    }))
  }

  /** Reads and removes the values written so far. */
  readValues(): V[] {
    return this.readRecords().map((r) => r.value)
  }

  /** Reads and removes the (key, value) pairs written so far. */
  readKeyValues(): Array<{ key: K; value: V }> {
    return this.readRecords().map((r) => ({ key: r.key, value: r.value }))
  }
}

/**
 * Runs an app's topology in memory.
 * @example
 * const driver = new TopologyTestDriver(app)
 * const payments = driver.input<string, Payment>('payments')
 * payments.pipe({ card: 'c1', amount: 5, ts: 1_000 }, { key: 'c1' })
 * driver.advanceWatermark(Infinity)
 * driver.output<Windowed<string>, number>('alerts').readKeyValues()
 */
export class TopologyTestDriver {
  readonly topology: Topology
  readonly #tasks: StreamTask[] = []
  readonly #readers = new Map<string, StreamTask>()
  readonly #outputs = new Map<string, OutputRecord[]>()
  readonly #pending: Array<{ task: StreamTask; record: Parameters<StreamTask['process']>[0] }> = []
  readonly #stores = new InMemoryStoreProvider()
  #wallClockMs: number
  #offsets = new Map<string, number>()
  #isDelivering = false

  constructor(app: App | Topology, options: TestDriverOptions = {}) {
    this.topology = 'build' in app ? app.build() : app
    this.#wallClockMs = options.startTimeMs ?? 0
    const onError = resolveErrorHandler(options.onError ?? ('build' in app ? (app.options as { onError?: ErrorHandler }).onError : undefined))
    const collector = { send: (record: OutputRecord) => this.#collect(record) }
    for (const subTopology of this.topology.subTopologies) {
      const task = new StreamTask({
        topology: this.topology, subTopology, partition: 0, collector, storeProvider: this.#stores, onError,
        idleTimeoutMs: options.idleTimeoutMs ?? 10_000, partitionsOf: () => 1, upstreamWriters: upstreamWriters(this.topology, () => 1),
      })
      this.#tasks.push(task)
      for (const topic of task.sourceTopics) this.#readers.set(topic, task)
    }
  }

  /** The current wall-clock time in ms. */
  get wallClockMs(): number {
    return this.#wallClockMs
  }

  /** A writer for input topic `topic`, with the serdes of the app's source reading it. */
  input<K, V>(topic: string): TestInputTopic<K, V> {
    const source = this.topology.nodes.find((n) => n.kind === 'source' && n.topic === topic)
    if (source === undefined || source.kind !== 'source') throw new SluiceError('INVALID_ARGUMENT', `the app reads no topic '${topic}'; it reads ${this.#sourceTopics().join(', ')}`)
    return new TestInputTopic<K, V>(this, topic, source.keySerde, source.valueSerde)
  }

  /** A reader of output topic `topic`, with the serdes of the app's sink writing it unless given. */
  output<K, V>(topic: string, serdes: { keySerde?: Serde<K>; valueSerde?: Serde<V> } = {}): TestOutputTopic<K, V> {
    const sink = this.topology.nodes.find((n) => n.kind === 'sink' && n.topic === topic)
    if (sink === undefined && serdes.valueSerde === undefined) {
      throw new SluiceError('INVALID_ARGUMENT', `the app writes no topic '${topic}' (pass serdes to read a dead-letter topic)`)
    }
    const keySerde = (serdes.keySerde ?? (sink?.kind === 'sink' ? sink.keySerde : undefined)) as Serde<unknown>
    const valueSerde = (serdes.valueSerde ?? (sink?.kind === 'sink' ? sink.valueSerde : undefined)) as Serde<unknown>
    return new TestOutputTopic<K, V>(this.#outputList(topic), keySerde ?? valueSerde, valueSerde)
  }

  /** Reads a store by key: a table row or aggregate result, or a windowed store's open windows. */
  store(name: string): { get(key: unknown): unknown } {
    const task = this.#tasks.find((t) => t.hasStore(name))
    if (task === undefined) throw new SluiceError('INVALID_ARGUMENT', `the app has no store '${name}'`)
    return { get: (key) => task.query(name, key) }
  }

  /** Moves wall-clock time forward by `ms` (processing-time windows, idle timeouts). */
  advanceWallClock(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new SluiceError('INVALID_ARGUMENT', `advanceWallClock(ms) needs a non-negative number, got ${String(ms)}`)
    this.#wallClockMs += ms
    for (const task of this.#tasks) task.advance(this.#wallClockMs)
    this.#drain()
  }

  /** Pushes every task's event-time watermark to at least `watermark`; Infinity closes every window. */
  advanceWatermark(watermark: number): void {
    for (const task of this.#tasks) {
      task.forceWatermark(watermark)
      this.#drain()
    }
  }

  /** Counters of every task, summed. */
  metrics(): StreamTask['metrics'] {
    const sum = { processedRecords: 0, skippedRecords: 0, deadLetteredRecords: 0, droppedRecords: 0, lateRecords: 0, duplicateRecords: 0, shedRecords: 0 }
    for (const task of this.#tasks) for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += task.metrics[k]
    return sum
  }

  /** @internal Delivers a record to the task reading its topic, then everything it caused. */
  deliver(record: Omit<Parameters<StreamTask['process']>[0], 'offset'>): void {
    const task = this.#readers.get(record.topic)
    if (task === undefined) throw new SluiceError('INVALID_ARGUMENT', `the app reads no topic '${record.topic}'`)
    this.#pending.push({ task, record: { ...record, offset: this.#nextOffset(record.topic) } })
    this.#drain()
  }

  #drain(): void {
    if (this.#isDelivering) return
    this.#isDelivering = true
    try {
      for (let item = this.#pending.shift(); item !== undefined; item = this.#pending.shift()) {
        item.task.process(item.record, this.#wallClockMs)
        item.task.advance(this.#wallClockMs)
      }
    } finally {
      this.#isDelivering = false
    }
  }

  #collect(record: OutputRecord): void {
    this.#outputList(record.topic).push(record)
    const reader = this.#readers.get(record.topic)
    if (reader !== undefined) {
      const headers = record.headers ?? []
      this.#pending.push({ task: reader, record: { topic: record.topic, partition: 0, offset: this.#nextOffset(record.topic), timestamp: record.timestamp, key: record.key, value: record.value, headers } })
    }
  }

  #outputList(topic: string): OutputRecord[] {
    let list = this.#outputs.get(topic)
    if (list === undefined) this.#outputs.set(topic, list = [])
    return list
  }

  #nextOffset(topic: string): number {
    const offset = this.#offsets.get(topic) ?? 0
    this.#offsets.set(topic, offset + 1)
    return offset
  }

  #sourceTopics(): string[] {
    return [...this.#readers.keys()].filter((t) => !this.topology.internalTopics.some((i) => i.name === t))
  }
}
