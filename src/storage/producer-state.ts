// Idempotence for one partition, as Kafka's ProducerStateManager: per producer id, its epoch and the
// sequence and offset ranges of its last 5 batches. An append of an idempotent batch (producerId >=
// 0) is checked here before it is written: a retry of one of the last 5 batches is a duplicate
// (answered with the original offsets, nothing written), a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an
// old epoch INVALID_PRODUCER_EPOCH. partition-log.ts runs check + write + update with no await in
// between, so appends never interleave here. The state survives restarts as snapshots
// (`<20-digit offset>.snapshot`, taken at checkpoints and on close) plus a replay of the batch
// headers written after the snapshot (recovery.ts).
//
// Rules (Kafka 2.5+, after KIP-360):
// - unknown producer id: any sequence is accepted. Its state may have been removed by retention,
//   DeleteRecords or expiry, and Kafka >= 2.5 accepts rather than answering UNKNOWN_PRODUCER_ID;
// - epoch older than the known one: INVALID_PRODUCER_EPOCH;
// - newer epoch: the batch must start at sequence 0 (else OUT_OF_ORDER_SEQUENCE_NUMBER);
// - same epoch: baseSequence must be lastSequence + 1, wrapping from 2^31-1 to 0;
// - control batches (transaction markers) skip sequence checks; a newer epoch resets the entry.
//
// Snapshot layout, big-endian:
//   offset  size  field
//   0       4     magic "SLPS" (0x534c5053)
//   4       4     CRC-32C of bytes 8..end
//   8       8     offset: the log end offset the snapshot describes (state of every batch before it)
//   16      4     producerCount
//   20      ...   per producer: producerId int64, epoch int16, lastTimestamp int64, batchCount int8,
//                 then batchCount × (firstSequence int32, lastSequence int32, firstOffset int64,
//                 lastOffsetDelta int32, maxTimestamp int64), oldest first
import { crc32c } from '../base/crc32c.ts'
import { SluiceError } from '../base/errors.ts'

const MAGIC = 0x534c5053
const HEADER_BYTES = 20
const PRODUCER_BYTES = 19
const BATCH_BYTES = 28
const INT32_MAX = 0x7fffffff

/** How many recent batches per producer are remembered for duplicate detection (Kafka's 5 in-flight requests). */
export const BATCHES_REMEMBERED = 5

/** Sequence and offset range of one appended idempotent batch. */
export interface BatchMetadata {
  firstSequence: number
  lastSequence: number
  firstOffset: number
  lastOffset: number
  maxTimestamp: number
}

/** What the log knows of one producer id. */
export interface ProducerEntry {
  producerId: number
  epoch: number
  /** Largest maxTimestamp of its batches: expiry is measured from it. */
  lastTimestamp: number
  /** The last BATCHES_REMEMBERED batches, oldest first. */
  batches: BatchMetadata[]
}

/** The header fields of a batch that idempotence looks at. */
export interface ProducerBatch {
  producerId: number
  epoch: number
  baseSequence: number
  lastOffsetDelta: number
  isControl: boolean
}

/** Sequence of the last record of a batch, wrapping at 2^31-1 like Kafka's producer. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence > INT32_MAX - lastOffsetDelta ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1 : baseSequence + lastOffsetDelta
}

function inSequence(lastSequence: number, nextSequence: number): boolean {
  return nextSequence === lastSequence + 1 || (nextSequence === 0 && lastSequence === INT32_MAX)
}

/** Epoch and last sequence per producer as seen by the earlier batches of one multi-batch append. */
export type PendingSequences = Map<number, { epoch: number; lastSequence: number }>

/** The idempotence state of one partition. */
export class ProducerState {
  #producers = new Map<number, ProducerEntry>()

  /** Number of producer ids tracked. */
  get size(): number {
    return this.#producers.size
  }

  /** The entry of a producer id, if known (read only). */
  entry(producerId: number): Readonly<ProducerEntry> | undefined {
    return this.#producers.get(producerId)
  }

  /**
   * Checks one idempotent batch before it is written. Returns the original batch when it is a
   * duplicate of one of the last 5, null when it may be appended; throws SluiceError otherwise.
   * `pending` carries what earlier batches of the same append would change, and is updated.
   */
  check(batch: ProducerBatch, pending: PendingSequences): BatchMetadata | null {
    const entry = this.#producers.get(batch.producerId)
    const pendingEntry = pending.get(batch.producerId)
    const knownEpoch = pendingEntry?.epoch ?? entry?.epoch
    if (knownEpoch !== undefined && batch.epoch < knownEpoch) {
      throw new SluiceError('INVALID_PRODUCER_EPOCH', `producer ${batch.producerId} epoch ${batch.epoch} is older than the current epoch ${knownEpoch}`)
    }
    if (batch.isControl) {
      pending.set(batch.producerId, { epoch: batch.epoch, lastSequence: batch.epoch === knownEpoch ? (pendingEntry?.lastSequence ?? lastSequenceOfEntry(entry)) : -1 })
      return null
    }
    const lastSequence = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta)
    if (pendingEntry === undefined && entry !== undefined && entry.epoch === batch.epoch) {
      for (const previous of entry.batches) {
        if (previous.firstSequence === batch.baseSequence && previous.lastSequence === lastSequence) return previous
      }
    }
    if (knownEpoch !== undefined) {
      if (batch.epoch !== knownEpoch) {
        if (batch.baseSequence !== 0) {
          throw new SluiceError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${batch.producerId} started epoch ${batch.epoch} at sequence ${batch.baseSequence}, expected 0`)
        }
      } else {
        const currentLast = pendingEntry?.lastSequence ?? lastSequenceOfEntry(entry)
        if (!inSequence(currentLast, batch.baseSequence)) {
          throw new SluiceError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${batch.producerId} epoch ${batch.epoch} sent sequence ${batch.baseSequence}, expected ${currentLast === INT32_MAX ? 0 : currentLast + 1}`)
        }
      }
    }
    pending.set(batch.producerId, { epoch: batch.epoch, lastSequence })
    return null
  }

  /** Records an appended (or replayed) batch; no checks. */
  update(batch: ProducerBatch, firstOffset: number, lastOffset: number, maxTimestamp: number): void {
    let entry = this.#producers.get(batch.producerId)
    if (entry === undefined) {
      entry = { producerId: batch.producerId, epoch: batch.epoch, lastTimestamp: maxTimestamp, batches: [] }
      this.#producers.set(batch.producerId, entry)
    }
    if (batch.epoch !== entry.epoch) {
      entry.epoch = batch.epoch
      entry.batches = []
    }
    if (maxTimestamp > entry.lastTimestamp) entry.lastTimestamp = maxTimestamp
    if (batch.isControl) return
    entry.batches.push({
      firstSequence: batch.baseSequence,
      lastSequence: lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset,
      lastOffset,
      maxTimestamp,
    })
    if (entry.batches.length > BATCHES_REMEMBERED) entry.batches.shift()
  }

  /** Forgets producers whose last batch is older than `expirationMs` before `nowMs` (Kafka's producer.id.expiration.ms). */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0
    for (const [producerId, entry] of this.#producers) {
      if (nowMs - entry.lastTimestamp >= expirationMs) {
        this.#producers.delete(producerId)
        removed++
      }
    }
    return removed
  }

  /** Forgets everything (before a full replay). */
  clear(): void {
    this.#producers.clear()
  }

  /** The snapshot file bytes for the state at log end offset `offset`. */
  serialize(offset: number): Buffer {
    let bytes = HEADER_BYTES
    for (const entry of this.#producers.values()) bytes += PRODUCER_BYTES + entry.batches.length * BATCH_BYTES
    const out = Buffer.allocUnsafe(bytes)
    out.writeUInt32BE(MAGIC, 0)
    out.writeBigInt64BE(BigInt(offset), 8)
    out.writeInt32BE(this.#producers.size, 16)
    let p = HEADER_BYTES
    for (const entry of this.#producers.values()) {
      out.writeBigInt64BE(BigInt(entry.producerId), p)
      out.writeInt16BE(entry.epoch, p + 8)
      out.writeBigInt64BE(BigInt(entry.lastTimestamp), p + 10)
      out.writeInt8(entry.batches.length, p + 18)
      p += PRODUCER_BYTES
      for (const batch of entry.batches) {
        out.writeInt32BE(batch.firstSequence, p)
        out.writeInt32BE(batch.lastSequence, p + 4)
        out.writeBigInt64BE(BigInt(batch.firstOffset), p + 8)
        out.writeInt32BE(batch.lastOffset - batch.firstOffset, p + 16)
        out.writeBigInt64BE(BigInt(batch.maxTimestamp), p + 20)
        p += BATCH_BYTES
      }
    }
    out.writeUInt32BE(crc32c(out.subarray(8)), 4)
    return out
  }

  /** Loads a snapshot; returns its offset, or null (state untouched) when the bytes are not a valid snapshot. */
  load(bytes: Buffer): number | null {
    if (bytes.length < HEADER_BYTES || bytes.readUInt32BE(0) !== MAGIC) return null
    if (bytes.readUInt32BE(4) !== crc32c(bytes.subarray(8))) return null
    const producers = new Map<number, ProducerEntry>()
    const count = bytes.readInt32BE(16)
    let p = HEADER_BYTES
    for (let i = 0; i < count; i++) {
      if (p + PRODUCER_BYTES > bytes.length) return null
      const entry: ProducerEntry = {
        producerId: Number(bytes.readBigInt64BE(p)),
        epoch: bytes.readInt16BE(p + 8),
        lastTimestamp: Number(bytes.readBigInt64BE(p + 10)),
        batches: [],
      }
      const batchCount = bytes.readInt8(p + 18)
      p += PRODUCER_BYTES
      if (batchCount < 0 || batchCount > BATCHES_REMEMBERED || p + batchCount * BATCH_BYTES > bytes.length) return null
      for (let b = 0; b < batchCount; b++) {
        const firstOffset = Number(bytes.readBigInt64BE(p + 8))
        entry.batches.push({
          firstSequence: bytes.readInt32BE(p),
          lastSequence: bytes.readInt32BE(p + 4),
          firstOffset,
          lastOffset: firstOffset + bytes.readInt32BE(p + 16),
          maxTimestamp: Number(bytes.readBigInt64BE(p + 20)),
        })
        p += BATCH_BYTES
      }
      producers.set(entry.producerId, entry)
    }
    if (p !== bytes.length) return null
    this.#producers = producers
    return Number(bytes.readBigInt64BE(8))
  }
}

function lastSequenceOfEntry(entry: ProducerEntry | undefined): number {
  const last = entry?.batches[entry.batches.length - 1]
  return last === undefined ? -1 : last.lastSequence
}
