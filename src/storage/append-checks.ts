// The synchronous steps of an append that look at batch headers: validating what a producer sent
// (magic, sizes, CRC-32C through protocol/records/validate.ts), the idempotence checks against
// ProducerState, stamping offsets in place, and recording the appended batches per producer.
// partition-log.ts calls these with no await in between (the check + write must be atomic).
import { SluiceError } from '../base/errors.ts'
import {
  CONTROL_FLAG, OFFSET_ATTRIBUTES, OFFSET_BASE_SEQUENCE, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAX_TIMESTAMP,
  OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID,
} from '../protocol/records/batch-header.ts'
import { validateBatch } from '../protocol/records/validate.ts'
import { readInt64, sizeOfBatchAt, writeInt64 } from './batch-scan.ts'
import type { BatchMetadata, PendingSequences, ProducerBatch, ProducerState } from './producer-state.ts'

/** What validation learnt about an append's batches. */
export interface AppendShape {
  /** Offsets the batches take (sum of lastOffsetDelta + 1). */
  offsetCount: number
  /** True if any batch has producerId >= 0. */
  isIdempotent: boolean
}

/** Validates every batch of an append (one or more, back to back); throws SluiceError with Kafka's code. */
export function validateAppend(batches: Buffer, maxMessageBytes: number): AppendShape {
  if (batches.length === 0) throw new SluiceError('CORRUPT_MESSAGE', 'append of zero bytes: expected at least one record batch')
  let offsetCount = 0
  let isIdempotent = false
  for (let pos = 0; pos < batches.length;) {
    const verdict = validateBatch(batches, pos, batches.length, { maxBatchBytes: maxMessageBytes, isProducerBatch: true })
    if (!verdict.ok) throw new SluiceError(verdict.code, verdict.message)
    offsetCount += batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) + 1
    // The high word of producerId is >= 0 exactly when producerId is.
    if (batches.readInt32BE(pos + OFFSET_PRODUCER_ID) >= 0) isIdempotent = true
    pos += sizeOfBatchAt(batches, pos)
  }
  return { offsetCount, isIdempotent }
}

/** Patches each batch's baseOffset from `baseOffset` on (the CRC does not cover it); returns the next offset. */
export function assignOffsets(batches: Buffer, baseOffset: number): number {
  let next = baseOffset
  for (let pos = 0; pos < batches.length; pos += sizeOfBatchAt(batches, pos)) {
    writeInt64(batches, next, pos)
    next += batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) + 1
  }
  return next
}

/** The header fields idempotence needs, or null for a batch that is not idempotent (producerId -1). */
export function producerBatch(buf: Buffer, pos: number): ProducerBatch | null {
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

/**
 * Checks every idempotent batch of an append. Returns the original range when the whole append
 * is a retry (every batch a duplicate of one of the producer's last 5), null when it may be
 * written; throws for sequence and epoch errors, and DUPLICATE_SEQUENCE_NUMBER for a mixture.
 */
export function checkProducers(producers: ProducerState, batches: Buffer): { firstOffset: number; lastOffset: number } | null {
  const pending: PendingSequences = new Map()
  let first: BatchMetadata | null = null
  let last: BatchMetadata | null = null
  let duplicates = 0
  let count = 0
  for (let pos = 0; pos < batches.length; pos += sizeOfBatchAt(batches, pos)) {
    count++
    const batch = producerBatch(batches, pos)
    if (batch === null) continue
    const original = producers.check(batch, pending)
    if (original === null) continue
    duplicates++
    first ??= original
    last = original
  }
  if (duplicates === 0) return null
  if (duplicates !== count || first === null || last === null) {
    throw new SluiceError('DUPLICATE_SEQUENCE_NUMBER', `${duplicates} of the ${count} batches of this append were already appended`)
  }
  return { firstOffset: first.firstOffset, lastOffset: last.lastOffset }
}

/** Records the appended idempotent batches (their offsets now assigned) in the producer state. */
export function updateProducers(producers: ProducerState, batches: Buffer): void {
  for (let pos = 0; pos < batches.length; pos += sizeOfBatchAt(batches, pos)) {
    const batch = producerBatch(batches, pos)
    if (batch === null) continue
    const base = readInt64(batches, pos)
    producers.update(batch, base, base + batch.lastOffsetDelta, readInt64(batches, pos + OFFSET_MAX_TIMESTAMP))
  }
}
