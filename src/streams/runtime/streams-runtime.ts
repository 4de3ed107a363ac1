// StreamsRuntime: runs one app instance's tasks over a Sluice (embedded or connected). One consumer
// in the app's group reads every source topic (the range assignor keeps partition p of co-partitioned
// topics on one member, so a task sees all its inputs); each assigned partition p of a topic of
// sub-topology s belongs to task s_p, created on assignment, its stores restored from their
// changelogs before it processes anything. A loop polls, pushes each batch through the tasks
// (synchronously), hands outputs to the producer, and commits every commitIntervalMs:
// - at-most-once: offsets are committed when a batch is fetched, before it is processed;
// - at-least-once: state changes are written to changelogs, every send is acknowledged, then the
//   offsets are committed (a crash replays from the last commit: duplicates, no loss);
// - exactly-once: outputs, changelog records and offsets are one transaction (embedded transport),
//   fenced by the group generation; a crash loses the open transaction and replays it.
// Rebalance callbacks and the loop take turns through one lock, so a revocation commits a
// consistent cut. A processing error under the 'fail' handler stops the instance (`failure`).
import type { Clock } from '../../base/clock.ts'
import { systemClock } from '../../base/clock.ts'
import { SluiceError, isSluiceError } from '../../base/errors.ts'
import type { Consumer } from '../../client/consumer.ts'
import type { Producer } from '../../client/producer.ts'
import type { Sluice } from '../../client/sluice.ts'
import type { TransactionalProducer } from '../../client/transactional-producer.ts'
import type { ConsumerRecord, TopicPartition } from '../../client/types.ts'
import type { BytesStoreProvider, ChangelogRecord } from '../state/index.ts'
import type { Topology } from '../topology/index.ts'
import type { ErrorAction, ErrorContext } from './error-handler.ts'
import { prepareTopics } from './internal-topics.ts'
import { OutputBuffer } from './output-buffer.ts'
import { StreamTask, upstreamWriters, type TaskMetrics } from './stream-task.ts'

/** The delivery guarantee of an app. */
export type Guarantee = 'at-most-once' | 'at-least-once' | 'exactly-once'

/** What the runtime needs. */
export interface StreamsRuntimeOptions {
  sluice: Sluice
  topology: Topology
  guarantee: Guarantee
  commitIntervalMs: number
  idleTimeoutMs: number
  onError: (error: unknown, context: ErrorContext) => ErrorAction
  storeProvider: BytesStoreProvider
  /** Unique per process: names the consumer's client id, the transactional id, watermark stamps. */
  instanceId: string
  /** The group's session timeout; heartbeats go every third of it, at most every 3 s. */
  sessionTimeoutMs?: number
  clock?: Clock
  log?: (message: string) => void
}

/** Lifecycle states, as Kafka Streams' KafkaStreams.State. */
export type RuntimeState = 'created' | 'starting' | 'running' | 'rebalancing' | 'error' | 'closed'

const POLL_TIMEOUT_MS = 100
/** How often load shedding learns the lag of the partitions it watches. */
const LAG_CHECK_INTERVAL_MS = 250

/** One instance of a streams app. */
export class StreamsRuntime {
  state: RuntimeState = 'created'
  /** The error that stopped the instance, when state is 'error'. */
  failure: unknown = undefined
  readonly #o: StreamsRuntimeOptions
  readonly #clock: Clock
  readonly #tasks = new Map<string, StreamTask>()
  readonly #subTopologyOf = new Map<string, number>()
  readonly #processed = new Map<string, { topic: string; partition: number; offset: number }>()
  readonly #output = new OutputBuffer()
  readonly #closedTaskMetrics: TaskMetrics = { processedRecords: 0, skippedRecords: 0, deadLetteredRecords: 0, droppedRecords: 0, lateRecords: 0, duplicateRecords: 0, shedRecords: 0 }
  #partitions = new Map<string, number>()
  #upstreamWriters = new Map<string, string[]>()
  #consumer: Consumer | undefined
  #producer: Producer | TransactionalProducer | undefined
  #lock: Promise<void> = Promise.resolve()
  #loop: Promise<void> | undefined
  #stopping = false
  #lastCommitMs = 0
  #lastLagCheckMs = 0
  #isDirty = false
  #commits = 0
  readonly #stopped: { promise: Promise<void>; resolve: () => void }

  constructor(options: StreamsRuntimeOptions) {
    this.#o = options
    this.#clock = options.clock ?? systemClock
    let resolve!: () => void
    this.#stopped = { promise: new Promise<void>((r) => { resolve = r }), resolve }
    for (const sub of options.topology.subTopologies) for (const topic of sub.sourceTopics) this.#subTopologyOf.set(topic, sub.id)
  }

  /** Resolves when the instance stops (closed, or failed: then `failure` says why). */
  get stopped(): Promise<void> {
    return this.#stopped.promise
  }

  /** Commits so far. */
  get commits(): number {
    return this.#commits
  }

  /** Tasks running now. */
  get tasks(): ReadonlyMap<string, StreamTask> {
    return this.#tasks
  }

  /** Prepares topics, joins the group and starts the processing loop. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new SluiceError('INVALID_ARGUMENT', `cannot start a streams app that is ${this.state}`)
    this.state = 'starting'
    const { sluice, topology, guarantee } = this.#o
    if (guarantee === 'exactly-once' && sluice.isConnected) {
      this.state = 'error'
      throw new SluiceError('UNSUPPORTED_VERSION', "exactly-once needs transactions, which Sluice's Kafka-protocol transport does not support yet; use Sluice.open (embedded) or guarantee 'at-least-once'")
    }
    const resolved = await prepareTopics(sluice, topology)
    this.#partitions = resolved.partitions
    this.#upstreamWriters = upstreamWriters(topology, (sub) => resolved.tasksPerSubTopology.get(sub) ?? 1)
    if (guarantee === 'exactly-once') {
      const producer = sluice.producer({ transactionalId: `${topology.application}-${this.#o.instanceId}` })
      await producer.initTransactions()
      producer.beginTransaction()
      this.#producer = producer
    } else {
      this.#producer = sluice.producer({ idempotent: true, acks: 'all', lingerMs: 0 })
    }
    const consumer = sluice.consumer({
      group: topology.application,
      autoCommit: false,
      autoOffsetReset: 'earliest',
      assignors: ['range'],
      sessionTimeoutMs: this.#o.sessionTimeoutMs ?? 45_000,
      heartbeatIntervalMs: Math.min(3000, Math.floor((this.#o.sessionTimeoutMs ?? 45_000) / 3)),
      onAssigned: (partitions) => this.#locked(() => this.#assign(partitions)),
      onRevoked: (partitions) => this.#locked(() => this.#revoke(partitions)),
    })
    this.#consumer = consumer
    consumer.subscribe([...this.#subTopologyOf.keys()])
    this.#lastCommitMs = this.#clock.monotonic()
    this.state = 'running'
    this.#loop = this.#run().catch((error: unknown) => this.#fail(error))
  }

  /** Reads `store` by key across this instance's tasks (undefined when no task here has the key). */
  query(store: string, key: unknown): unknown {
    let found = false
    for (const task of this.#tasks.values()) {
      if (!task.hasStore(store)) continue
      found = true
      const value = task.query(store, key)
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) return value
    }
    if (!found && !this.#o.topology.stores.some((s) => s.name === store)) {
      throw new SluiceError('INVALID_ARGUMENT', `the app has no store '${store}' (it has ${this.#o.topology.stores.map((s) => s.name).join(', ') || 'none'})`)
    }
    return undefined
  }

  /** Counters summed over this instance's tasks (closed ones included). */
  metrics(): TaskMetrics & { tasks: number; commits: number; sentRecords: number; samplingRate: number } {
    const sum = { ...this.#closedTaskMetrics }
    let samplingRate = 1
    for (const task of this.#tasks.values()) {
      for (const k of Object.keys(sum) as Array<keyof TaskMetrics>) sum[k] += task.metrics[k]
      samplingRate = Math.min(samplingRate, task.samplingRate)
    }
    return { ...sum, tasks: this.#tasks.size, commits: this.#commits, sentRecords: this.#output.sentRecords, samplingRate }
  }

  /** Commits what was processed, leaves the group and stops. */
  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.#stopping = true
    await this.#loop
    if (this.state !== 'error') {
      await this.#locked(async () => {
        await this.#commit()
        await this.#closeTasks([...this.#tasks.keys()])
      }).catch((error: unknown) => this.#fail(error))
    }
    await this.#consumer?.close().catch(() => undefined)
    await this.#producer?.close().catch(() => undefined)
    if (this.state !== 'error') this.state = 'closed'
    this.#stopped.resolve()
  }

  // ---- the loop -----------------------------------------------------------------------------

  async #run(): Promise<void> {
    const consumer = this.#consumer!
    while (!this.#stopping) {
      const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS })
      if (this.#stopping && records.length === 0) break
      await this.#locked(async () => {
        if (records.length > 0) {
          if (this.#o.guarantee === 'at-most-once') await this.#commitFetched(records)
          try {
            await this.#process(records)
          } catch (error) {
            // What the records before the failing one produced still goes out (their offsets are
            // not committed: at-least-once reads them again); exactly-once aborts it all instead.
            if (this.#o.guarantee !== 'exactly-once') {
              this.#output.drain(this.#producer!)
              await this.#output.settle().catch(() => undefined)
            }
            throw error
          }
        }
        const now = this.#clock.now()
        for (const task of this.#tasks.values()) task.advance(now)
        if (this.#clock.monotonic() - this.#lastLagCheckMs >= LAG_CHECK_INTERVAL_MS) await this.#updateLag()
        this.#output.drain(this.#producer!)
        if (this.#isDirty && this.#clock.monotonic() - this.#lastCommitMs >= this.#o.commitIntervalMs) await this.#commit()
      })
    }
  }

  async #process(records: readonly ConsumerRecord[]): Promise<void> {
    const now = this.#clock.now()
    for (const record of records) {
      const task = this.#tasks.get(this.#taskId(record.topic, record.partition)) ?? await this.#ensureTask(record.topic, record.partition)
      // A revoked partition's records still buffered in the consumer are not ours any more.
      if (task === undefined) continue
      task.process(record, now)
      this.#processed.set(`${record.topic}\0${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 })
    }
    this.#isDirty = true
  }

  /** Tells tasks that shed load how far behind their source partitions are. */
  async #updateLag(): Promise<void> {
    this.#lastLagCheckMs = this.#clock.monotonic()
    const topics = new Set<string>()
    for (const node of this.#o.topology.nodes) if (node.kind === 'source' && node.shedding !== undefined) topics.add(node.topic)
    if (topics.size === 0) return
    for (const topic of topics) {
      const ends = await this.#o.sluice.admin.listOffsets(topic)
      for (const end of ends) {
        const task = this.#tasks.get(this.#taskId(topic, end.partition))
        const position = this.#consumer!.position(topic, end.partition)
        if (task !== undefined && position !== undefined) task.setLag(topic, Math.max(0, end.highWatermark - position))
      }
    }
  }

  async #commitFetched(records: readonly ConsumerRecord[]): Promise<void> {
    const next = new Map<string, { topic: string; partition: number; offset: number }>()
    for (const r of records) next.set(`${r.topic}\0${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 })
    await this.#consumer!.commit([...next.values()])
  }

  /** Flushes state to changelogs, waits for outputs, commits offsets (in one transaction under exactly-once). */
  async #commit(): Promise<void> {
    if (!this.#isDirty && this.#processed.size === 0) return
    for (const task of this.#tasks.values()) await task.flush()
    const producer = this.#producer!
    this.#output.drain(producer)
    const offsets = [...this.#processed.values()]
    if (this.#o.guarantee === 'exactly-once') {
      const txn = producer as TransactionalProducer
      await this.#output.settle()
      if (offsets.length > 0) await txn.sendOffsets({ consumer: this.#consumer!, offsets })
      await txn.commitTransaction()
      txn.beginTransaction()
    } else {
      await this.#output.settle()
      if (this.#o.guarantee === 'at-least-once' && offsets.length > 0) await this.#consumer!.commit(offsets)
    }
    this.#processed.clear()
    this.#isDirty = false
    this.#lastCommitMs = this.#clock.monotonic()
    this.#commits++
  }

  // ---- tasks and rebalances -----------------------------------------------------------------

  #taskId(topic: string, partition: number): string {
    return `${this.#subTopologyOf.get(topic)}_${partition}`
  }

  async #assign(partitions: readonly TopicPartition[]): Promise<void> {
    for (const p of partitions) await this.#ensureTask(p.topic, p.partition)
  }

  async #revoke(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.state === 'error') return
    await this.#commit()
    const ids = new Set(partitions.map((p) => this.#taskId(p.topic, p.partition)))
    await this.#closeTasks([...ids])
  }

  async #closeTasks(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const task = this.#tasks.get(id)
      if (task === undefined) continue
      this.#tasks.delete(id)
      for (const k of Object.keys(this.#closedTaskMetrics) as Array<keyof TaskMetrics>) this.#closedTaskMetrics[k] += task.metrics[k]
      await task.close()
      for (const topic of task.subTopology.sourceTopics) this.#processed.delete(`${topic}\0${task.partition}`)
      // Local bytes go too: another instance may own the task next, and a restore starts clean.
      for (const state of task.loggedStates) this.#o.storeProvider.drop(`${state.spec.name}-${task.id}`)
    }
  }

  async #ensureTask(topic: string, partition: number): Promise<StreamTask | undefined> {
    const subId = this.#subTopologyOf.get(topic)
    if (subId === undefined) return undefined
    const id = `${subId}_${partition}`
    const existing = this.#tasks.get(id)
    if (existing !== undefined) return existing
    const subTopology = this.#o.topology.subTopologies.find((s) => s.id === subId)!
    const task = new StreamTask({
      topology: this.#o.topology, subTopology, partition, collector: this.#output, storeProvider: this.#o.storeProvider,
      onError: this.#o.onError, idleTimeoutMs: this.#o.idleTimeoutMs, log: this.#o.log,
      partitionsOf: (topic) => this.#partitions.get(topic) ?? 1, upstreamWriters: this.#upstreamWriters,
    })
    for (const state of task.loggedStates) {
      const records = await this.#readChangelog(state.spec.changelogTopic, partition, state.isLogged)
      task.restoreStore(state.spec.name, records)
    }
    this.#tasks.set(id, task)
    return task
  }

  /**
   * A changelog partition from its start to its end (an internal changelog), or a source topic used
   * as a table's changelog up to the group's committed offset (processing resumes from there).
   */
  async #readChangelog(topic: string, partition: number, isInternal: boolean): Promise<ChangelogRecord[]> {
    const { sluice, topology } = this.#o
    const ranges = await sluice.admin.listOffsets(topic)
    let end = ranges.find((r) => r.partition === partition)?.highWatermark ?? 0
    if (!isInternal) {
      const group = await sluice.admin.describeGroup(topology.application).catch(() => undefined)
      end = Math.min(end, Math.max(0, group?.offsets.find((o) => o.topic === topic && o.partition === partition)?.committedOffset ?? 0))
    }
    const start = ranges.find((r) => r.partition === partition)?.logStartOffset ?? 0
    if (end <= start) return []
    const reader = sluice.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 })
    const out: ChangelogRecord[] = []
    try {
      reader.assign([{ topic, partition, offset: 'beginning' }])
      for (;;) {
        for (const r of await reader.poll({ timeoutMs: 200 })) {
          if (r.offset < end && r.key !== null) out.push({ key: r.key, value: r.value })
        }
        if ((reader.position(topic, partition) ?? 0) >= end) break
      }
    } finally {
      await reader.close()
    }
    return out
  }

  // ---- plumbing -----------------------------------------------------------------------------

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn)
    this.#lock = run.then(() => undefined, () => undefined)
    return run
  }

  #fail(error: unknown): void {
    if (this.state === 'error' || this.state === 'closed') return
    this.failure = error
    this.state = 'error'
    this.#stopping = true
    this.#o.log?.(`streams app ${this.#o.topology.application} stopped: ${error instanceof Error ? error.message : String(error)}`)
    if (this.#o.guarantee === 'exactly-once') (this.#producer as TransactionalProducer | undefined)?.abortTransaction().catch(() => undefined)
    void (async () => {
      await this.#consumer?.close().catch(() => undefined)
      await this.#producer?.close().catch(() => undefined)
      this.#stopped.resolve()
    })()
  }
}

/** True when `error` means this instance was fenced (another instance took over its partitions). */
export function isFencedError(error: unknown): boolean {
  return isSluiceError(error, 'PRODUCER_FENCED') || isSluiceError(error, 'ILLEGAL_GENERATION') || isSluiceError(error, 'UNKNOWN_MEMBER_ID')
}
