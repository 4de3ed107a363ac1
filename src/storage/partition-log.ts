// PartitionLog: one partition's log in one directory — append record batches v2, read them back by
// offset, keep them durable per the flush policy, and roll, retain, compact and recover segments.
// The contract is in README.md; recovery.ts opens the directory, group-commit.ts batches fsyncs,
// log-reader.ts reads a segment, retention.ts and compaction.ts do the maintenance.
//
// Concurrency (one event loop, no locks except where an await splits work):
// - append is synchronous from its producer-state check to the write and the index update, so two
//   appends never interleave there. The only await before that is a segment roll: an append that
//   needs one opens the "gate" (a promise); later appends wait on it in arrival order.
// - append takes ownership of its Buffer: baseOffset is patched in place (the CRC does not cover
//   it), and the bytes are written as they are with one write per call.
// - flush 'always': the append's promise resolves after an fsync covered it (GroupCommit), and the
//   high watermark only moves then, so a reader never sees data that a crash could take back.
// - retention, compaction, DeleteRecords and checkpoints run one at a time (#exclusive); appends and
//   reads go on meanwhile. Reads hold their segment (Segment.acquire) across awaits.
// - any Fs error takes the log offline: every later call throws KAFKA_STORAGE_ERROR with the path
//   and the cause; nothing throws out of a timer, and other logs are unaffected.
import type { Clock } from '../base/clock.ts'
import { systemClock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { assignOffsets, checkProducers, updateProducers, validateAppend } from './append-checks.ts'
import type { CompactionResult } from './compaction.ts'
import type { Fs } from './fs.ts'
import { Durability } from './durability.ts'
import { resolveLogConfig, type LogConfig } from './log-config.ts'
import { findOffsetForTimestamp, readLog } from './log-reader.ts'
import { LogMaintenance } from './log-maintenance.ts'
import { LongPolls } from './long-poll.ts'
import { ProducerState } from './producer-state.ts'
import { PeriodicTasks } from './periodic-tasks.ts'
import { recoverLog, type RecoveredLog, type RecoveryReport } from './recovery.ts'
import { Segment } from './segment.ts'
import { SegmentSet, shouldRoll } from './segment-set.ts'
import { parentDir, storageError } from './storage-error.ts'
import type { AppendResult, LogDescription, PartitionLogOptions, ReadResult } from './log-types.ts'

export type { AppendResult, LogDescription, PartitionLogOptions, ReadResult } from './log-types.ts'

/** One partition's durable, segmented log of record batches. */
export class PartitionLog {
  readonly dir: string
  /** What opening the log found: truncation, rebuilt indexes, timings. */
  readonly recovery: RecoveryReport
  readonly #fs: Fs
  readonly #clock: Clock
  #config: LogConfig
  readonly #segments: SegmentSet
  readonly #producers: ProducerState
  readonly #durability: Durability
  readonly #longPolls: LongPolls
  readonly #tasks: PeriodicTasks
  #logStartOffset: number
  #logEndOffset: number
  #highWatermark: number
  #gate: Promise<void> | null = null
  #offline: SluiceError | null = null
  #state: 'open' | 'closing' | 'closed' = 'open'
  #stopping: Promise<void> | null = null
  readonly #maintenance: LogMaintenance

  private constructor(options: PartitionLogOptions, config: LogConfig, recovered: RecoveredLog, producers: ProducerState) {
    this.#fs = options.fs
    this.dir = options.dir
    this.#clock = options.clock ?? systemClock
    this.#config = config
    this.recovery = recovered.report
    this.#segments = new SegmentSet(recovered.segments)
    this.#producers = producers
    this.#logStartOffset = recovered.logStartOffset
    this.#logEndOffset = this.#segments.active.nextOffset
    this.#highWatermark = config.flush === 'always' ? recovered.durableOffset : this.#logEndOffset
    const checkpoint = recovered.checkpoint
    // Durability and maintenance see the log through these callbacks (its state stays here).
    const shared = {
      fs: this.#fs, dir: this.dir, clock: this.#clock, segments: this.#segments,
      config: () => this.#config,
      logStartOffset: () => this.#logStartOffset,
      fail: (cause: unknown, action: string, path: string) => this.#goOffline(cause, action, path),
    }
    this.#durability = new Durability({
      ...shared,
      producers,
      logEndOffset: () => this.#logEndOffset,
      durable: (offset) => { if (this.#config.flush === 'always') this.#advanceHighWatermark(offset) },
    }, recovered.durableOffset, checkpoint === null ? null : { offset: checkpoint.recoveryPointOffset, logStartOffset: checkpoint.logStartOffset })
    for (const segment of recovered.unsyncedTail) this.#durability.written(segment)
    this.#maintenance = new LogMaintenance({
      ...shared,
      durability: this.#durability,
      setLogStartOffset: (offset) => { this.#logStartOffset = offset },
      highWatermark: () => this.#highWatermark,
      logEndOffset: () => this.#logEndOffset,
      rollActive: async () => {
        while (this.#gate !== null) await this.#gate
        if (this.#segments.active.size > 0) await this.#roll()
      },
      isActive: () => this.#state === 'open' && this.#offline === null,
    })
    this.#longPolls = new LongPolls(this.#clock)
    this.#tasks = new PeriodicTasks(this.#clock, () => this.#state === 'open' && this.#offline === null,
      (error, name) => this.#goOffline(error, `running ${name} for`, this.dir))
  }

  /** Opens (creating or recovering) the log in `options.dir`. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const config = resolveLogConfig(options.config)
    const producers = new ProducerState()
    let recovered
    try {
      recovered = await recoverLog(options.fs, options.dir, config.indexIntervalBytes, producers, options.clock ?? systemClock)
    } catch (error) {
      throw storageError(options.dir, 'opening', options.dir, error)
    }
    const log = new PartitionLog(options, config, recovered, producers)
    log.#schedule()
    if (recovered.unsyncedTail.length > 0) {
      // The recovered tail may be only in the page cache. Under 'always' it was mostly fsynced
      // already, so make it durable (and visible) before returning; otherwise fsync it in the background.
      if (config.flush === 'always') await log.flush()
      else log.#durability.request()
    }
    return log
  }

  /** First offset still in the log. */
  get logStartOffset(): number {
    return this.#logStartOffset
  }

  /** Offset the next appended record gets. */
  get logEndOffset(): number {
    return this.#logEndOffset
  }

  /** Offsets below this are visible to readers (durable under flush 'always'). */
  get highWatermark(): number {
    return this.#highWatermark
  }

  /** True after a storage error: every call throws KAFKA_STORAGE_ERROR. */
  get isOffline(): boolean {
    return this.#offline !== null
  }

  /** The current configuration. */
  get config(): Readonly<LogConfig> {
    return this.#config
  }

  /** Total bytes of the log's segment files. */
  get sizeBytes(): number {
    return this.#segments.sizeBytes
  }

  /** fsync rounds so far (group commit: far fewer than appends under flush 'always'). */
  get fsyncRounds(): number {
    return this.#durability.rounds
  }

  /** Sizes, segments and health, for describe-log-dirs, metrics and tests. */
  describe(): LogDescription {
    const segments = this.#segments.segments
    return {
      dir: this.dir,
      logStartOffset: this.#logStartOffset,
      logEndOffset: this.#logEndOffset,
      highWatermark: this.#highWatermark,
      sizeBytes: this.#segments.sizeBytes,
      segmentBaseOffsets: segments.map((s) => s.baseOffset),
      fsyncRounds: this.#durability.rounds,
      offlineError: this.#offline,
      compactionError: this.#maintenance.compactionError,
    }
  }

  /** The idempotence state (for the coordinator's describe-producers). */
  get producerState(): ProducerState {
    return this.#producers
  }

  /**
   * Appends one or more record batches v2 (in one Buffer, which the log now owns: offsets are
   * patched in place). Resolves when durable per the flush policy.
   */
  async append(batches: Buffer): Promise<AppendResult> {
    this.#checkUsable()
    const { offsetCount, isIdempotent } = validateAppend(batches, this.#config.maxMessageBytes)
    // Wait out a roll in progress, or roll; after the last check below nothing awaits until written.
    for (;;) {
      if (this.#gate !== null) await this.#gate
      else if (shouldRoll(this.#segments.active, batches.length, this.#logEndOffset + offsetCount - 1, this.#config, this.#clock.now())) await this.#roll()
      else break
      this.#checkUsable()
    }
    const original = isIdempotent ? checkProducers(this.#producers, batches) : null
    if (original !== null) {
      const duplicate: AppendResult = { baseOffset: original.firstOffset, lastOffset: original.lastOffset, logAppendTime: -1, logStartOffset: this.#logStartOffset, duplicate: true }
      // The original may still be waiting for its fsync: answer once it is visible.
      if (duplicate.lastOffset < this.#highWatermark) return duplicate
      return this.#durability.waitFor(duplicate.lastOffset + 1).then(() => duplicate)
    }
    const baseOffset = this.#logEndOffset
    const next = assignOffsets(batches, baseOffset)
    const active = this.#segments.active
    try {
      active.append(batches, this.#clock.now())
    } catch (error) {
      throw this.#goOffline(error, 'writing', active.logPath)
    }
    this.#logEndOffset = next
    this.#durability.written(active)
    if (isIdempotent) updateProducers(this.#producers, batches)
    const result: AppendResult = { baseOffset, lastOffset: next - 1, logAppendTime: -1, logStartOffset: this.#logStartOffset }
    if (this.#config.flush !== 'always') {
      this.#advanceHighWatermark(next)
      return result
    }
    return this.#durability.waitFor(next).then(() => result)
  }

  /** Whole batches from `offset` (the first may start before it) below the high watermark: at least one, else up to `maxBytes`. */
  async read(offset: number, maxBytes: number): Promise<ReadResult> {
    this.#checkUsable()
    const highWatermark = this.#highWatermark
    const logStartOffset = this.#logStartOffset
    // As Kafka: out of range below the log start or past the log end; empty between the high
    // watermark and the log end (appended, not yet durable under flush 'always').
    if (offset < logStartOffset || offset > this.#logEndOffset) {
      throw new SluiceError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${logStartOffset}, ${this.#logEndOffset}] of ${this.dir}`)
    }
    const records = await readLog(this.#segments, offset, maxBytes, highWatermark, this.#config.indexIntervalBytes, this.#onReadError)
    return { records, highWatermark, logStartOffset }
  }

  /**
   * Offset of the first batch whose maxTimestamp >= `timestamp` (Kafka's ListOffsets by time; the
   * batch's base offset, or the log start offset if that is later), or null when there is none.
   */
  async offsetForTimestamp(timestamp: number): Promise<number | null> {
    this.#checkUsable()
    return findOffsetForTimestamp(this.#segments, timestamp, this.#logStartOffset, this.#highWatermark, this.#onReadError)
  }

  /** A read failed: damage is the caller's CORRUPT_MESSAGE; anything else is a storage error. */
  readonly #onReadError = (error: unknown, path: string): never => {
    if (error instanceof SluiceError) throw error
    throw this.#goOffline(error, 'reading', path)
  }

  /**
   * Long poll: resolves true once the high watermark passes `offset`, false on timeout, abort,
   * close or storage error. Costs one Clock timer, no polling.
   */
  waitForAppend(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#highWatermark > offset) return Promise.resolve(true)
    if (this.#state !== 'open' || this.#offline !== null) return Promise.resolve(false)
    return this.#longPolls.wait(offset, timeoutMs, signal)
  }

  /** Resolves when everything appended so far is fsynced. */
  async flush(): Promise<void> {
    this.#checkUsable()
    await this.#durability.waitFor(this.#logEndOffset)
  }

  /** Advances the log start offset to `offset` (Kafka's DeleteRecords); whole segments below it are deleted. */
  async deleteRecordsBefore(offset: number): Promise<number> {
    this.#checkUsable()
    if (offset > this.#highWatermark) {
      throw new SluiceError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: the high watermark is ${this.#highWatermark}`)
    }
    if (offset > this.#logStartOffset) this.#logStartOffset = offset
    await this.#maintenance.deleteRecords()
    return this.#logStartOffset
  }

  /** Runs retention now (also runs every retentionCheckIntervalMs); resolves with the segments deleted. */
  enforceRetention(): Promise<number> {
    return this.#maintenance.enforceRetention()
  }

  /** Runs one compaction pass now (also runs in the background under cleanup.policy compact). */
  compact(): Promise<CompactionResult | null> {
    return this.#maintenance.compact()
  }

  /** Applies new settings (the coordinator's AlterConfigs). */
  updateConfig(config: Partial<LogConfig>): void {
    this.#config = resolveLogConfig(config, this.#config)
    if (this.#config.flush !== 'always') this.#advanceHighWatermark(this.#logEndOffset)
    if (this.#state === 'open' && this.#offline === null) this.#schedule()
  }

  /** Flushes, writes indexes, a producer snapshot and a clean checkpoint, and closes the files. */
  close(): Promise<void> {
    this.#stopping ??= this.#stop(this.#offline === null)
    return this.#stopping
  }

  /** Closes the log without a final checkpoint and removes its directory. */
  async delete(): Promise<void> {
    this.#stopping ??= this.#stop(false)
    await this.#stopping
    try {
      await this.#fs.rm(this.dir)
      await this.#fs.fsyncDir(parentDir(this.dir))
    } catch (error) {
      throw storageError(this.dir, 'deleting', this.dir, error)
    }
  }

  async #stop(checkpoint: boolean): Promise<void> {
    this.#state = 'closing'
    this.#tasks.cancelAll()
    this.#longPolls.wakeAll(false)
    while (this.#gate !== null) await this.#gate
    try {
      // Queued behind running maintenance; compaction stops between groups once closing.
      await this.#maintenance.exclusive(async () => {
        if (checkpoint) await this.#durability.checkpoint(true)
      })
    } finally {
      for (const segment of this.#segments.segments) await segment.close()
      this.#state = 'closed'
    }
  }

  #checkUsable(): void {
    if (this.#offline !== null) throw this.#offline
    if (this.#state !== 'open') throw new SluiceError('CLOSED', `partition log ${this.dir} is closed`)
  }

  /** Starts a new active segment at the log end offset; appends wait on the gate meanwhile. */
  #roll(): Promise<void> {
    const rolling = (async () => {
      const old = this.#segments.active
      old.seal()
      let segment: Segment
      try {
        segment = await Segment.create(this.#fs, this.dir, this.#logEndOffset, this.#config.indexIntervalBytes)
      } catch (error) {
        throw this.#goOffline(error, 'creating a segment in', this.dir)
      }
      this.#segments.roll(segment)
      this.#durability.created()
      // Nobody awaits this: a failure is a storage error and takes the log offline, never a crash.
      old.persistIndexes().catch((error: unknown) => this.#goOffline(error, 'writing the indexes of', old.logPath))
    })()
    this.#gate = rolling.then(() => { this.#gate = null }, () => { this.#gate = null })
    return rolling
  }

  #advanceHighWatermark(offset: number): void {
    if (offset <= this.#highWatermark) return
    this.#highWatermark = offset
    this.#longPolls.advance(offset)
  }

  #schedule(): void {
    this.#tasks.cancelAll()
    const config = this.#config
    if (config.flush === 'interval') this.#tasks.every('flush', config.flushIntervalMs, async () => this.#durability.request())
    this.#tasks.every('checkpoint', config.checkpointIntervalMs, () => this.#maintenance.checkpoint(false))
    if (config.cleanupPolicy.includes('delete')) this.#tasks.every('retention', config.retentionCheckIntervalMs, () => this.enforceRetention())
    if (config.cleanupPolicy.includes('compact')) {
      this.#tasks.every('compaction', config.compactionCheckIntervalMs, async () => {
        if (this.#maintenance.isCompactionDue) await this.compact()
      })
    }
  }

  /** Takes the log offline (once) and returns the error every later call throws. */
  #goOffline(cause: unknown, action: string, path: string): SluiceError {
    if (this.#offline !== null) return this.#offline
    this.#offline = storageError(this.dir, action, path, cause)
    this.#durability.fail(this.#offline)
    this.#tasks.cancelAll()
    this.#longPolls.wakeAll(false)
    return this.#offline
  }
}
