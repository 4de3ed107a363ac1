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
import type { Clock, TimerHandle } from '../base/clock.ts'
import { systemClock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { OFFSET_ATTRIBUTES, OFFSET_BASE_SEQUENCE, OFFSET_LAST_OFFSET_DELTA, OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID, CONTROL_FLAG, OFFSET_MAX_TIMESTAMP } from '../protocol/records/batch-header.ts'
import { validateBatch } from '../protocol/records/validate.ts'
import { readInt64, sizeOfBatchAt, writeInt64 } from './batch-scan.ts'
import { compactLog, type CompactionResult } from './compaction.ts'
import type { Fs } from './fs.ts'
import { GroupCommit } from './group-commit.ts'
import { resolveLogConfig, type LogConfig } from './log-config.ts'
import { findTimestamp, readSegment } from './log-reader.ts'
import { ProducerState, type BatchMetadata, type PendingSequences, type ProducerBatch } from './producer-state.ts'
import { writeCheckpoint } from './recovery-checkpoint.ts'
import { SNAPSHOT_SUFFIX, recoverLog, snapshotPath, type RecoveryReport } from './recovery.ts'
import { segmentsBelowLogStart, segmentsToDelete } from './retention.ts'
import { Segment, parseSegmentFileName } from './segment.ts'
import { SegmentSet } from './segment-set.ts'

/** What PartitionLog.open needs. */
export interface PartitionLogOptions {
  fs: Fs
  /** The log's directory (created if missing). */
  dir: string
  config?: Partial<LogConfig>
  clock?: Clock
}

/** The outcome of an append. */
export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** -1: batches keep their CreateTime (LogAppendTime topics are the coordinator's to stamp). */
  logAppendTime: number
  logStartOffset: number
  /** Set when the batch was a retry of one already in the log: the offsets are the original ones. */
  duplicate?: true
}

/** The outcome of a read. */
export interface ReadResult {
  /** Whole batches; the first may start before the offset asked for. Empty at the high watermark. */
  records: Buffer
  highWatermark: number
  logStartOffset: number
}

interface ReadWaiter {
  offset: number
  finish: (appended: boolean) => void
}

const EMPTY = Buffer.alloc(0)
const INT32_MAX = 0x7fffffff

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
  readonly #commit: GroupCommit
  #logStartOffset: number
  #logEndOffset: number
  #highWatermark: number
  #unsynced = new Set<Segment>()
  #dirNeedsSync = false
  #gate: Promise<void> | null = null
  #offline: SluiceError | null = null
  #state: 'open' | 'closing' | 'closed' = 'open'
  #readWaiters = new Set<ReadWaiter>()
  #maintenance: Promise<unknown> = Promise.resolve()
  #timers = new Map<string, TimerHandle>()
  #lastCheckpoint = { offset: -1, logStartOffset: -1 }
  #compactionDue = true
  #compactionError: SluiceError | null = null

  private constructor(options: PartitionLogOptions, config: LogConfig, recovered: Awaited<ReturnType<typeof recoverLog>>, producers: ProducerState) {
    this.#fs = options.fs
    this.dir = options.dir
    this.#clock = options.clock ?? systemClock
    this.#config = config
    this.recovery = recovered.report
    this.#segments = new SegmentSet(recovered.segments)
    this.#producers = producers
    this.#logStartOffset = recovered.logStartOffset
    this.#logEndOffset = this.#segments.active.nextOffset
    this.#highWatermark = this.#logEndOffset
    this.#commit = new GroupCommit(this.#logEndOffset, () => this.#syncRound())
    const checkpoint = recovered.checkpoint
    if (checkpoint !== null) this.#lastCheckpoint = { offset: checkpoint.recoveryPointOffset, logStartOffset: checkpoint.logStartOffset }
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

  /** The error that took the log offline, if any. */
  get offlineError(): SluiceError | null {
    return this.#offline
  }

  /** The current configuration. */
  get config(): Readonly<LogConfig> {
    return this.#config
  }

  /** Total bytes of the log's segment files. */
  get sizeBytes(): number {
    return this.#segments.sizeBytes
  }

  /** Number of segments. */
  get segmentCount(): number {
    return this.#segments.segments.length
  }

  /** Base offsets of the segments, oldest first (the last is active). */
  get segmentBaseOffsets(): number[] {
    return this.#segments.segments.map((s) => s.baseOffset)
  }

  /** fsync rounds so far (group commit: far fewer than appends under flush 'always'). */
  get fsyncRounds(): number {
    return this.#commit.rounds
  }

  /** Why compaction stopped for this log (damaged closed segment), if it did. */
  get compactionError(): SluiceError | null {
    return this.#compactionError
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
    const config = this.#config
    if (batches.length === 0) throw new SluiceError('CORRUPT_MESSAGE', 'append of zero bytes: expected at least one record batch')
    let offsetCount = 0
    let isIdempotent = false
    for (let pos = 0; pos < batches.length;) {
      const verdict = validateBatch(batches, pos, batches.length, { maxBatchBytes: config.maxMessageBytes, isProducerBatch: true })
      if (!verdict.ok) throw new SluiceError(verdict.code, verdict.message)
      offsetCount += batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) + 1
      if (batches.readInt32BE(pos + OFFSET_PRODUCER_ID) >= 0) isIdempotent = true // high word >= 0 ⇔ producerId >= 0
      pos += sizeOfBatchAt(batches, pos)
    }
    // Wait out a roll in progress, or roll; after the last check below nothing awaits until written.
    for (;;) {
      if (this.#gate !== null) {
        await this.#gate
        this.#checkUsable()
        continue
      }
      if (this.#needsRoll(batches.length, offsetCount)) {
        await this.#roll()
        this.#checkUsable()
        continue
      }
      break
    }
    let duplicate: AppendResult | null = null
    if (isIdempotent) duplicate = this.#checkProducers(batches)
    if (duplicate !== null) {
      // The original may still be waiting for its fsync: answer when it is visible.
      if (duplicate.lastOffset < this.#highWatermark) return duplicate
      const result = duplicate
      return this.#commit.waitFor(result.lastOffset + 1).then(() => result)
    }
    const baseOffset = this.#logEndOffset
    let next = baseOffset
    for (let pos = 0; pos < batches.length; pos += sizeOfBatchAt(batches, pos)) {
      writeInt64(batches, next, pos)
      next += batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) + 1
    }
    const active = this.#segments.active
    try {
      active.append(batches, this.#clock.now())
    } catch (error) {
      throw this.#goOffline(error, 'writing', active.logPath)
    }
    this.#logEndOffset = next
    this.#unsynced.add(active)
    if (isIdempotent) this.#updateProducers(batches)
    const result: AppendResult = { baseOffset, lastOffset: next - 1, logAppendTime: -1, logStartOffset: this.#logStartOffset }
    if (config.flush !== 'always') {
      this.#advanceHighWatermark(next)
      return result
    }
    return this.#commit.waitFor(next).then(() => result)
  }

  /** Whole batches from `offset` (the first may start before it), at least one, else up to `maxBytes`. */
  async read(offset: number, maxBytes: number): Promise<ReadResult> {
    this.#checkUsable()
    const highWatermark = this.#highWatermark
    const logStartOffset = this.#logStartOffset
    if (offset < logStartOffset || offset > highWatermark) {
      throw new SluiceError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${logStartOffset}, ${highWatermark}] of ${this.dir}`)
    }
    let target = offset
    while (target < highWatermark) {
      const segments = this.#segments.segments
      const i = Math.max(0, this.#segments.floorIndex(target, segments))
      const segment = segments[i] as Segment
      segment.acquire()
      let records: Buffer | null
      try {
        records = await readSegment(segment, target, maxBytes, highWatermark, this.#config.indexIntervalBytes)
      } catch (error) {
        if (error instanceof SluiceError) throw error
        throw this.#goOffline(error, 'reading', segment.logPath)
      } finally {
        segment.release()
      }
      if (records !== null) return { records, highWatermark, logStartOffset }
      const next = segments[i + 1]
      if (next === undefined) break
      target = next.baseOffset
    }
    return { records: EMPTY, highWatermark, logStartOffset }
  }

  /**
   * Offset of the first batch whose maxTimestamp >= `timestamp` (Kafka's ListOffsets by time; the
   * batch's base offset, or the log start offset if that is later), or null when there is none.
   */
  async offsetForTimestamp(timestamp: number): Promise<number | null> {
    this.#checkUsable()
    const highWatermark = this.#highWatermark
    const logStartOffset = this.#logStartOffset
    for (const segment of this.#segments.segments) {
      if (segment.maxTimestamp < timestamp || segment.nextOffset <= logStartOffset) continue
      segment.acquire()
      try {
        const found = await findTimestamp(segment, timestamp, logStartOffset, highWatermark)
        if (found !== null) return Math.max(found, logStartOffset)
      } catch (error) {
        if (error instanceof SluiceError) throw error
        throw this.#goOffline(error, 'reading', segment.logPath)
      } finally {
        segment.release()
      }
    }
    return null
  }

  /**
   * Long poll: resolves true once the high watermark passes `offset`, false on timeout, abort,
   * close or storage error. Costs one Clock timer, no polling.
   */
  waitForAppend(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#highWatermark > offset) return Promise.resolve(true)
    if (this.#state !== 'open' || this.#offline !== null || signal?.aborted === true) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => waiter.finish(false)
      const waiter: ReadWaiter = {
        offset,
        finish: (appended) => {
          if (!this.#readWaiters.delete(waiter)) return
          timer.cancel()
          signal?.removeEventListener('abort', onAbort)
          resolve(appended)
        },
      }
      const timer = this.#clock.setTimeout(() => waiter.finish(false), timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#readWaiters.add(waiter)
    })
  }

  /** Resolves when everything appended so far is fsynced. */
  async flush(): Promise<void> {
    this.#checkUsable()
    await this.#commit.waitFor(this.#logEndOffset)
  }

  /** Advances the log start offset to `offset` (Kafka's DeleteRecords); whole segments below it are deleted. */
  async deleteRecordsBefore(offset: number): Promise<number> {
    this.#checkUsable()
    if (offset > this.#highWatermark) {
      throw new SluiceError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: the high watermark is ${this.#highWatermark}`)
    }
    if (offset > this.#logStartOffset) this.#logStartOffset = offset
    await this.#exclusive(async () => {
      await this.#checkpoint(false)
      const count = segmentsBelowLogStart(this.#segments.segments, this.#logStartOffset, this.#highWatermark)
      if (count > 0) await this.#deleteOldest(count)
    })
    return this.#logStartOffset
  }

  /** Runs retention now (also runs every retentionCheckIntervalMs); resolves with the segments deleted. */
  enforceRetention(): Promise<number> {
    return this.#exclusive(async () => {
      if (this.#offline !== null || this.#state === 'closed') return 0
      const count = segmentsToDelete(this.#segments.segments, this.#config, this.#clock.now(), this.#logStartOffset, this.#highWatermark)
      if (count > 0) await this.#deleteOldest(count)
      return count
    })
  }

  /** Runs one compaction pass now (also runs in the background under cleanup.policy compact). */
  compact(): Promise<CompactionResult | null> {
    return this.#exclusive(async () => {
      if (this.#offline !== null || this.#state === 'closed' || this.#compactionError !== null) return null
      this.#compactionDue = false
      try {
        const result = await compactLog({
          fs: this.#fs,
          dir: this.dir,
          config: this.#config,
          clock: this.#clock,
          checkpoint: () => this.#checkpoint(false),
          segments: () => this.#segments.segments,
          replace: (olds, replacement) => this.#segments.replace(olds, replacement),
          isStopping: () => this.#state !== 'open' || this.#offline !== null,
        })
        if (result.tombstonesRetained > 0) this.#compactionDue = true
        return result
      } catch (error) {
        // Damage in a closed segment stops compaction for this log (as Kafka marks it uncleanable);
        // a storage error takes the log offline.
        if (error instanceof SluiceError && error.code === 'CORRUPT_MESSAGE') {
          this.#compactionError = error
          return null
        }
        throw this.#goOffline(error, 'compacting', this.dir)
      }
    })
  }

  /** Applies new settings (the coordinator's AlterConfigs). */
  updateConfig(config: Partial<LogConfig>): void {
    this.#config = resolveLogConfig(config, this.#config)
    if (this.#config.flush !== 'always') this.#advanceHighWatermark(this.#logEndOffset)
    if (this.#state === 'open' && this.#offline === null) this.#schedule()
  }

  /** Flushes, writes indexes, a producer snapshot and a clean checkpoint, and closes the files. */
  async close(): Promise<void> {
    if (this.#state !== 'open') return
    this.#state = 'closing'
    this.#cancelTimers()
    this.#wakeReaders(false)
    while (this.#gate !== null) await this.#gate
    try {
      await this.#exclusive(async () => {
        if (this.#offline === null) await this.#checkpoint(true)
      })
    } finally {
      for (const segment of this.#segments.segments) await segment.close()
      this.#state = 'closed'
    }
  }

  /** Closes the log without a final checkpoint and removes its directory. */
  async delete(): Promise<void> {
    this.#state = 'closing'
    this.#cancelTimers()
    this.#wakeReaders(false)
    while (this.#gate !== null) await this.#gate
    await this.#exclusive(async () => {
      for (const segment of this.#segments.segments) await segment.close()
    })
    this.#state = 'closed'
    try {
      await this.#fs.rm(this.dir)
      await this.#fs.fsyncDir(parentOf(this.dir))
    } catch (error) {
      throw storageError(this.dir, 'deleting', this.dir, error)
    }
  }

  // ---- append helpers --------------------------------------------------------------------

  #checkUsable(): void {
    if (this.#offline !== null) throw this.#offline
    if (this.#state !== 'open') throw new SluiceError('CLOSED', `partition log ${this.dir} is closed`)
  }

  #needsRoll(bytes: number, offsetCount: number): boolean {
    const active = this.#segments.active
    if (active.size === 0) return false
    if (active.size + bytes > this.#config.segmentBytes) return true
    if (this.#logEndOffset + offsetCount - 1 - active.baseOffset > INT32_MAX) return true
    const nowMs = this.#clock.now()
    return nowMs - active.rollBaseMs(nowMs) >= this.#config.segmentMs
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
      this.#dirNeedsSync = true
      this.#background(old.persistIndexes(), 'writing the indexes of', old.logPath)
    })()
    this.#gate = rolling.then(() => { this.#gate = null }, () => { this.#gate = null })
    return rolling
  }

  /** Checks every idempotent batch; returns the duplicate's original offsets, or null to append. */
  #checkProducers(batches: Buffer): AppendResult | null {
    const pending: PendingSequences = new Map()
    let first: BatchMetadata | null = null
    let last: BatchMetadata | null = null
    let duplicates = 0
    let count = 0
    for (let pos = 0; pos < batches.length; pos += sizeOfBatchAt(batches, pos)) {
      count++
      const batch = producerBatch(batches, pos)
      if (batch === null) continue
      const original = this.#producers.check(batch, pending)
      if (original === null) continue
      duplicates++
      first ??= original
      last = original
    }
    if (duplicates === 0) return null
    if (duplicates !== count || first === null || last === null) {
      throw new SluiceError('DUPLICATE_SEQUENCE_NUMBER', `${duplicates} of the ${count} batches of this append were already appended`)
    }
    return { baseOffset: first.firstOffset, lastOffset: last.lastOffset, logAppendTime: -1, logStartOffset: this.#logStartOffset, duplicate: true }
  }

  #updateProducers(batches: Buffer): void {
    for (let pos = 0; pos < batches.length; pos += sizeOfBatchAt(batches, pos)) {
      const batch = producerBatch(batches, pos)
      if (batch === null) continue
      const base = readInt64(batches, pos)
      this.#producers.update(batch, base, base + batch.lastOffsetDelta, readInt64(batches, pos + OFFSET_MAX_TIMESTAMP))
    }
  }

  #advanceHighWatermark(offset: number): void {
    if (offset <= this.#highWatermark) return
    this.#highWatermark = offset
    if (this.#readWaiters.size === 0) return
    for (const waiter of this.#readWaiters) if (waiter.offset < offset) waiter.finish(true)
  }

  #wakeReaders(appended: boolean): void {
    for (const waiter of this.#readWaiters) waiter.finish(appended)
  }

  // ---- durability ------------------------------------------------------------------------

  /** One group-commit round: fsync every segment written since the last round (and the directory after a roll). */
  async #syncRound(): Promise<number> {
    const target = this.#logEndOffset
    if (this.#unsynced.size > 0 || this.#dirNeedsSync) {
      const segments = [...this.#unsynced]
      this.#unsynced.clear()
      const syncDir = this.#dirNeedsSync
      this.#dirNeedsSync = false
      const work: Promise<void>[] = segments.map((s) => s.sync().catch((error: unknown) => { throw this.#goOffline(error, 'fsyncing', s.logPath) }))
      if (syncDir) work.push(this.#fs.fsyncDir(this.dir).catch((error: unknown) => { throw this.#goOffline(error, 'fsyncing', this.dir) }))
      await Promise.all(work)
    }
    if (this.#config.flush === 'always') this.#advanceHighWatermark(target)
    return target
  }

  /**
   * Makes everything appended so far durable, then records it: index files, a producer snapshot
   * and the recovery checkpoint. Runs under #exclusive. `clean` marks a clean shutdown.
   */
  async #checkpoint(clean: boolean): Promise<number> {
    const active = this.#segments.active
    const target = this.#logEndOffset
    const position = active.size
    const logStartOffset = this.#logStartOffset
    if (!clean && target === this.#lastCheckpoint.offset && logStartOffset === this.#lastCheckpoint.logStartOffset) return active.baseOffset
    this.#producers.removeExpired(this.#clock.now(), this.#config.producerIdExpirationMs)
    const snapshot = this.#producers.serialize(target) // taken now: it describes exactly the offsets below target
    await this.#commit.waitFor(target)
    try {
      for (const segment of this.#segments.segments) if (!segment.indexesPersisted) await segment.persistIndexes()
      await this.#fs.writeFile(snapshotPath(this.dir, target), snapshot)
      await writeCheckpoint(this.#fs, this.dir, { recoveryPointOffset: target, segmentBaseOffset: active.baseOffset, position, logStartOffset, cleanShutdown: clean })
      this.#lastCheckpoint = { offset: target, logStartOffset }
      // Keep the two newest snapshots; recovery falls back to the older if the newer is damaged.
      const snapshots = (await this.#fs.readdir(this.dir)).map((n) => parseSegmentFileName(n, SNAPSHOT_SUFFIX)).filter((o): o is number => o !== null).sort((a, b) => b - a)
      for (const old of snapshots.slice(2)) await this.#fs.unlink(snapshotPath(this.dir, old))
    } catch (error) {
      throw this.#goOffline(error, 'checkpointing', this.dir)
    }
    return active.baseOffset
  }

  /** Deletes the `count` oldest segments: log start offset forward, checkpoint, then unlink. */
  async #deleteOldest(count: number): Promise<void> {
    const removed = this.#segments.removeOldest(count)
    for (const segment of removed) this.#unsynced.delete(segment)
    this.#logStartOffset = Math.max(this.#logStartOffset, this.#segments.first.baseOffset)
    await this.#checkpoint(false)
    try {
      for (const segment of removed) {
        segment.retire()
        await segment.deleteFiles()
      }
      await this.#fs.fsyncDir(this.dir)
    } catch (error) {
      throw this.#goOffline(error, 'deleting old segments of', this.dir)
    }
  }

  // ---- background work, timers, failure -------------------------------------------------

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#maintenance.then(work)
    this.#maintenance = run.catch(() => {}) // the caller gets the error from `run`
    return run
  }

  #background(work: Promise<unknown>, action: string, path: string): void {
    // Nobody awaits this: a failure is a storage error and takes the log offline, never a crash.
    work.catch((error: unknown) => this.#goOffline(error, action, path))
  }

  #schedule(): void {
    this.#cancelTimers()
    const config = this.#config
    if (config.flush === 'interval') this.#every('flush', config.flushIntervalMs, async () => this.#commit.request())
    this.#every('checkpoint', config.checkpointIntervalMs, () => this.#exclusive(() => this.#checkpoint(false)))
    if (config.cleanupPolicy.includes('delete')) this.#every('retention', config.retentionCheckIntervalMs, () => this.enforceRetention())
    if (config.cleanupPolicy.includes('compact')) {
      this.#every('compaction', config.compactionCheckIntervalMs, async () => {
        if (this.#compactionDue || this.#segments.segments.length > 1) await this.compact()
      })
    }
  }

  /** Runs `task` every `intervalMs` on the Clock, re-arming after it settles. */
  #every(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    const tick = (): void => {
      if (this.#state !== 'open' || this.#offline !== null) return
      void task().catch((error: unknown) => this.#goOffline(error, `running ${name} for`, this.dir)).finally(() => {
        if (this.#timers.get(name) === handle) arm()
      })
    }
    let handle: TimerHandle
    const arm = (): void => {
      handle = this.#clock.setTimeout(tick, intervalMs)
      this.#timers.set(name, handle)
    }
    arm()
  }

  #cancelTimers(): void {
    for (const timer of this.#timers.values()) timer.cancel()
    this.#timers.clear()
  }

  /** Takes the log offline (once) and returns the error every later call throws. */
  #goOffline(cause: unknown, action: string, path: string): SluiceError {
    if (this.#offline !== null) return this.#offline
    this.#offline = storageError(this.dir, action, path, cause)
    this.#commit.fail(this.#offline)
    this.#cancelTimers()
    this.#wakeReaders(false)
    return this.#offline
  }
}

/** The header fields idempotence needs, or null for a non-idempotent batch. */
function producerBatch(buf: Buffer, pos: number): ProducerBatch | null {
  const producerId = readInt64(buf, pos + OFFSET_PRODUCER_ID)
  if (producerId < 0) return null
  return {
    producerId,
    epoch: buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE),
    lastOffsetDelta: buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA),
    isControl: (buf.readInt16BE(pos + OFFSET_ATTRIBUTES) & CONTROL_FLAG) !== 0,
  }
}

function storageError(dir: string, action: string, path: string, cause: unknown): SluiceError {
  if (cause instanceof SluiceError && cause.code === 'KAFKA_STORAGE_ERROR') return cause
  const code = (cause as NodeJS.ErrnoException | null)?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  return new SluiceError('KAFKA_STORAGE_ERROR', `partition log ${dir} is offline: ${action} ${path} failed${code === undefined ? '' : ` (${code})`}: ${message}`, { cause })
}

function parentOf(dir: string): string {
  const trimmed = dir.replace(/\/+$/, '')
  const slash = trimmed.lastIndexOf('/')
  return slash <= 0 ? '/' : trimmed.slice(0, slash)
}
