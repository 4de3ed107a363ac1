// Log compaction for cleanup.policy=compact, as Kafka's LogCleaner (simplified): over the closed
// segments that lie wholly below the recovery checkpoint, keep only the latest record per key and
// drop tombstones (null values) older than delete.retention.ms. Records keep their offsets
// (rewritten batches keep their base offset; gaps are fine), control batches are kept as they are,
// records without a key are kept (the coordinator rejects them at produce). Adjacent small segments
// are merged up to segment.bytes.
//
// Runs in the background under the log's maintenance lock (partition-log.ts): appends go on to the
// active segment, which is never touched. A group of segments is replaced in three durable steps,
// as Kafka does: write `<base>.log.cleaned` (+ indexes) and fsync; rename them to `.swap` and fsync
// the directory — the commit point, after which recovery.ts finishes the swap after a crash; then
// install the new segment in memory, delete the old files and rename `.swap` to the final names.
// The new offset index records the end of the replaced offset range, so recovery knows which old
// segments a swap replaces even when compaction left it (nearly) empty.
// Readers that hold an old segment keep reading its (unlinked) file until they release it.
//
// Differences from Kafka, on purpose for now: the key → offset map holds every key of the cleaned
// range in memory (Kafka bounds it with a dedupe buffer); the tombstone horizon is the record's
// timestamp plus delete.retention.ms (Kafka >= 3.0 stamps a delete horizon into the batch on the
// first pass); emptied batches are dropped, so producer state is not rebuilt from compacted
// segments (it comes from snapshots, which are never older than the recovery checkpoint).
import type { Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import {
  CONTROL_FLAG, COMPRESSION_MASK, OFFSET_ATTRIBUTES, OFFSET_BASE_SEQUENCE, OFFSET_BASE_TIMESTAMP, OFFSET_LEADER_EPOCH,
  OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID, TIMESTAMP_TYPE_FLAG, TRANSACTIONAL_FLAG,
} from '../protocol/records/batch-header.ts'
import { RecordBatchBuilder } from '../protocol/records/record-batch-builder.ts'
import { forEachRecord } from '../protocol/records/record-batch-reader.ts'
import type { RecordInput } from '../protocol/records/record.ts'
import { batchBaseOffset, readInt64, walkBatches } from './batch-scan.ts'
import type { Fs } from './fs.ts'
import type { LogConfig } from './log-config.ts'
import { CLEANED_SUFFIX, SWAP_SUFFIX } from './recovery.ts'
import { INDEX_SUFFIX, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX, segmentFileName } from './segment.ts'

/** What compaction needs from the log it cleans. */
export interface CompactionHost {
  readonly fs: Fs
  readonly dir: string
  readonly config: LogConfig
  readonly clock: Clock
  /** Flushes and checkpoints; resolves with the base offset of the segment holding the recovery point. */
  checkpoint(): Promise<number>
  /** The log's current segments, oldest first (the last is active). */
  segments(): readonly Segment[]
  /** Installs `replacement` in place of the contiguous run `olds`. */
  replace(olds: readonly Segment[], replacement: Segment): void
  /** True once the log is closing: stop between groups. */
  isStopping(): boolean
}

/** What one compaction pass did. */
export interface CompactionResult {
  segmentsCompacted: number
  segmentsWritten: number
  recordsRemoved: number
  tombstonesRemoved: number
  /** Tombstones kept because they are younger than delete.retention.ms: a later pass may remove them. */
  tombstonesRetained: number
  bytesBefore: number
  bytesAfter: number
}

/** Bytes of output gathered before one write to the cleaned segment. */
const WRITE_BYTES = 1024 * 1024

/** Runs one compaction pass over the eligible closed segments of a log. */
export async function compactLog(host: CompactionHost): Promise<CompactionResult> {
  const result: CompactionResult = { segmentsCompacted: 0, segmentsWritten: 0, recordsRemoved: 0, tombstonesRemoved: 0, tombstonesRetained: 0, bytesBefore: 0, bytesAfter: 0 }
  const { config } = host
  const nowMs = host.clock.now()
  const checkpointBase = await host.checkpoint()
  const eligible: Segment[] = []
  for (const segment of host.segments().slice(0, -1)) {
    if (segment.baseOffset >= checkpointBase) break
    if (config.minCompactionLagMs > 0 && segment.maxTimestamp >= 0 && nowMs - segment.maxTimestamp < config.minCompactionLagMs) break
    eligible.push(segment)
  }
  if (eligible.length === 0) return result

  // Pass 1: the offset of the latest record of every key (latin1 maps bytes 1:1 to a string).
  const latest = new Map<string, number>()
  for (const segment of eligible) {
    await walkWhole(segment, (buf, at) => {
      if (isControlBatch(buf, at)) return
      forEachRecord(buf, at, (offset, _timestamp, key) => {
        if (key !== null) latest.set(key.toString('latin1'), offset)
      })
    })
  }

  // Pass 2: rewrite each group of adjacent segments.
  const tombstoneHorizonMs = nowMs - config.deleteRetentionMs
  for (const group of groupSegments(eligible, config.segmentBytes)) {
    if (host.isStopping()) break
    const base = (group[0] as Segment).baseOffset
    const out = await Segment.create(host.fs, host.dir, base, config.indexIntervalBytes, LOG_SUFFIX + CLEANED_SUFFIX)
    let removed = 0
    let pending: Buffer[] = []
    let pendingBytes = 0
    const emit = (batch: Buffer): void => {
      pending.push(batch)
      pendingBytes += batch.length
      if (pendingBytes >= WRITE_BYTES) flushPending()
    }
    const flushPending = (): void => {
      if (pendingBytes === 0) return
      out.append(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes), nowMs)
      pending = []
      pendingBytes = 0
    }
    const cleanedPath = `${host.dir}/${segmentFileName(base, LOG_SUFFIX)}${CLEANED_SUFFIX}`
    try {
      for (const segment of group) {
        result.bytesBefore += segment.size
        await walkWhole(segment, (buf, at, size) => {
          if (isControlBatch(buf, at)) {
            emit(Buffer.from(buf.subarray(at, at + size))) // copy: the walk reuses its buffer
            return
          }
          const batchBase = batchBaseOffset(buf, at)
          const kept: RecordInput[] = []
          let count = 0
          forEachRecord(buf, at, (offset, timestamp, key, value, headers) => {
            count++
            if (key !== null) {
              if (latest.get(key.toString('latin1')) !== offset) return
              if (value === null) {
                if (timestamp < tombstoneHorizonMs) {
                  result.tombstonesRemoved++
                  return
                }
                result.tombstonesRetained++
              }
            }
            kept.push({ key, value, headers, timestamp, offsetDelta: offset - batchBase })
          })
          removed += count - kept.length
          if (kept.length === count) emit(Buffer.from(buf.subarray(at, at + size)))
          else if (kept.length > 0) emit(rebuild(buf, at, batchBase, kept))
        })
      }
      flushPending()
    } catch (error) {
      // The original error is the one to report; a .cleaned file left behind is removed on open.
      await out.close()
      await host.fs.rm(cleanedPath).catch(() => {})
      throw error
    }
    out.coverOffsetsUpTo((group[group.length - 1] as Segment).nextOffset)
    result.recordsRemoved += removed
    if (removed === 0 && group.length === 1) {
      // Nothing to gain: keep the original, drop the copy.
      await out.close()
      await host.fs.unlink(cleanedPath)
      result.bytesAfter += (group[0] as Segment).size
      continue
    }
    await swapIn(host, group, out)
    result.segmentsCompacted += group.length
    result.segmentsWritten++
    result.bytesAfter += out.size
  }
  return result
}

/** Replaces `group` with `out` durably (see the file comment for the steps and their crash safety). */
async function swapIn(host: CompactionHost, group: readonly Segment[], out: Segment): Promise<void> {
  const { fs, dir } = host
  const name = (suffix: string): string => `${dir}/${segmentFileName(out.baseOffset, suffix)}`
  await out.handle.sync()
  out.seal()
  await fs.writeFile(name(INDEX_SUFFIX) + CLEANED_SUFFIX, out.offsetIndex.serialize(out.size, out.nextOffset))
  await fs.writeFile(name(TIME_INDEX_SUFFIX) + CLEANED_SUFFIX, out.timeIndex.serialize(out.size))
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX]) await fs.rename(name(suffix) + CLEANED_SUFFIX, name(suffix) + SWAP_SUFFIX)
  await fs.fsyncDir(dir) // commit point: from here recovery finishes the swap
  host.replace(group, out)
  for (const old of group) old.retire()
  for (const old of group.slice(1)) await old.deleteFiles()
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX]) await fs.rename(name(suffix) + SWAP_SUFFIX, name(suffix))
  await fs.fsyncDir(dir)
  out.markIndexesPersisted()
}

/** Adjacent segments whose combined size fits segment.bytes and whose offsets fit one segment. */
function groupSegments(segments: readonly Segment[], segmentBytes: number): Segment[][] {
  const groups: Segment[][] = []
  let current: Segment[] = []
  let bytes = 0
  for (const segment of segments) {
    const first = current[0]
    if (first !== undefined && (bytes + segment.size > segmentBytes || segment.nextOffset - first.baseOffset > 0x7fffffff)) {
      groups.push(current)
      current = []
      bytes = 0
    }
    current.push(segment)
    bytes += segment.size
  }
  if (current.length > 0) groups.push(current)
  return groups
}

/** A batch with only `kept` records: same base offset, producer fields, codec and timestamp type. */
function rebuild(buf: Buffer, at: number, baseOffset: number, kept: RecordInput[]): Buffer {
  const attributes = buf.readInt16BE(at + OFFSET_ATTRIBUTES)
  const builder = new RecordBatchBuilder({
    baseOffset,
    baseTimestamp: readInt64(buf, at + OFFSET_BASE_TIMESTAMP),
    compression: attributes & COMPRESSION_MASK,
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG) !== 0 ? 'LogAppendTime' : 'CreateTime',
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    producerId: readInt64(buf, at + OFFSET_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + OFFSET_BASE_SEQUENCE),
    partitionLeaderEpoch: buf.readInt32BE(at + OFFSET_LEADER_EPOCH),
  })
  for (const record of kept) builder.add(record)
  return builder.build()
}

function isControlBatch(buf: Buffer, at: number): boolean {
  return (buf.readInt16BE(at + OFFSET_ATTRIBUTES) & CONTROL_FLAG) !== 0
}

/** Visits every whole batch of a closed segment; damage there (below the checkpoint) is an error. */
async function walkWhole(segment: Segment, onBatch: (buf: Buffer, at: number, size: number) => void): Promise<void> {
  const walk = await walkBatches(segment.handle, {
    from: 0,
    to: segment.size,
    crcFrom: 0,
    wholeBatches: true,
    nextOffset: segment.baseOffset,
    segmentBaseOffset: segment.baseOffset,
    onBatch: (buf, at, _position, size) => onBatch(buf, at, size),
  })
  if (walk.problem !== null) throw new SluiceError('CORRUPT_MESSAGE', `compaction stopped: ${segment.logPath}: ${walk.problem}`)
}
