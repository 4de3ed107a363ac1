// Reads and patches the 61-byte header of a Kafka record batch v2 in place, without decoding its
// records: the produce → storage → fetch path only ever touches these fields. Builders and record
// decoding live beside it (record-batch-builder.ts, record-batch-reader.ts); compression in
// compression.ts.
//
// Record batch v2 (magic 2), all integers big-endian:
//   offset  size  field
//   0       8     baseOffset            (assigned by the log; the producer writes 0)
//   8       4     batchLength           (bytes after this field: total size = batchLength + 12)
//   12      4     partitionLeaderEpoch
//   16      1     magic                 (2)
//   17      4     crc                   (CRC-32C of bytes 21 .. end, unsigned)
//   21      2     attributes            bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4,
//                                       4 zstd), bit 3 timestampType (1 = LogAppendTime),
//                                       bit 4 isTransactional, bit 5 isControlBatch,
//                                       bit 6 hasDeleteHorizonMs
//   23      4     lastOffsetDelta
//   27      8     baseTimestamp         (firstTimestamp; the delete horizon when bit 6 is set)
//   35      8     maxTimestamp
//   43      8     producerId            (-1 when not idempotent)
//   51      2     producerEpoch
//   53      4     baseSequence          (-1 when not idempotent)
//   57      4     recordCount
//   61      ...   records (compressed as one block when the codec is not none)
import { crc32c } from '../../base/crc32c.ts'

export const BATCH_HEADER_BYTES = 61
/** Bytes before the batchLength-counted part (baseOffset + batchLength). */
export const BATCH_LOG_OVERHEAD = 12
export const MAGIC_V2 = 2

export const OFFSET_BASE_OFFSET = 0
export const OFFSET_BATCH_LENGTH = 8
export const OFFSET_LEADER_EPOCH = 12
export const OFFSET_MAGIC = 16
export const OFFSET_CRC = 17
export const OFFSET_ATTRIBUTES = 21
export const OFFSET_LAST_OFFSET_DELTA = 23
export const OFFSET_BASE_TIMESTAMP = 27
export const OFFSET_MAX_TIMESTAMP = 35
export const OFFSET_PRODUCER_ID = 43
export const OFFSET_PRODUCER_EPOCH = 51
export const OFFSET_BASE_SEQUENCE = 53
export const OFFSET_RECORD_COUNT = 57

export const COMPRESSION_MASK = 0x07
export const TIMESTAMP_TYPE_FLAG = 0x08
export const TRANSACTIONAL_FLAG = 0x10
export const CONTROL_FLAG = 0x20
export const DELETE_HORIZON_FLAG = 0x40

/** Compression codec ids as stored in attributes bits 0-2. */
export enum CompressionCodec {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

/** Total bytes of the batch starting at `pos` (batchLength + 12). */
export function batchSize(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + OFFSET_BATCH_LENGTH) + BATCH_LOG_OVERHEAD
}

export function baseOffset(buf: Buffer, pos = 0): number {
  return Number(buf.readBigInt64BE(pos + OFFSET_BASE_OFFSET))
}

/** Patches baseOffset in place. The CRC does not cover it, so the batch stays valid. */
export function setBaseOffset(buf: Buffer, offset: number, pos = 0): void {
  buf.writeBigInt64BE(BigInt(offset), pos + OFFSET_BASE_OFFSET)
}

export function lastOffsetDelta(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA)
}

/** Offset of the last record in the batch: baseOffset + lastOffsetDelta. */
export function lastOffset(buf: Buffer, pos = 0): number {
  return baseOffset(buf, pos) + lastOffsetDelta(buf, pos)
}

export function magic(buf: Buffer, pos = 0): number {
  return buf.readInt8(pos + OFFSET_MAGIC)
}

export function storedCrc(buf: Buffer, pos = 0): number {
  return buf.readUInt32BE(pos + OFFSET_CRC)
}

/** CRC-32C over attributes..end of the batch at `pos`, as it should be stored. */
export function computeCrc(buf: Buffer, pos = 0): number {
  const end = pos + batchSize(buf, pos)
  return crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, end))
}

/** Recomputes and writes the CRC (after a builder or compaction changed covered fields). */
export function writeCrc(buf: Buffer, pos = 0): void {
  buf.writeUInt32BE(computeCrc(buf, pos), pos + OFFSET_CRC)
}

export function attributes(buf: Buffer, pos = 0): number {
  return buf.readInt16BE(pos + OFFSET_ATTRIBUTES)
}

export function compressionCodec(buf: Buffer, pos = 0): CompressionCodec {
  return attributes(buf, pos) & COMPRESSION_MASK
}

export function isTransactional(buf: Buffer, pos = 0): boolean {
  return (attributes(buf, pos) & TRANSACTIONAL_FLAG) !== 0
}

export function isControl(buf: Buffer, pos = 0): boolean {
  return (attributes(buf, pos) & CONTROL_FLAG) !== 0
}

export function baseTimestamp(buf: Buffer, pos = 0): number {
  return Number(buf.readBigInt64BE(pos + OFFSET_BASE_TIMESTAMP))
}

export function maxTimestamp(buf: Buffer, pos = 0): number {
  return Number(buf.readBigInt64BE(pos + OFFSET_MAX_TIMESTAMP))
}

export function producerId(buf: Buffer, pos = 0): number {
  return Number(buf.readBigInt64BE(pos + OFFSET_PRODUCER_ID))
}

export function producerEpoch(buf: Buffer, pos = 0): number {
  return buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH)
}

export function baseSequence(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE)
}

export function recordCount(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + OFFSET_RECORD_COUNT)
}

export function leaderEpoch(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + OFFSET_LEADER_EPOCH)
}
