// One segment of a partition log: `<20-digit base offset>.log` holding whole record batches back to
// back, with its sparse indexes (`.index`, `.timeindex`: offset-index.ts, time-index.ts) kept in
// memory and written on roll, close and checkpoint. A segment knows its size, next offset and
// largest timestamp; the log (partition-log.ts) decides when to roll, recovery.ts rebuilds a
// segment's state from its bytes. Segments are shared by concurrent readers: `acquire`/`release`
// count them, and a retired segment (deleted by retention, replaced by compaction) closes its
// file only once the last reader is done, so a read never races a close.
import { assert } from '../base/assert.ts'
import { OFFSET_LAST_OFFSET_DELTA, OFFSET_MAX_TIMESTAMP } from '../protocol/records/batch-header.ts'
import { batchBaseOffset, readInt64, sizeOfBatchAt } from './batch-scan.ts'
import type { FileHandle, Fs } from './fs.ts'
import { OffsetIndex } from './offset-index.ts'
import { TimeIndex } from './time-index.ts'

/** Suffix of a segment's log file. */
export const LOG_SUFFIX = '.log'
/** Suffix of a segment's offset index (offset-index.ts). */
export const INDEX_SUFFIX = '.index'
/** Suffix of a segment's time index (time-index.ts). */
export const TIME_INDEX_SUFFIX = '.timeindex'

/** `00000000000000000042` + suffix: Kafka's file name for a segment starting at offset 42. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`
}

/** The base offset in a `<20 digits><suffix>` file name, or null when the name is not one. */
export function parseSegmentFileName(name: string, suffix: string): number | null {
  if (name.length !== 20 + suffix.length || !name.endsWith(suffix)) return null
  const digits = name.slice(0, 20)
  return /^\d{20}$/.test(digits) ? Number(digits) : null
}

/** One log file and its in-memory indexes. */
export class Segment {
  readonly baseOffset: number
  readonly dir: string
  readonly #fs: Fs
  readonly #handle: FileHandle
  readonly #indexIntervalBytes: number
  #size: number
  #nextOffset: number
  #maxTimestamp = -1
  #offsetOfMaxTimestamp = -1
  #offsetIndex: OffsetIndex
  #timeIndex: TimeIndex
  #bytesSinceIndexEntry = 0
  #rollBaseMs: number | null = null
  #refs = 0
  #retired = false
  #closing: Promise<void> | null = null
  #drained: (() => void) | null = null
  #persisting: Promise<void> = Promise.resolve()
  /** Log size the index files on disk describe (-1: none or unknown). */
  #persistedLogBytes = -1

  private constructor(fs: Fs, dir: string, baseOffset: number, handle: FileHandle, size: number, indexIntervalBytes: number) {
    this.#fs = fs
    this.dir = dir
    this.baseOffset = baseOffset
    this.#handle = handle
    this.#size = size
    this.#nextOffset = baseOffset
    this.#indexIntervalBytes = indexIntervalBytes
    this.#offsetIndex = new OffsetIndex(baseOffset)
    this.#timeIndex = new TimeIndex(baseOffset)
  }

  /**
   * Creates an empty segment file (replacing any leftover of a failed roll). Compaction passes a
   * `suffix` to write `<base>.log.cleaned`; the paths below always name the final files.
   */
  static async create(fs: Fs, dir: string, baseOffset: number, indexIntervalBytes: number, suffix = LOG_SUFFIX): Promise<Segment> {
    const handle = await fs.open(`${dir}/${segmentFileName(baseOffset, suffix)}`, 'create')
    try {
      await handle.truncate(0)
    } catch (error) {
      await handle.close().catch(() => {}) // the truncate error is the one worth reporting
      throw error
    }
    return new Segment(fs, dir, baseOffset, handle, 0, indexIntervalBytes)
  }

  /** Opens an existing segment file; its indexes and extent are then set up by recovery. */
  static async open(fs: Fs, dir: string, baseOffset: number, indexIntervalBytes: number, fileName = segmentFileName(baseOffset, LOG_SUFFIX)): Promise<Segment> {
    const handle = await fs.open(`${dir}/${fileName}`, 'read-write')
    let size: number
    try {
      size = await handle.size()
    } catch (error) {
      await handle.close().catch(() => {}) // the stat error is the one worth reporting
      throw error
    }
    return new Segment(fs, dir, baseOffset, handle, size, indexIntervalBytes)
  }

  get logPath(): string {
    return `${this.dir}/${segmentFileName(this.baseOffset, LOG_SUFFIX)}`
  }

  get indexPath(): string {
    return `${this.dir}/${segmentFileName(this.baseOffset, INDEX_SUFFIX)}`
  }

  get timeIndexPath(): string {
    return `${this.dir}/${segmentFileName(this.baseOffset, TIME_INDEX_SUFFIX)}`
  }

  /** The open file (for recovery and compaction walks). */
  get handle(): FileHandle {
    return this.#handle
  }

  /** Bytes of whole batches in the log file. */
  get size(): number {
    return this.#size
  }

  /** Last offset of the last batch + 1; the base offset when empty. */
  get nextOffset(): number {
    return this.#nextOffset
  }

  /** Largest batch maxTimestamp in the segment, -1 when none. */
  get maxTimestamp(): number {
    return this.#maxTimestamp
  }

  get offsetIndex(): OffsetIndex {
    return this.#offsetIndex
  }

  get timeIndex(): TimeIndex {
    return this.#timeIndex
  }

  /** Time of this process's first append to the segment (or of its opening): segment.ms counts from it. */
  rollBaseMs(nowMs: number): number {
    return (this.#rollBaseMs ??= nowMs)
  }

  /**
   * Writes batches that are validated and carry their final offsets, then indexes them. One write
   * for the whole buffer; throws the Fs error (the caller takes the log offline).
   */
  append(buf: Buffer, nowMs: number): void {
    assert(!this.#retired, `append to retired segment ${this.baseOffset}`)
    this.#handle.write(buf, 0, buf.length, this.#size)
    this.#rollBaseMs ??= nowMs
    let pos = 0
    while (pos < buf.length) {
      const size = sizeOfBatchAt(buf, pos)
      const base = batchBaseOffset(buf, pos)
      this.indexBatch(this.#size + pos, size, base, base + buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA), readInt64(buf, pos + OFFSET_MAX_TIMESTAMP))
      pos += size
    }
    this.#size += buf.length
  }

  /**
   * Records one batch (at `position`, `size` bytes) in the indexes, Kafka's way: an offset index
   * entry when more than index.interval.bytes were written since the last one, and a time index
   * entry at the same points when the largest timestamp grew.
   */
  indexBatch(position: number, size: number, baseOffset: number, lastOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.#maxTimestamp) {
      this.#maxTimestamp = maxTimestamp
      this.#offsetOfMaxTimestamp = baseOffset
    }
    if (this.#bytesSinceIndexEntry > this.#indexIntervalBytes) {
      this.#offsetIndex.append(baseOffset, position)
      if (this.#maxTimestamp >= 0) this.#timeIndex.maybeAppend(this.#maxTimestamp, this.#offsetOfMaxTimestamp)
      this.#bytesSinceIndexEntry = 0
    }
    this.#bytesSinceIndexEntry += size
    this.#nextOffset = lastOffset + 1
  }

  /**
   * Recovery: keeps the loaded index entries before byte `position` and returns where to walk the
   * log from to rebuild the rest (the last kept entry's batch, or 0).
   */
  rewindIndexes(position: number): number {
    this.#offsetIndex.truncateToPosition(position)
    const entry = this.#offsetIndex.lastPosition
    if (entry < 0) {
      this.#offsetIndex = new OffsetIndex(this.baseOffset)
      this.#timeIndex = new TimeIndex(this.baseOffset)
      this.#maxTimestamp = -1
      this.#offsetOfMaxTimestamp = -1
      this.#bytesSinceIndexEntry = 0
      this.#nextOffset = this.baseOffset
      return 0
    }
    // The walk re-visits the batch at `entry`; entries up to its offset stay, later ones are redone.
    this.#timeIndex.truncateAfterOffset(this.#offsetIndex.lastOffset)
    this.#maxTimestamp = this.#timeIndex.lastTimestamp
    this.#offsetOfMaxTimestamp = this.#timeIndex.lastOffset
    this.#bytesSinceIndexEntry = 0
    this.#nextOffset = this.#offsetIndex.lastOffset
    return entry
  }

  /** Recovery: replaces the indexes with ones loaded from files (validated by the caller). */
  setIndexes(offsetIndex: OffsetIndex, timeIndex: TimeIndex): void {
    this.#offsetIndex = offsetIndex
    this.#timeIndex = timeIndex
  }

  /** Compaction: the segment stands for offsets up to `nextOffset` (those of the segments it replaces). */
  coverOffsetsUpTo(nextOffset: number): void {
    if (nextOffset > this.#nextOffset) this.#nextOffset = nextOffset
  }

  /** Cuts the file to `size` bytes and makes the cut durable (recovery of a torn tail). */
  async truncate(size: number): Promise<void> {
    await this.#handle.truncate(size)
    await this.#handle.sync()
    this.#size = size
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length)
    let filled = 0
    while (filled < length) {
      const count = await this.#handle.read(out, filled, length - filled, position + filled)
      if (count === 0) break
      filled += count
    }
    return filled === length ? out : out.subarray(0, filled)
  }

  /** fsyncs the log file. */
  async sync(): Promise<void> {
    this.acquire()
    try {
      await this.#handle.sync()
    } finally {
      this.release()
    }
  }

  /** True when the index files on disk describe the log as it is now. */
  get indexesPersisted(): boolean {
    return this.#persistedLogBytes === this.#size
  }

  /** Records that the index files on disk match the current state (recovery, compaction). */
  markIndexesPersisted(): void {
    this.#persistedLogBytes = this.#size
  }

  /** Writes both index files (atomically each); calls are serialised so the newest wins. */
  persistIndexes(): Promise<void> {
    const logBytes = this.#size
    const offsetBytes = this.#offsetIndex.serialize(logBytes, this.#nextOffset)
    const timeBytes = this.#timeIndex.serialize(logBytes)
    const next = this.#persisting.then(async () => {
      await this.#fs.writeFile(this.indexPath, offsetBytes)
      await this.#fs.writeFile(this.timeIndexPath, timeBytes)
      this.#persistedLogBytes = logBytes
    })
    // The chain must survive a failed write: the caller gets the error from `next`.
    this.#persisting = next.catch(() => {})
    return next
  }

  /** Resolves once index writes already started are done (before deleting the files). */
  async settled(): Promise<void> {
    await this.#persisting
  }

  /** The segment stops taking appends: its largest timestamp goes into the time index (Kafka does the same). */
  seal(): void {
    if (this.#maxTimestamp < 0 || this.#maxTimestamp <= this.#timeIndex.lastTimestamp) return
    this.#timeIndex.maybeAppend(this.#maxTimestamp, this.#offsetOfMaxTimestamp)
    this.#persistedLogBytes = -1
  }

  /** Counts a reader; the file stays open until every reader has released it. */
  acquire(): void {
    this.#refs++
  }

  /** Ends a read started with acquire. */
  release(): void {
    assert(this.#refs > 0, `segment ${this.baseOffset} released more than acquired`)
    this.#refs--
    if (this.#refs === 0 && this.#retired) void this.#closeOnce()
  }

  /** Takes the segment out of service: it closes once its readers are done. */
  retire(): void {
    this.#retired = true
    if (this.#refs === 0) void this.#closeOnce()
  }

  /** Closes the file once its readers are done (log close); waits for an earlier close. */
  async close(): Promise<void> {
    this.#retired = true
    await this.#persisting
    if (this.#refs > 0) await new Promise<void>((resolve) => { this.#drained = resolve })
    await this.#closeOnce()
  }

  #closeOnce(): Promise<void> {
    // A close error on a retired file has no one to report to and cannot lose data: swallow it.
    this.#closing ??= this.#handle.close().catch(() => {})
    const drained = this.#drained
    this.#drained = null
    drained?.()
    return this.#closing
  }

  /** Removes the segment's files (the caller has taken it out of the log). */
  async deleteFiles(): Promise<void> {
    for (const path of [this.logPath, this.indexPath, this.timeIndexPath]) {
      try {
        await this.#fs.unlink(path)
      } catch (error) {
        // An index that was never written is fine to miss; anything else is a storage error.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
  }
}
