// Stamping produced batches with the broker's time, for topics with
// `message.timestamp.type=LogAppendTime`: as Kafka's LogValidator does for v2 batches, set the
// timestamp-type bit in the attributes, set maxTimestamp to now and recompute the CRC. Records keep
// their own timestamps; readers of a LogAppendTime batch use maxTimestamp for all of them. Storage
// leaves this to the coordinator (storage/partition-log.ts AppendResult.logAppendTime).
import { SluiceError } from '../base/errors.ts'
import { OFFSET_ATTRIBUTES, OFFSET_MAX_TIMESTAMP, TIMESTAMP_TYPE_FLAG, batchSize, writeCrc } from '../protocol/records/batch-header.ts'
import { validateBatch } from '../protocol/records/validate.ts'

/**
 * Marks every batch in `batches` as LogAppendTime with `nowMs`, in place. Each batch's CRC is
 * checked before it is recomputed, so damage in transit still fails (CORRUPT_MESSAGE) instead of
 * being sealed in with a fresh checksum.
 */
export function stampLogAppendTime(batches: Buffer, nowMs: number, maxBatchBytes: number): void {
  for (let pos = 0; pos < batches.length; pos += batchSize(batches, pos)) {
    const verdict = validateBatch(batches, pos, batches.length, { maxBatchBytes, isProducerBatch: true })
    if (!verdict.ok) throw new SluiceError(verdict.code, verdict.message)
    batches.writeInt16BE(batches.readInt16BE(pos + OFFSET_ATTRIBUTES) | TIMESTAMP_TYPE_FLAG, pos + OFFSET_ATTRIBUTES)
    batches.writeBigInt64BE(BigInt(nowMs), pos + OFFSET_MAX_TIMESTAMP)
    writeCrc(batches, pos)
  }
}
