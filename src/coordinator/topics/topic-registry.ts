// The topics of a data dir and their open partition logs: create, delete, describe, list, alter
// config, add partitions. State lives in memory and is persisted whole to `__cluster/topics.json`
// (topics-file.ts) before a change takes effect, so a restart sees the same topics, ids and
// configs; name and config rules are in topic-name.ts and topic-config.ts.
//
// Concurrency: changes run one at a time (a promise chain), each awaiting its metadata write and
// log opens/closes; lookups (`partition`, `partitionCount`) are synchronous reads of the current
// state, so produce and fetch never wait behind an admin operation. A partition whose log failed
// to open stays listed but offline: using it gets KAFKA_STORAGE_ERROR, the rest keep working.
//
// Crash safety: create writes metadata, then opens logs (a crash in between: the next open creates
// the missing logs). Delete closes the logs, writes metadata moving the topic to `deleting`, renames
// each partition dir to `<topic>-<p>.<id>-delete`, removes them, then clears `deleting`; open
// finishes whatever a crash interrupted.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Clock } from '../../base/clock.ts'
import { SluiceError } from '../../base/errors.ts'
import type { Fs } from '../../storage/fs.ts'
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../storage/log-config.ts'
import { PartitionLog } from '../../storage/partition-log.ts'
import type { RecoveryReport } from '../../storage/recovery.ts'
import { ensureDurableDir } from '../durable-dir.ts'
import {
  describeTopicConfig, normalizeTopicConfigValue, resolveTopicConfig, toLogConfig, validateTopicConfig, isTopicConfigKey,
  type TopicConfig, type TopicConfigEntry, type TopicConfigInput, type TopicConfigOptions, type TopicConfigOverrides,
} from './topic-config.ts'
import { findCollision, hasCollisionChars, validateTopicName } from './topic-name.ts'
import {
  partitionDirName, readTopicsFile, removeDeletedPartitionDirs, writeTopicsFile, type DeletingRecord, type TopicRecord, type TopicsFile,
} from './topics-file.ts'
import { runBounded, type PartitionSlot } from './partition-slot.ts'

/** Largest partition count one create or add-partitions accepts: a typo must not make a million directories. */
export const PARTITIONS_MAX = 100_000
/** Logs opened at once when loading a data dir. */
export const OPEN_CONCURRENCY_DEFAULT = 8

/** What the registry reports while it works. */
export type TopicEvent =
  | { type: 'partition-opened'; topic: string; partition: number; recovery: RecoveryReport }
  | { type: 'partition-offline'; topic: string; partition: number; error: unknown }
  | { type: 'topic-created'; topic: string; topicId: string; partitions: number }
  | { type: 'topic-deleted'; topic: string; topicId: string }

/** Options of TopicRegistry.open. */
export interface TopicRegistryOptions {
  fs: Fs
  dataDir: string
  clock: Clock
  /** Broker-level topic config defaults (Kafka's log.* server settings), under topic keys. */
  brokerDefaults?: Record<string, TopicConfigInput>
  /** Log settings topics do not configure (checkpoint, retention-check and cleaner intervals). */
  logDefaults?: Partial<LogConfig>
  /** Partitions of a topic created with partitions -1 (Kafka's num.partitions, default 1). */
  defaultPartitions?: number
  configOptions?: TopicConfigOptions
  openConcurrency?: number
  onEvent?: (event: TopicEvent) => void
  onWarning?: (message: string) => void
}

/** Options of TopicRegistry.create. */
export interface CreateTopicOptions {
  /** Partition count, or -1 for the default (default -1). */
  partitions?: number
  /** Must be 1 or -1 (default): this single-node store keeps one replica. */
  replicationFactor?: number
  config?: Record<string, TopicConfigInput>
  /** Check everything, create nothing (Kafka's CreateTopics validateOnly). */
  validateOnly?: boolean
  /** Coordinator-owned topic (`__consumer_offsets`): cannot be deleted or repartitioned. */
  isInternal?: boolean
}

/** One partition of a described topic. */
export interface PartitionDescription {
  partition: number
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  sizeBytes: number
  /** Why the partition is offline, when it is. */
  offline?: string
}

/** A described topic. */
export interface TopicDescription {
  name: string
  topicId: string
  isInternal: boolean
  partitions: PartitionDescription[]
  config: TopicConfigEntry[]
}

/** A topic in a listing. */
export interface TopicListing {
  name: string
  topicId: string
  partitions: number
  isInternal: boolean
}

/** An incremental config change: keys to set and keys to return to their default. */
export interface ConfigChange {
  set?: Record<string, TopicConfigInput>
  delete?: readonly string[]
}

interface TopicEntry {
  record: TopicRecord
  config: TopicConfig
  slots: PartitionSlot[]
}

const TOPICS_FILE = 'topics.json'

/** Topics, their configs and their partition logs, persisted in the data dir. */
export class TopicRegistry {
  readonly #fs: Fs
  readonly #dataDir: string
  readonly #path: string
  readonly #clock: Clock
  readonly #brokerDefaults: TopicConfigOverrides
  readonly #logBase: LogConfig
  readonly #defaultPartitions: number
  readonly #configOptions: TopicConfigOptions
  readonly #openConcurrency: number
  readonly #onEvent: (event: TopicEvent) => void
  readonly #onWarning: (message: string) => void
  readonly #topics = new Map<string, TopicEntry>()
  #deleting: DeletingRecord[] = []
  #tail: Promise<unknown> = Promise.resolve()
  #isClosed = false

  private constructor(options: TopicRegistryOptions, clusterDir: string) {
    this.#fs = options.fs
    this.#dataDir = options.dataDir
    this.#path = join(clusterDir, TOPICS_FILE)
    this.#clock = options.clock
    this.#configOptions = options.configOptions ?? {}
    this.#brokerDefaults = validateTopicConfig(options.brokerDefaults, this.#configOptions)
    this.#logBase = { ...DEFAULT_LOG_CONFIG, ...options.logDefaults }
    this.#defaultPartitions = options.defaultPartitions ?? 1
    this.#openConcurrency = options.openConcurrency ?? OPEN_CONCURRENCY_DEFAULT
    this.#onEvent = options.onEvent ?? (() => {})
    this.#onWarning = options.onWarning ?? (() => {})
  }

  /** Loads `<dataDir>/__cluster/topics.json`, finishes interrupted deletions and opens every partition log. */
  static async open(options: TopicRegistryOptions): Promise<TopicRegistry> {
    const clusterDir = join(options.dataDir, '__cluster')
    await ensureDurableDir(options.fs, clusterDir)
    const registry = new TopicRegistry(options, clusterDir)
    const file = await readTopicsFile(options.fs, registry.#path)
    const jobs: Array<{ entry: TopicEntry; partition: number }> = []
    for (const record of file.topics) {
      const entry: TopicEntry = { record, config: resolveTopicConfig(record.config, registry.#brokerDefaults), slots: [] }
      registry.#topics.set(record.name, entry)
      for (let p = 0; p < record.partitions; p++) jobs.push({ entry, partition: p })
    }
    // With the live topics known, so that a recreated topic's directories are never touched.
    registry.#deleting = file.deleting
    await registry.#finishDeletions()
    await registry.#openSlots(jobs)
    return registry
  }

  // ---- lookups (synchronous) ----

  /** True if the topic exists. */
  has(name: string): boolean {
    return this.#topics.has(name)
  }

  /** Partition count of a topic; UNKNOWN_TOPIC_OR_PARTITION if there is no such topic. */
  partitionCount(name: string): number {
    return this.#entry(name).record.partitions
  }

  /** The resolved config of a topic. */
  config(name: string): TopicConfig {
    return this.#entry(name).config
  }

  /** True for a coordinator-owned topic (`__consumer_offsets`): clients may not produce to, delete or repartition it. */
  isInternal(name: string): boolean {
    return this.#entry(name).record.isInternal
  }

  /** The topic's id (a UUID string). */
  topicId(name: string): string {
    return this.#entry(name).record.topicId
  }

  /** Broker-level config defaults (validated, under topic keys): what a topic without its own value gets. */
  get brokerDefaults(): Readonly<TopicConfigOverrides> {
    return this.#brokerDefaults
  }

  /** The open log of a partition; UNKNOWN_TOPIC_OR_PARTITION, or KAFKA_STORAGE_ERROR when offline. */
  partition(name: string, partition: number): PartitionLog {
    const entry = this.#topics.get(name)
    const slot = Number.isInteger(partition) ? entry?.slots[partition] : undefined
    if (entry === undefined || slot === undefined) {
      throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', entry === undefined ? `unknown topic '${name}'` : `topic '${name}' has no partition ${partition} (it has ${entry.record.partitions})`)
    }
    if (slot.log === null) {
      throw new SluiceError('KAFKA_STORAGE_ERROR', `partition ${name}-${partition} is offline: ${describeError(slot.error)}`, { cause: slot.error })
    }
    return slot.log
  }

  /** All topics, sorted by name; internal ones only when asked. */
  list(options: { includeInternal?: boolean } = {}): TopicListing[] {
    return [...this.#topics.values()]
      .filter((e) => options.includeInternal === true || !e.record.isInternal)
      .map(({ record }) => ({ name: record.name, topicId: record.topicId, partitions: record.partitions, isInternal: record.isInternal }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** Partitions with their offsets and sizes, and every config key with where its value comes from. */
  describe(name: string): TopicDescription {
    const { record, slots } = this.#entry(name)
    const partitions = slots.map((slot, partition): PartitionDescription => {
      if (slot.log === null) {
        return { partition, logStartOffset: -1, logEndOffset: -1, highWatermark: -1, sizeBytes: 0, offline: describeError(slot.error) }
      }
      const log = slot.log
      return { partition, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, highWatermark: log.highWatermark, sizeBytes: log.sizeBytes }
    })
    return { name, topicId: record.topicId, isInternal: record.isInternal, partitions, config: describeTopicConfig(record.config, this.#brokerDefaults) }
  }

  // ---- changes (serialized) ----

  /** Creates a topic; TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG. */
  create(name: string, options: CreateTopicOptions = {}): Promise<TopicListing> {
    return this.#change(async () => {
      validateTopicName(name)
      if (this.#topics.has(name)) throw new SluiceError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`)
      const collision = findCollision(name, this.#topics.keys())
      if (collision !== undefined) {
        throw new SluiceError('INVALID_TOPIC_EXCEPTION', `topic '${name}' collides with existing topic '${collision}': names that differ only in '.' versus '_' clash in metric names`)
      }
      const partitions = options.partitions === undefined || options.partitions === -1 ? this.#defaultPartitions : options.partitions
      checkPartitionCount(partitions)
      const replicationFactor = options.replicationFactor ?? -1
      if (replicationFactor !== 1 && replicationFactor !== -1) {
        throw new SluiceError('INVALID_REPLICATION_FACTOR', `replication factor ${replicationFactor} is larger than the 1 broker of this single-node store (use 1 or -1)`)
      }
      const overrides = validateTopicConfig(options.config, this.#configOptions)
      const listing: TopicListing = { name, topicId: randomUUID(), partitions, isInternal: options.isInternal === true }
      if (options.validateOnly === true) return listing
      if (!listing.isInternal && hasCollisionChars(name)) {
        this.#onWarning(`topic '${name}' contains '.' or '_': names that differ only in those clash in metric names, so use one or the other, not both`)
      }
      const record: TopicRecord = { ...listing, config: overrides, createdMs: this.#clock.now() }
      const entry: TopicEntry = { record, config: resolveTopicConfig(overrides, this.#brokerDefaults), slots: [] }
      await this.#persist(this.#fileWith({ add: record }))
      this.#topics.set(name, entry)
      await this.#openSlots(Array.from({ length: partitions }, (_, partition) => ({ entry, partition })))
      this.#onEvent({ type: 'topic-created', topic: name, topicId: record.topicId, partitions })
      return listing
    })
  }

  /** Deletes a topic and its data; UNKNOWN_TOPIC_OR_PARTITION, or INVALID_REQUEST for an internal topic. */
  delete(name: string): Promise<void> {
    return this.#change(async () => {
      const entry = this.#entry(name)
      if (entry.record.isInternal) throw new SluiceError('INVALID_REQUEST', `topic '${name}' is internal to Sluice and cannot be deleted`)
      const { topicId, partitions } = entry.record
      // Gone for lookups first, so no new produce or fetch reaches a log being closed.
      this.#topics.delete(name)
      const deleting: DeletingRecord = { name, topicId, partitions }
      try {
        await this.#persist({ ...this.#fileWith({}), deleting: [...this.#deleting, deleting] })
      } catch (error) {
        this.#topics.set(name, entry)
        throw error
      }
      this.#deleting.push(deleting)
      await Promise.all(entry.slots.map((slot) => slot.log?.close()))
      await this.#finishDeletions()
      this.#onEvent({ type: 'topic-deleted', topic: name, topicId })
    })
  }

  /** Sets and deletes topic config keys (Kafka's IncrementalAlterConfigs SET / DELETE) and applies them to the open logs. */
  alterConfig(name: string, change: ConfigChange): Promise<TopicConfigEntry[]> {
    return this.#change(async () => {
      const entry = this.#entry(name)
      const overrides: TopicConfigOverrides = { ...entry.record.config }
      for (const key of change.delete ?? []) {
        if (!isTopicConfigKey(key)) throw new SluiceError('INVALID_CONFIG', `unknown topic config '${key}'`)
        delete overrides[key]
      }
      for (const [key, value] of Object.entries(change.set ?? {})) {
        if (!isTopicConfigKey(key)) throw new SluiceError('INVALID_CONFIG', `unknown topic config '${key}'`)
        overrides[key] = normalizeTopicConfigValue(key, value, this.#configOptions)
      }
      const config = resolveTopicConfig(overrides, this.#brokerDefaults)
      const record: TopicRecord = { ...entry.record, config: overrides }
      await this.#persist(this.#fileWith({ replace: record }))
      entry.record = record
      entry.config = config
      const logConfig = toLogConfig(config, this.#logBase)
      for (const slot of entry.slots) slot.log?.updateConfig(logConfig)
      return describeTopicConfig(overrides, this.#brokerDefaults)
    })
  }

  /** Raises a topic's partition count to `count` (Kafka's CreatePartitions); INVALID_PARTITIONS unless it grows. */
  createPartitions(name: string, count: number): Promise<void> {
    return this.#change(async () => {
      const entry = this.#entry(name)
      if (entry.record.isInternal) throw new SluiceError('INVALID_REQUEST', `topic '${name}' is internal to Sluice: its partition count is fixed`)
      const current = entry.record.partitions
      if (!Number.isSafeInteger(count) || count <= current) {
        throw new SluiceError('INVALID_PARTITIONS', `topic '${name}' has ${current} partitions; the new count must be larger, got ${count}`)
      }
      checkPartitionCount(count)
      const record: TopicRecord = { ...entry.record, partitions: count }
      await this.#persist(this.#fileWith({ replace: record }))
      entry.record = record
      await this.#openSlots(Array.from({ length: count - current }, (_, i) => ({ entry, partition: current + i })))
    })
  }

  /** Closes every log (after pending changes); later changes get CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.#isClosed) return
    this.#isClosed = true
    await this.#tail
    const logs = [...this.#topics.values()].flatMap((e) => e.slots.map((s) => s.log))
    const results = await Promise.allSettled(logs.map((log) => log?.close()))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }

  // ---- internals ----

  #entry(name: string): TopicEntry {
    const entry = this.#topics.get(name)
    if (entry === undefined) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${name}'`)
    return entry
  }

  #change<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#isClosed) return Promise.reject(new SluiceError('CLOSED', 'the topic registry is closed'))
    const run = this.#tail.then(fn)
    // The chain only orders changes; each caller sees its own outcome through `run`.
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** The file as it would be with one topic added or replaced (current `deleting` kept). */
  #fileWith(change: { add?: TopicRecord; replace?: TopicRecord }): TopicsFile {
    const topics = [...this.#topics.values()].map((e) => (e.record.name === change.replace?.name ? change.replace : e.record))
    if (change.add !== undefined) topics.push(change.add)
    return { version: 1, topics, deleting: this.#deleting }
  }

  async #persist(file: TopicsFile): Promise<void> {
    await writeTopicsFile(this.#fs, this.#path, file)
  }

  async #openSlots(jobs: Array<{ entry: TopicEntry; partition: number }>): Promise<void> {
    await runBounded(jobs.length, this.#openConcurrency, async (i) => {
      const { entry, partition } = jobs[i]!
      const topic = entry.record.name
      const dir = join(this.#dataDir, partitionDirName(topic, partition))
      const config = toLogConfig(entry.config, this.#logBase)
      const slot = await PartitionLog.open({ fs: this.#fs, dir, config, clock: this.#clock }).then(
        (log): PartitionSlot => ({ log, error: null }),
        (error: unknown): PartitionSlot => ({ log: null, error }),
      )
      entry.slots[partition] = slot
      if (slot.log !== null) this.#onEvent({ type: 'partition-opened', topic, partition, recovery: slot.log.recovery })
      else this.#onEvent({ type: 'partition-offline', topic, partition, error: slot.error })
    })
  }

  /** Removes the directories of every topic in `deleting`, then forgets them. */
  async #finishDeletions(): Promise<void> {
    await removeDeletedPartitionDirs(this.#fs, this.#dataDir, this.#deleting, (name) => this.#topics.has(name))
    if (this.#deleting.length === 0) return
    await this.#persist({ version: 1, topics: [...this.#topics.values()].map((e) => e.record), deleting: [] })
    this.#deleting = []
  }
}

function checkPartitionCount(partitions: number): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > PARTITIONS_MAX) {
    throw new SluiceError('INVALID_PARTITIONS', `partition count must be between 1 and ${PARTITIONS_MAX}, got ${partitions}`)
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
