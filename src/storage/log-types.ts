// The shapes PartitionLog (partition-log.ts) takes and returns: open options, append and read
// results, and the description used by describe-log-dirs and metrics.
import type { Clock } from '../base/clock.ts'
import type { SluiceError } from '../base/errors.ts'
import type { Fs } from './fs.ts'
import type { LogConfig } from './log-config.ts'

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

/** A snapshot of a log's state (PartitionLog.describe). */
export interface LogDescription {
  dir: string
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  /** Total bytes of the segment files. */
  sizeBytes: number
  /** Base offsets of the segments, oldest first (the last is active). */
  segmentBaseOffsets: number[]
  /** fsync rounds so far (group commit: far fewer than appends under flush 'always'). */
  fsyncRounds: number
  /** The error that took the log offline, if any. */
  offlineError: SluiceError | null
  /** Why compaction stopped (a damaged closed segment), if it did. */
  compactionError: SluiceError | null
}
