// Walking record batches v2 by their headers, in memory and in segment files, without decoding
// records: the header sanity checks shared by append, read and recovery, and `walkBatches`, the
// chunked reader that recovery, index rebuilding, producer-state replay and compaction use to visit
// every batch of a file range. Header fields and layout are in protocol/records/batch-header.ts.
import {
  BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, MAGIC_V2, OFFSET_ATTRIBUTES, OFFSET_BASE_OFFSET, OFFSET_BATCH_LENGTH,
  OFFSET_CRC, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAGIC, OFFSET_RECORD_COUNT,
} from '../protocol/records/batch-header.ts'
import { crc32c } from '../base/crc32c.ts'
import type { FileHandle } from './fs.ts'

/** Reads a big-endian int64 as a number; exact below 2^53 (offsets, timestamps), no BigInt on the hot path. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4)
}

/** Writes a safe integer as a big-endian int64 (no BigInt allocation). */
export function writeInt64(buf: Buffer, value: number, pos: number): void {
  const high = Math.floor(value / 4294967296)
  buf.writeInt32BE(high, pos)
  buf.writeUInt32BE(value - high * 4294967296, pos + 4)
}

/** Base offset of the batch at `pos`. */
export function batchBaseOffset(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + OFFSET_BASE_OFFSET)
}

/**
 * What is wrong with the header of the batch at `pos` (whose 61 header bytes are in `buf`), or null
 * when it is sane: length, magic, offset delta and count. Says nothing about the CRC or whether the
 * whole batch is present.
 */
export function headerProblem(buf: Buffer, pos: number): string | null {
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH)
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) return `batchLength ${batchLength} is below the 49-byte minimum`
  const magic = buf.readInt8(pos + OFFSET_MAGIC)
  if (magic !== MAGIC_V2) return `magic ${magic}, expected ${MAGIC_V2}`
  const lastOffsetDelta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA)
  if (lastOffsetDelta < 0) return `lastOffsetDelta ${lastOffsetDelta} is negative`
  const recordCount = buf.readInt32BE(pos + OFFSET_RECORD_COUNT)
  if (recordCount < 0) return `recordCount ${recordCount} is negative`
  const baseOffset = readInt64(buf, pos + OFFSET_BASE_OFFSET)
  if (baseOffset < 0 || baseOffset > Number.MAX_SAFE_INTEGER) return `baseOffset ${baseOffset} out of range`
  return null
}

/** True if the CRC-32C stored in the batch at `pos` (whole in `buf`) matches its bytes. */
export function crcMatches(buf: Buffer, pos: number, size: number): boolean {
  return buf.readUInt32BE(pos + OFFSET_CRC) === crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + size))
}

/** Total size of the batch at `pos` from its batchLength field. */
export function sizeOfBatchAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + OFFSET_BATCH_LENGTH) + BATCH_LOG_OVERHEAD
}

/** Options of walkBatches. */
export interface WalkOptions {
  /** First byte position to visit; a batch must start there. */
  from: number
  /** End of the range (usually the file size). */
  to: number
  /** Batches starting at or after this position get their CRC verified (Infinity: none). */
  crcFrom: number
  /** Hand onBatch whole batches even where no CRC is verified (compaction). */
  wholeBatches?: boolean
  /** Each batch's baseOffset must be >= this (the previous batch's last offset + 1). */
  nextOffset: number
  /** The segment's base offset: relative offsets must fit an int32. */
  segmentBaseOffset: number
  /** Each batch's last offset must be below this (the next segment's base offset). */
  offsetLimit?: number
  /**
   * Batches starting at or after this position must continue exactly at `nextOffset` (no gap). The
   * log's tail is always contiguous (gaps only come from compaction, which stays below the
   * checkpoint), and baseOffset is not covered by the CRC: this is what catches a damaged one.
   */
  contiguousFrom?: number
  /**
   * Called for each valid batch with a view of at least its header (the whole batch when its CRC was
   * verified or wholeBatches is set). The view is reused: copy what must outlive the call.
   */
  onBatch?: (buf: Buffer, pos: number, filePosition: number, size: number) => void
  /** Read size; default 4 MiB for CRC or whole-batch walks, 64 KiB for header walks. */
  chunkBytes?: number
}

/** Where a walk stopped and why. */
export interface WalkResult {
  /** Position after the last valid batch. */
  end: number
  /** Last offset of the last valid batch + 1 (or the `nextOffset` given). */
  nextOffset: number
  /** Why the walk stopped before `to`, or null if it reached it. */
  problem: string | null
  /** Valid batches visited. */
  batches: number
}

/**
 * Visits the batches of `handle` in [from, to) in order, reading large chunks, and stops at the
 * first torn, insane or (where checked) corrupt batch, reporting why. Never throws for bad bytes:
 * recovery truncates at `end`. Storage errors from the handle are thrown.
 */
export async function walkBatches(handle: FileHandle, options: WalkOptions): Promise<WalkResult> {
  const { to, crcFrom, segmentBaseOffset } = options
  const offsetLimit = options.offsetLimit ?? Number.MAX_SAFE_INTEGER
  const contiguousFrom = options.contiguousFrom ?? Infinity
  const whole = options.wholeBatches === true
  const chunkBytes = options.chunkBytes ?? (whole || crcFrom < to ? 4 * 1024 * 1024 : 64 * 1024)
  let chunk = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(BATCH_HEADER_BYTES, to - options.from)))
  let chunkStart = 0
  let chunkLength = 0
  let pos = options.from
  let nextOffset = options.nextOffset
  let batches = 0

  /** Makes [start, start + length) present in `chunk`; false if the file is shorter than that. */
  const ensure = async (start: number, length: number): Promise<boolean> => {
    if (start >= chunkStart && start + length <= chunkStart + chunkLength) return true
    const want = Math.min(Math.max(length, chunkBytes), to - start)
    if (chunk.length < want) chunk = Buffer.allocUnsafe(want)
    let filled = 0
    while (filled < want) {
      const count = await handle.read(chunk, filled, want - filled, start + filled)
      if (count === 0) break
      filled += count
    }
    chunkStart = start
    chunkLength = filled
    return filled >= length
  }

  const stop = (problem: string): WalkResult => ({ end: pos, nextOffset, problem: `${problem} at position ${pos}`, batches })

  while (pos < to) {
    const remaining = to - pos
    if (remaining < BATCH_HEADER_BYTES) return stop(`torn batch header (${remaining} bytes left)`)
    if (!(await ensure(pos, BATCH_HEADER_BYTES))) return stop('file ends inside a batch header')
    let at = pos - chunkStart
    const problem = headerProblem(chunk, at)
    if (problem !== null) return stop(`invalid batch header: ${problem}`)
    const size = sizeOfBatchAt(chunk, at)
    if (size > remaining) return stop(`torn batch (${size} bytes, ${remaining} left)`)
    const baseOffset = batchBaseOffset(chunk, at)
    const lastOffset = baseOffset + chunk.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA)
    if (baseOffset < nextOffset) return stop(`baseOffset ${baseOffset} below the expected ${nextOffset}`)
    if (baseOffset !== nextOffset && pos >= contiguousFrom) return stop(`baseOffset ${baseOffset} where ${nextOffset} was expected`)
    if (lastOffset - segmentBaseOffset > 0x7fffffff) return stop(`offset ${lastOffset} too far from segment base ${segmentBaseOffset}`)
    if (lastOffset >= offsetLimit) return stop(`offset ${lastOffset} overlaps the next segment (base ${offsetLimit})`)
    const verify = pos >= crcFrom
    if (verify || whole) {
      if (!(await ensure(pos, size))) return stop('file ends inside a batch')
      at = pos - chunkStart
      if (verify && !crcMatches(chunk, at, size)) return stop(`CRC-32C mismatch in batch ${baseOffset}`)
    }
    options.onBatch?.(chunk, at, pos, size)
    nextOffset = lastOffset + 1
    pos += size
    batches++
  }
  return { end: pos, nextOffset, problem: null, batches }
}
