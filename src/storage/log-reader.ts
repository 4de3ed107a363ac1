// Reading whole batches out of one segment: find the batch holding an offset (offset index, then a
// short header scan) and return it plus following batches up to a byte budget, as one slice of one
// large read (no per-batch copies, no per-batch awaits). Also the time-index lookup behind
// offsetForTimestamp. Nothing here decodes records; every batch handed out has its CRC re-checked,
// so a batch damaged on disk is never served. readLog and findOffsetForTimestamp walk the segments
// of a log, holding each one (Segment.acquire) across the awaits that read it.
import { SluiceError } from '../base/errors.ts'
import { BATCH_HEADER_BYTES, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAX_TIMESTAMP } from '../protocol/records/batch-header.ts'
import { batchBaseOffset, crcMatches, headerProblem, readInt64, sizeOfBatchAt } from './batch-scan.ts'
import type { Segment } from './segment.ts'
import type { SegmentSet } from './segment-set.ts'

/** Read size when scanning for a batch or a timestamp. */
const SCAN_BYTES = 64 * 1024

function corrupt(segment: Segment, position: number, reason: string): SluiceError {
  return new SluiceError('CORRUPT_MESSAGE', `${segment.logPath} position ${position}: ${reason}; the batch is damaged on disk and is not served`)
}

/**
 * Whole batches of `segment` starting with the one holding `offset` (or the first after it), at
 * least one batch and otherwise at most `maxBytes`, stopping before `highWatermark`. Null when
 * the segment has no such batch.
 */
export async function readSegment(segment: Segment, offset: number, maxBytes: number, highWatermark: number, indexIntervalBytes: number): Promise<Buffer | null> {
  const end = segment.size
  let chunkPosition = segment.offsetIndex.lookup(offset)
  if (chunkPosition >= end) return null
  // One read usually covers the scan from the index entry (< index interval + one batch) and the answer.
  let chunk = await segment.read(chunkPosition, Math.min(end - chunkPosition, maxBytes + indexIntervalBytes + SCAN_BYTES))
  let p = 0
  for (;;) {
    if (p + BATCH_HEADER_BYTES > chunk.length) {
      if (chunkPosition + p >= end) return null
      chunkPosition += p
      chunk = await segment.read(chunkPosition, Math.min(end - chunkPosition, Math.max(maxBytes, SCAN_BYTES)))
      p = 0
      if (chunk.length < BATCH_HEADER_BYTES) throw corrupt(segment, chunkPosition, 'file ends inside a batch header')
    }
    const problem = headerProblem(chunk, p)
    if (problem !== null) throw corrupt(segment, chunkPosition + p, problem)
    const base = batchBaseOffset(chunk, p)
    if (base >= highWatermark) return null
    if (base + chunk.readInt32BE(p + OFFSET_LAST_OFFSET_DELTA) >= offset) break
    p += sizeOfBatchAt(chunk, p)
  }
  // Collect whole batches from p: at least one, then while they fit in maxBytes.
  const start = p
  let q = p
  while (q + BATCH_HEADER_BYTES <= chunk.length) {
    const problem = headerProblem(chunk, q)
    if (problem !== null) throw corrupt(segment, chunkPosition + q, problem)
    const size = sizeOfBatchAt(chunk, q)
    if (q + size > chunk.length || batchBaseOffset(chunk, q) >= highWatermark) break
    if (q > start && q + size - start > maxBytes) break
    if (!crcMatches(chunk, q, size)) throw corrupt(segment, chunkPosition + q, `CRC-32C mismatch in batch ${batchBaseOffset(chunk, q)}`)
    q += size
  }
  if (q > start) return chunk.subarray(start, q)
  // The first batch is larger than what was read: read exactly it.
  const size = sizeOfBatchAt(chunk, start)
  const position = chunkPosition + start
  const batch = await segment.read(position, size)
  if (batch.length < size) throw corrupt(segment, position, 'file ends inside a batch')
  if (!crcMatches(batch, 0, size)) throw corrupt(segment, position, `CRC-32C mismatch in batch ${batchBaseOffset(batch, 0)}`)
  return batch
}

/**
 * Base offset of the first batch in `segment` whose maxTimestamp >= `timestamp` and that ends at
 * or after `fromOffset`, below the high watermark; null when there is none.
 */
export async function findTimestamp(segment: Segment, timestamp: number, fromOffset: number, highWatermark: number): Promise<number | null> {
  if (segment.maxTimestamp < timestamp) return null
  let position = segment.offsetIndex.lookup(Math.max(fromOffset, segment.timeIndex.lookup(timestamp)))
  const end = segment.size
  while (position < end) {
    const chunk = await segment.read(position, Math.min(end - position, SCAN_BYTES))
    let p = 0
    while (p + BATCH_HEADER_BYTES <= chunk.length) {
      const problem = headerProblem(chunk, p)
      if (problem !== null) throw corrupt(segment, position + p, problem)
      const base = batchBaseOffset(chunk, p)
      if (base >= highWatermark) return null
      const last = base + chunk.readInt32BE(p + OFFSET_LAST_OFFSET_DELTA)
      if (last >= fromOffset && readInt64(chunk, p + OFFSET_MAX_TIMESTAMP) >= timestamp) return base
      p += sizeOfBatchAt(chunk, p)
    }
    if (p === 0) throw corrupt(segment, position, 'file ends inside a batch header')
    position += p
  }
  return null
}

const EMPTY = Buffer.alloc(0)

/** What a read does with an error: rethrow a damage report, or take the log offline. */
export type ReadErrorHandler = (error: unknown, path: string) => never

/**
 * Whole batches from `offset` (the first may start before it) below `highWatermark`: at least one
 * batch, else up to `maxBytes`, from one segment (the next one when the first holds nothing at or
 * after `offset`, e.g. after compaction). Empty when there is nothing.
 */
export async function readLog(set: SegmentSet, offset: number, maxBytes: number, highWatermark: number, indexIntervalBytes: number, onError: ReadErrorHandler): Promise<Buffer> {
  let target = offset
  while (target < highWatermark) {
    // A fresh view each time round: retention or compaction may have changed the segments.
    const segments = set.segments
    const i = Math.max(0, set.floorIndex(target, segments))
    const segment = segments[i] as Segment
    segment.acquire()
    let records: Buffer | null = null
    try {
      records = await readSegment(segment, target, maxBytes, highWatermark, indexIntervalBytes)
    } catch (error) {
      onError(error, segment.logPath)
    } finally {
      segment.release()
    }
    if (records !== null) return records
    const next = segments[i + 1]
    if (next === undefined) break
    target = next.baseOffset
  }
  return EMPTY
}

/**
 * Offset of the first batch whose maxTimestamp >= `timestamp` (its base offset, or the log start
 * offset if that is later), or null when there is none below the high watermark.
 */
export async function findOffsetForTimestamp(set: SegmentSet, timestamp: number, logStartOffset: number, highWatermark: number, onError: ReadErrorHandler): Promise<number | null> {
  for (const segment of set.segments) {
    if (segment.maxTimestamp < timestamp || segment.nextOffset <= logStartOffset) continue
    segment.acquire()
    try {
      const found = await findTimestamp(segment, timestamp, logStartOffset, highWatermark)
      if (found !== null) return Math.max(found, logStartOffset)
    } catch (error) {
      onError(error, segment.logPath)
    } finally {
      segment.release()
    }
  }
  return null
}
