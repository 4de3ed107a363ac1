// The Coordinator: one data dir opened as a single-node Kafka, without sockets. It takes the
// data-dir lock, loads the topic registry (which opens every partition log), producer ids, and the
// group coordinator with its offsets in `__consumer_offsets`; then serves produce, fetch (long
// poll) and ListOffsets. The embedded client calls it directly; the broker's handlers will call the
// same methods. Pieces: data-dir-lock.ts, topics/, producers/, groups/, offsets/, transactions/
// (atomic commits over several partitions and offsets), log-append-time.ts, list-offsets.ts.
//
// `__consumer_offsets` gets 4 partitions (Kafka's default is 50, spread over brokers): one process
// gains nothing from 50 logs, and 4 keeps each compacted log, and so each compaction pass and each
// load at open, small. The count is fixed once the topic exists (the offset store maps a group to
// hash % count), so changing this constant only affects new data dirs.
//
// `__transaction_state` is created on the first initTransactions (as Kafka creates it on first
// need); `open` loads it when present and re-applies commits a crash left unapplied before anything
// else can produce (transactions/README.md).
//
// Lifecycle: `open` undoes what it did if any step fails (logs closed, lock released); `close` is
// idempotent, stops transactions and groups first (pending joins answered), then producer ids,
// logs, and the lock.
import { resolve } from 'node:path'
import { systemClock, type Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { NodeFs, type Fs } from '../storage/fs.ts'
import type { LogConfig } from '../storage/log-config.ts'
import type { PartitionLog } from '../storage/partition-log.ts'
import { requireKeys } from './compacted-keys.ts'
import { DataDirLock } from './data-dir-lock.ts'
import { ensureDurableDir } from './durable-dir.ts'
import { GroupCoordinator, type GroupCoordinatorOptions } from './groups/group-coordinator.ts'
import { listOffsets, type ListedOffset, type OffsetSpec } from './list-offsets.ts'
import { stampLogAppendTime } from './log-append-time.ts'
import { OffsetStore } from './offsets/offset-store.ts'
import { ProducerIds } from './producers/producer-ids.ts'
import type { TopicConfigInput, TopicConfigOptions } from './topics/topic-config.ts'
import { TopicRegistry, type TopicEvent } from './topics/topic-registry.ts'
import type { ProducerIdAndEpoch } from './producers/producer-ids.ts'
import {
  TRANSACTION_STATE_SEGMENT_BYTES, TRANSACTION_STATE_TOPIC, TRANSACTION_STATE_TOPIC_PARTITIONS, TransactionCoordinator,
  type CommitTransactionRequest, type CommittedWrite,
} from './transactions/transaction-coordinator.ts'

/** Name of Kafka's internal topic of committed offsets. */
export const OFFSETS_TOPIC = '__consumer_offsets'
/** Partitions of `__consumer_offsets` in a new data dir (see the file comment). */
export const OFFSETS_TOPIC_PARTITIONS = 4
/** Fetch size when the caller gives none (Kafka's max.partition.fetch.bytes default). */
export const FETCH_MAX_BYTES_DEFAULT = 1024 * 1024

/** What the coordinator reports while it opens and runs: registry events plus its own. */
export type CoordinatorEvent = TopicEvent | { type: 'opened'; dataDir: string; topics: number; partitions: number; durationMs: number }

/** Options of Coordinator.open. */
export interface CoordinatorOptions {
  /** The data dir (created if missing); one process owns it at a time. */
  dataDir: string
  /** Default NodeFs. Any other Fs (the tests' MemoryFs) gets an in-process lock instead of a lock file. */
  fs?: Fs
  clock?: Clock
  /** Broker-level topic config defaults under Kafka's topic keys (`retention.ms`, `flush`, …). */
  defaults?: Record<string, TopicConfigInput>
  /** Log settings topics do not configure (checkpoint, retention-check and cleaner intervals). */
  logDefaults?: Partial<LogConfig>
  /** Create a topic with default settings on first produce (default true, as Kafka). */
  autoCreateTopics?: boolean
  /** Partitions of auto-created topics and of topics created with -1 (default 1). */
  defaultPartitions?: number
  /** Topic config validation (tests allow small segments). */
  configOptions?: TopicConfigOptions
  /** Group coordinator settings (session timeouts, rebalance delay, offsets retention). */
  groups?: Omit<GroupCoordinatorOptions, 'clock' | 'offsets' | 'partitionExists'>
  /** Logs opened at once (default 8). */
  openConcurrency?: number
  /** Transactions; `onCommitPoint` is a test hook awaited after a commit's intent is durable, before it is applied. */
  transactions?: { onCommitPoint?: (transactionalId: string) => void | Promise<void> }
  onEvent?: (event: CoordinatorEvent) => void
  onWarning?: (message: string) => void
}

/** Produce options: Kafka's acks (0, 1, -1/'all'; one replica, so 1 and all are the same). */
export interface ProduceOptions {
  acks?: 0 | 1 | -1 | 'all'
}

/** Where a produced set of batches landed. */
export interface ProduceResult {
  baseOffset: number
  lastOffset: number
  /** The broker time stamped on the batches for LogAppendTime topics, else -1. */
  logAppendTime: number
  logStartOffset: number
  /** The batches repeated an idempotent producer's earlier send: the offsets are the original ones. */
  duplicate?: true
}

/** Fetch options, Kafka's names. */
export interface FetchOptions {
  /** Bytes to return at most, except that one whole batch is always returned (default 1 MiB). */
  maxBytes?: number
  /** How long to wait for `minBytes` of new data (default 0: answer at once). */
  maxWaitMs?: number
  /** Bytes to wait for before answering (default 1). */
  minBytes?: number
  /** Ends the wait early (the answer is then whatever is there). */
  signal?: AbortSignal
}

/** What a fetch returns. */
export interface FetchResult {
  /** Whole record batches; the first may start before the offset asked for. */
  records: Buffer
  highWatermark: number
  logStartOffset: number
  logEndOffset: number
}

const EMPTY = Buffer.alloc(0)

/** A data dir opened as a single-node Kafka: topics, partition logs, producer ids, groups. */
export class Coordinator {
  /** The data dir as given to open. */
  readonly dataDir: string
  readonly clock: Clock
  readonly topics: TopicRegistry
  readonly producerIds: ProducerIds
  readonly groups: GroupCoordinator
  readonly transactions: TransactionCoordinator
  readonly #offsets: OffsetStore
  readonly #lock: DataDirLock
  readonly #autoCreateTopics: boolean
  #closing: Promise<void> | null = null

  private constructor(parts: { dataDir: string; clock: Clock; lock: DataDirLock; topics: TopicRegistry; producerIds: ProducerIds; groups: GroupCoordinator; offsets: OffsetStore; transactions: TransactionCoordinator; autoCreateTopics: boolean }) {
    this.#offsets = parts.offsets
    this.transactions = parts.transactions
    this.dataDir = parts.dataDir
    this.clock = parts.clock
    this.#lock = parts.lock
    this.topics = parts.topics
    this.producerIds = parts.producerIds
    this.groups = parts.groups
    this.#autoCreateTopics = parts.autoCreateTopics
  }

  /** Locks and opens a data dir; DATA_DIR_LOCKED if another process (or coordinator) has it. */
  static async open(options: CoordinatorOptions): Promise<Coordinator> {
    const clock = options.clock ?? systemClock
    const startedMs = clock.monotonic()
    const fs = options.fs ?? new NodeFs()
    const dir = resolve(options.dataDir)
    const lock = fs instanceof NodeFs
      ? await DataDirLock.acquire({ dataDir: options.dataDir, clock, onWarning: options.onWarning })
      : DataDirLock.acquireInMemory(fs, dir)
    const opened: Array<{ close(): Promise<void> }> = []
    try {
      await ensureDurableDir(fs, dir)
      const topics = await TopicRegistry.open({
        fs, dataDir: dir, clock, brokerDefaults: options.defaults, logDefaults: options.logDefaults, defaultPartitions: options.defaultPartitions,
        configOptions: options.configOptions, openConcurrency: options.openConcurrency, onEvent: options.onEvent, onWarning: options.onWarning,
      })
      opened.push(topics)
      const producerIds = await ProducerIds.open({ fs, dir: resolve(dir, '__cluster'), clock })
      opened.push(producerIds)
      if (!topics.has(OFFSETS_TOPIC)) {
        await topics.create(OFFSETS_TOPIC, {
          partitions: OFFSETS_TOPIC_PARTITIONS, isInternal: true,
          // Kafka's offsets.topic.segment.bytes; compaction keeps the latest commit per key.
          config: { 'cleanup.policy': 'compact', 'segment.bytes': 104857600 },
        })
      }
      const count = topics.partitionCount(OFFSETS_TOPIC)
      const offsets = await OffsetStore.open({ logs: Array.from({ length: count }, (_, p) => topics.partition(OFFSETS_TOPIC, p)), clock })
      const groups = new GroupCoordinator({
        ...options.groups, clock, offsets,
        partitionExists: (topic, partition) => topics.has(topic) && Number.isInteger(partition) && partition >= 0 && partition < topics.partitionCount(topic),
      })
      opened.push(groups)
      // Appends take produce's path minus auto-creation (the topics were checked) and minus the
      // open check: `close` waits for commits in progress, which must still reach their logs.
      const transactions = await TransactionCoordinator.open({
        clock, topics, groups, offsets, producerIds, onWarning: options.onWarning, onCommitPoint: options.transactions?.onCommitPoint,
        append: (topic, partition, batches) => appendTo(topics, clock, topic, partition, batches),
        offsetsLog: (groupId) => topics.partition(OFFSETS_TOPIC, offsets.partitionFor(groupId)),
        stateLogs: (create) => transactionStateLogs(topics, create),
      })
      opened.push(transactions)
      const coordinator = new Coordinator({ dataDir: options.dataDir, clock, lock, topics, producerIds, groups, offsets, transactions, autoCreateTopics: options.autoCreateTopics ?? true })
      const listing = topics.list({ includeInternal: true })
      options.onEvent?.({
        type: 'opened', dataDir: options.dataDir, topics: listing.length,
        partitions: listing.reduce((sum, t) => sum + t.partitions, 0), durationMs: clock.monotonic() - startedMs,
      })
      return coordinator
    } catch (error) {
      // Undo in reverse; the original error is what the caller needs, so cleanup failures are dropped.
      for (const part of opened.reverse()) await part.close().catch(() => undefined)
      await lock.release().catch(() => undefined)
      throw error
    }
  }

  /**
   * Deletes a topic and, as Kafka does, every group's committed offsets for it: a topic re-created
   * under the same name must not resume from the old one's offsets (records would be skipped).
   */
  async deleteTopic(name: string): Promise<void> {
    await this.topics.delete(name)
    for (const groupId of this.#offsets.groupIds()) {
      const stale = this.#offsets.offsets(groupId).filter((o) => o.topic === name)
      if (stale.length > 0) await this.#offsets.delete(groupId, stale.map(({ topic, partition }) => ({ topic, partition })))
    }
  }

  /** The open log of a partition; UNKNOWN_TOPIC_OR_PARTITION, or KAFKA_STORAGE_ERROR when it is offline. */
  partition(topic: string, partition: number): PartitionLog {
    this.#checkOpen()
    return this.topics.partition(topic, partition)
  }

  /** Creates `topic` with default settings if it does not exist and auto-creation is on. */
  async ensureTopic(topic: string): Promise<void> {
    this.#checkOpen()
    if (this.topics.has(topic)) return
    if (!this.#autoCreateTopics) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${topic}' (auto-creation is off)`)
    try {
      await this.topics.create(topic)
    } catch (error) {
      // Another caller created it between our check and our create: that is what we wanted.
      if (!(error instanceof SluiceError && error.code === 'TOPIC_ALREADY_EXISTS')) throw error
    }
  }

  /**
   * Appends record batches v2 (one Buffer, which the log now owns: offsets and, for LogAppendTime
   * topics, timestamps are patched in place). Resolves when the log accepted them per its flush
   * policy; throws SluiceError with Kafka's error name. With acks 0 the caller need not wait, but
   * the append and its validation are the same.
   */
  async produce(topic: string, partition: number, batches: Buffer, options: ProduceOptions = {}): Promise<ProduceResult> {
    this.#checkOpen()
    const acks = options.acks ?? -1
    if (acks !== 0 && acks !== 1 && acks !== -1 && acks !== 'all') {
      throw new SluiceError('INVALID_REQUIRED_ACKS', `acks must be 0, 1, -1 or 'all', got ${String(acks)}`)
    }
    // Checked first so the common case (the topic exists) costs no extra await.
    if (!this.topics.has(topic)) await this.ensureTopic(topic)
    return appendTo(this.topics, this.clock, topic, partition, batches)
  }

  /**
   * Kafka's InitProducerId for a transactional id: the first call allocates a producer id, later
   * ones bump its epoch and fence the previous holder. Creates __transaction_state on first use.
   * @example
   * const { producerId, producerEpoch } = await coordinator.initTransactions('billing-task-0')
   */
  initTransactions(transactionalId: string): Promise<ProducerIdAndEpoch> {
    this.#checkOpen()
    return this.transactions.initTransactions(transactionalId)
  }

  /**
   * Commits batches to several partitions and a group's offsets atomically (all or nothing, also
   * across a crash); see transactions/README.md. Resolves with where each write landed.
   * @example
   * await coordinator.commitTransaction({ transactionalId, producerId, producerEpoch, writes: [{ topic: 'out', partition: 0, batches }] })
   */
  commitTransaction(request: CommitTransactionRequest): Promise<CommittedWrite[]> {
    this.#checkOpen()
    return this.transactions.commitTransaction(request)
  }

  /**
   * Reads whole batches from `offset`, waiting up to maxWaitMs for minBytes to arrive (long poll
   * on the log, no polling). OFFSET_OUT_OF_RANGE below the log start or past the log end offset.
   */
  async fetch(topic: string, partition: number, offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    this.#checkOpen()
    const log = this.topics.partition(topic, partition)
    if (!Number.isSafeInteger(offset) || offset < log.logStartOffset || offset > log.logEndOffset) {
      throw new SluiceError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${log.logStartOffset}, ${log.logEndOffset}] of ${topic}-${partition}`)
    }
    const maxBytes = options.maxBytes ?? FETCH_MAX_BYTES_DEFAULT
    const minBytes = Math.max(1, options.minBytes ?? 1)
    const deadline = this.clock.monotonic() + Math.max(0, options.maxWaitMs ?? 0)
    for (;;) {
      // Between the high watermark and the log end (flush 'always' before its fsync) there is nothing to serve yet.
      const records = offset < log.highWatermark ? (await log.read(offset, maxBytes)).records : EMPTY
      const remainingMs = deadline - this.clock.monotonic()
      if (records.length >= minBytes || remainingMs <= 0 || options.signal?.aborted === true) {
        return { records, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset }
      }
      // Wait for the high watermark to move past what we have seen; false: timeout, abort or close.
      const moved = await log.waitForAppend(Math.max(offset, log.highWatermark), remainingMs, options.signal)
      if (!moved) {
        this.#checkOpen()
        const last = offset < log.highWatermark ? (await log.read(offset, maxBytes)).records : EMPTY
        return { records: last, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset }
      }
    }
  }

  /** Kafka's ListOffsets for one partition: earliest, latest, by timestamp, or max timestamp. */
  async listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<ListedOffset> {
    this.#checkOpen()
    return listOffsets(this.topics.partition(topic, partition), spec)
  }

  /** Closes transactions, groups, producer ids and every log, then releases the data dir; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const failures: unknown[] = []
      for (const part of [this.transactions, this.groups, this.producerIds, this.topics]) {
        // Close everything even if one part fails, so the lock is always released; the first failure is rethrown.
        await part.close().catch((error: unknown) => failures.push(error))
      }
      await this.#lock.release()
      if (failures.length > 0) throw failures[0]
    })()
    return this.#closing
  }

  #checkOpen(): void {
    if (this.#closing !== null) throw new SluiceError('CLOSED', `the coordinator of ${this.dataDir} is closed`)
  }
}

/**
 * Appends to an existing, non-internal partition: compacted topics need keys, LogAppendTime topics
 * get the broker's time stamped in. Starts the log append before its first await, so several calls
 * in one synchronous turn reach their logs in that turn (transactions rely on it).
 */
function appendTo(topics: TopicRegistry, clock: Clock, topic: string, partition: number, batches: Buffer): Promise<ProduceResult> {
  try {
    const log = topics.partition(topic, partition)
    if (topics.isInternal(topic)) throw new SluiceError('INVALID_TOPIC_EXCEPTION', `cannot produce to internal topic '${topic}'`)
    const config = topics.config(topic)
    if (config['cleanup.policy'].includes('compact')) requireKeys(topic, batches)
    let logAppendTime = -1
    if (config['message.timestamp.type'] === 'LogAppendTime') {
      logAppendTime = clock.now()
      stampLogAppendTime(batches, logAppendTime, config['max.message.bytes'])
    }
    return log.append(batches).then((result) => ({
      baseOffset: result.baseOffset, lastOffset: result.lastOffset, logAppendTime, logStartOffset: result.logStartOffset,
      ...(result.duplicate === true ? { duplicate: true as const } : {}),
    }))
  } catch (error) {
    return Promise.reject(error)
  }
}

/** The logs of __transaction_state; creates the topic when `create` (flush=always: its records are commit points). */
async function transactionStateLogs(topics: TopicRegistry, create: boolean): Promise<PartitionLog[] | null> {
  if (!topics.has(TRANSACTION_STATE_TOPIC)) {
    if (!create) return null
    try {
      await topics.create(TRANSACTION_STATE_TOPIC, {
        partitions: TRANSACTION_STATE_TOPIC_PARTITIONS, isInternal: true,
        // Compaction keeps the latest state per transactional id; a whole commit is one record.
        config: {
          'cleanup.policy': 'compact', flush: 'always',
          'segment.bytes': TRANSACTION_STATE_SEGMENT_BYTES, 'max.message.bytes': TRANSACTION_STATE_SEGMENT_BYTES + 1024,
        },
      })
    } catch (error) {
      // Two first calls raced to create it: the loser uses the winner's.
      if (!(error instanceof SluiceError && error.code === 'TOPIC_ALREADY_EXISTS')) throw error
    }
  }
  return Array.from({ length: topics.partitionCount(TRANSACTION_STATE_TOPIC) }, (_, p) => topics.partition(TRANSACTION_STATE_TOPIC, p))
}
