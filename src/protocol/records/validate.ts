// Integrity checks for record batches v2, as the log runs them on every append and on recovery:
// `validateBatch` reads only the header and the CRC (no record decoding: the produce path never
// decodes records), `validateRecords` also decodes every record, for the broker's deeper checks.
// Both return a result instead of throwing, because a bad batch is an expected outcome with a
// Kafka error code, on a path that runs once per batch.
import { assert } from '../../base/assert.ts'
import type { ErrorCode } from '../../base/errors.ts'
import { isSluiceError } from '../../base/errors.ts'
import { crc32c } from '../../base/crc32c.ts'
import {
  BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, COMPRESSION_MASK, MAGIC_V2, OFFSET_ATTRIBUTES, OFFSET_BATCH_LENGTH,
  OFFSET_CRC, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAGIC, OFFSET_RECORD_COUNT,
} from './batch-header.ts'
import { isKnownCodec } from './compression.ts'
import { forEachRecord, type ReadOptions } from './record-batch-reader.ts'

/** The outcome of validating one batch: ok, or a Kafka error name and a message for logs. */
export type BatchValidation = { ok: true } | { ok: false; code: ErrorCode; message: string }

/** What the caller knows about the batch's origin and size limit. */
export interface ValidateOptions {
  /** Batches larger than this fail with MESSAGE_TOO_LARGE (Kafka's max.message.bytes). */
  maxBatchBytes: number
  /**
   * Require recordCount == lastOffsetDelta + 1, as every producer batch has; leave false for
   * batches from the log, where compaction may have removed records from a batch.
   */
  isProducerBatch?: boolean
}

const OK: BatchValidation = Object.freeze({ ok: true })

/** Checks the batch at buf[pos, end): header bounds, magic, CRC, codec and offset/count fields. */
export function validateBatch(buf: Buffer, pos: number, end: number, options: ValidateOptions): BatchValidation {
  assert(pos >= 0 && end <= buf.length, `range [${pos}, ${end}) is outside the ${buf.length}-byte buffer`)
  const available = end - pos
  if (available < BATCH_HEADER_BYTES) {
    return fail('CORRUPT_MESSAGE', `${available} bytes at position ${pos} cannot hold a batch header`)
  }
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH)
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) {
    return fail('CORRUPT_MESSAGE', `batch at position ${pos} has batchLength ${batchLength}`)
  }
  const size = batchLength + BATCH_LOG_OVERHEAD
  if (size > available) {
    return fail('CORRUPT_MESSAGE', `batch at position ${pos} needs ${size} bytes, ${available} remain (truncated)`)
  }
  if (size > options.maxBatchBytes) {
    return fail('MESSAGE_TOO_LARGE', `batch of ${size} bytes exceeds the ${options.maxBatchBytes}-byte limit`)
  }
  const magic = buf.readInt8(pos + OFFSET_MAGIC)
  if (magic !== MAGIC_V2) {
    return fail(magic === 0 || magic === 1 ? 'UNSUPPORTED_FOR_MESSAGE_FORMAT' : 'CORRUPT_MESSAGE',
      `batch at position ${pos} has magic ${magic}, expected ${MAGIC_V2}`)
  }
  const stored = buf.readUInt32BE(pos + OFFSET_CRC)
  const computed = crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + size))
  if (stored !== computed) {
    return fail('CORRUPT_MESSAGE', `batch at position ${pos} has CRC ${hex(stored)}, its bytes give ${hex(computed)}`)
  }
  // The fields below are covered by the CRC: a failure here is a bad writer, not a bit flip.
  const codec = buf.readInt16BE(pos + OFFSET_ATTRIBUTES) & COMPRESSION_MASK
  if (!isKnownCodec(codec)) {
    return fail('UNSUPPORTED_COMPRESSION_TYPE', `batch at position ${pos} uses unknown codec ${codec}`)
  }
  const lastOffsetDelta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA)
  const recordCount = buf.readInt32BE(pos + OFFSET_RECORD_COUNT)
  if (lastOffsetDelta < 0 || recordCount < 0 || recordCount > lastOffsetDelta + 1) {
    return fail('INVALID_RECORD', `batch at position ${pos} has ${recordCount} records over lastOffsetDelta ${lastOffsetDelta}`)
  }
  if (options.isProducerBatch === true && (recordCount === 0 || recordCount !== lastOffsetDelta + 1)) {
    return fail('INVALID_RECORD', `producer batch has ${recordCount} records but lastOffsetDelta ${lastOffsetDelta}`)
  }
  return OK
}

/**
 * validateBatch, then decodes every record (decompressing within the read limit) and checks
 * that offset deltas increase within [0, lastOffsetDelta] (and equal 0..n-1 for a producer batch).
 */
export function validateRecords(
  buf: Buffer,
  pos: number,
  end: number,
  options: ValidateOptions & ReadOptions,
): BatchValidation {
  const header = validateBatch(buf, pos, end, options)
  if (!header.ok) return header
  const lastOffsetDelta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA)
  const baseOffset = Number(buf.readBigInt64BE(pos))
  const isDense = options.isProducerBatch === true
  let index = 0
  let deltaMin = 0 // the smallest offsetDelta the next record may have
  let problem: string | undefined
  try {
    forEachRecord(buf.subarray(0, end), pos, (offset) => {
      const delta = offset - baseOffset
      if (problem === undefined && (isDense ? delta !== index : delta < deltaMin || delta > lastOffsetDelta)) {
        problem = `record ${index} has offsetDelta ${delta}`
      }
      index++
      deltaMin = delta + 1
    }, options)
  } catch (error) {
    if (isSluiceError(error)) return fail(error.code, error.message)
    throw error
  }
  return problem === undefined ? OK : fail('INVALID_RECORD', `batch at position ${pos}: ${problem}`)
}

function fail(code: ErrorCode, message: string): BatchValidation {
  return { ok: false, code, message }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
