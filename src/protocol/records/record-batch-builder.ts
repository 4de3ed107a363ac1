// Builds one record batch v2 Buffer from records: the producer's accumulator feeds a
// RecordBatchBuilder record by record, and buildRecordBatch does the same for an array. Record and
// header layouts are in record.ts and batch-header.ts; decoding is in record-batch-reader.ts.
//
// Shaped for throughput (the producer must build well over 2M records/s): `add` measures each
// record once and keeps a reference, `build` allocates one Buffer for the whole batch and writes
// every varint and payload straight into it, then checksums it once. No per-record Buffer, no
// concat. A compressed batch writes its records section into a scratch Buffer, compresses it
// once, and copies the result behind the header.
import { assert } from '../../base/assert.ts'
import { crc32c } from '../../base/crc32c.ts'
import { SluiceError } from '../../base/errors.ts'
import { sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../primitives/varint.ts'
import {
  BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, CONTROL_FLAG, CompressionCodec, MAGIC_V2, OFFSET_ATTRIBUTES,
  OFFSET_CRC, TIMESTAMP_TYPE_FLAG, TRANSACTIONAL_FLAG,
} from './batch-header.ts'
import { compress, compressSync } from './compression.ts'
import type { RecordHeader, RecordInput } from './record.ts'

/** Which clock a batch's timestamps come from: the producer's, or the broker's at append. */
export type TimestampType = 'CreateTime' | 'LogAppendTime'

/** Header fields and limits of a batch being built; every field has Kafka's default. */
export interface RecordBatchOptions {
  /** Offset of the first record; the log overwrites it on append. Default 0. */
  baseOffset?: number
  /** Timestamp for records that carry none. */
  timestamp?: number
  /** The batch's baseTimestamp; default the first record's timestamp (as the Java client does). */
  baseTimestamp?: number
  compression?: CompressionCodec
  /** -1 unless idempotent. */
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  isTransactional?: boolean
  isControl?: boolean
  partitionLeaderEpoch?: number
  timestampType?: TimestampType
  /** `add` refuses a record that would take the uncompressed batch past this size. */
  batchBytesMax?: number
}

/** Largest batch the format can describe: batchLength is an int32. */
const BATCH_BYTES_LIMIT = 0x7fffffff

/** Accumulates records and builds them into one record batch v2. */
export class RecordBatchBuilder {
  readonly #options: RecordBatchOptions
  readonly #records: RecordInput[] = []
  /** Per record: bytes after its length varint, measured once by `add` and reused by `build`. */
  readonly #bodyBytes: number[] = []
  #recordsBytes = 0
  #baseTimestamp: number | undefined
  #maxTimestamp = -1
  #lastOffsetDelta = -1

  constructor(options: RecordBatchOptions = {}) {
    this.#options = options
    this.#baseTimestamp = options.baseTimestamp
  }

  /** Records added so far. */
  get recordCount(): number {
    return this.#records.length
  }

  /** Bytes the batch would take uncompressed if built now. */
  get sizeBytes(): number {
    return BATCH_HEADER_BYTES + this.#recordsBytes
  }

  /**
   * Adds a record, or returns false (adding nothing) when it would take the batch past
   * batchBytesMax. The first record is always accepted, so an oversized record still gets a batch
   * of its own and the size limit is the broker's to enforce.
   */
  add(record: RecordInput): boolean {
    const timestamp = record.timestamp ?? this.#options.timestamp
    if (timestamp === undefined || !Number.isSafeInteger(timestamp)) {
      throw new SluiceError('INVALID_TIMESTAMP', `record timestamp ${String(timestamp)} is not an integer of ms`)
    }
    const offsetDelta = record.offsetDelta ?? this.#records.length
    assert(offsetDelta > this.#lastOffsetDelta && offsetDelta <= 0x7fffffff, `offsetDelta ${offsetDelta} must increase`)
    const baseTimestamp = (this.#baseTimestamp ??= timestamp)
    const bodyBytes = measureBody(record, timestamp - baseTimestamp, offsetDelta)
    const recordBytes = sizeOfUnsignedVarint(bodyBytes * 2) + bodyBytes
    const batchBytesMax = this.#options.batchBytesMax ?? BATCH_BYTES_LIMIT
    if (this.#records.length > 0 && BATCH_HEADER_BYTES + this.#recordsBytes + recordBytes > batchBytesMax) {
      return false
    }
    if (BATCH_HEADER_BYTES + this.#recordsBytes + recordBytes > BATCH_BYTES_LIMIT) {
      throw new SluiceError('RECORD_LIST_TOO_LARGE', 'a record batch cannot exceed 2 GiB')
    }
    this.#records.push(record)
    this.#bodyBytes.push(bodyBytes)
    this.#recordsBytes += recordBytes
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp
    this.#lastOffsetDelta = offsetDelta
    return true
  }

  /** Builds the batch, compressing on the calling thread. */
  build(): Buffer {
    const codec = this.#options.compression ?? CompressionCodec.None
    if (codec === CompressionCodec.None) {
      const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + this.#recordsBytes)
      this.#writeRecords(batch, BATCH_HEADER_BYTES)
      return this.#finish(batch)
    }
    return this.#wrap(compressSync(codec, this.#recordsSection()))
  }

  /** Builds the batch, compressing gzip off the event loop. */
  async buildAsync(): Promise<Buffer> {
    const codec = this.#options.compression ?? CompressionCodec.None
    if (codec === CompressionCodec.None) return this.build()
    return this.#wrap(await compress(codec, this.#recordsSection()))
  }

  #recordsSection(): Buffer {
    const section = Buffer.allocUnsafe(this.#recordsBytes)
    this.#writeRecords(section, 0)
    return section
  }

  #wrap(compressed: Buffer): Buffer {
    if (BATCH_HEADER_BYTES + compressed.length > BATCH_BYTES_LIMIT) {
      throw new SluiceError('RECORD_LIST_TOO_LARGE', 'a record batch cannot exceed 2 GiB')
    }
    const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + compressed.length)
    compressed.copy(batch, BATCH_HEADER_BYTES)
    return this.#finish(batch)
  }

  /** Writes every record from `pos`; each one's size was measured by `add`. */
  #writeRecords(buf: Buffer, pos: number): void {
    const records = this.#records
    const bodyBytes = this.#bodyBytes
    const defaultTimestamp = this.#options.timestamp as number
    const baseTimestamp = this.#baseTimestamp as number
    const end = pos + this.#recordsBytes
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as RecordInput
      pos = writeVarint(buf, pos, bodyBytes[i] as number)
      buf[pos++] = 0 // attributes
      pos = writeVarlong(buf, pos, (record.timestamp ?? defaultTimestamp) - baseTimestamp)
      pos = writeVarint(buf, pos, record.offsetDelta ?? i)
      pos = writeBytes(buf, pos, record.key)
      pos = writeBytes(buf, pos, record.value)
      const headers = record.headers
      if (headers === undefined || headers.length === 0) {
        buf[pos++] = 0
      } else {
        pos = writeHeaders(buf, pos, headers)
      }
    }
    assert(pos === end, `wrote ${pos} bytes of records, measured ${end}`)
  }

  /** Fills the header of a batch whose records section is in place, then its CRC. */
  #finish(batch: Buffer): Buffer {
    const o = this.#options
    const count = this.#records.length
    const attributes =
      (o.compression ?? CompressionCodec.None) |
      (o.timestampType === 'LogAppendTime' ? TIMESTAMP_TYPE_FLAG : 0) |
      (o.isTransactional === true ? TRANSACTIONAL_FLAG : 0) |
      (o.isControl === true ? CONTROL_FLAG : 0)
    // An empty batch has no records to time: both timestamps take the base (or -1, "none").
    const baseTimestamp = this.#baseTimestamp ?? o.timestamp ?? -1
    batch.writeBigInt64BE(BigInt(o.baseOffset ?? 0), 0)
    batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, 8)
    batch.writeInt32BE(o.partitionLeaderEpoch ?? -1, 12)
    batch.writeInt8(MAGIC_V2, 16)
    batch.writeInt16BE(attributes, OFFSET_ATTRIBUTES)
    batch.writeInt32BE(count === 0 ? 0 : this.#lastOffsetDelta, 23)
    batch.writeBigInt64BE(BigInt(baseTimestamp), 27)
    batch.writeBigInt64BE(BigInt(count === 0 ? baseTimestamp : this.#maxTimestamp), 35)
    batch.writeBigInt64BE(BigInt(o.producerId ?? -1), 43)
    batch.writeInt16BE(o.producerEpoch ?? -1, 51)
    batch.writeInt32BE(o.baseSequence ?? -1, 53)
    batch.writeInt32BE(count, 57)
    batch.writeUInt32BE(crc32c(batch.subarray(OFFSET_ATTRIBUTES)), OFFSET_CRC)
    return batch
  }
}

/**
 * Builds one record batch v2 holding `records`.
 * @example buildRecordBatch([{ key: null, value: Buffer.from('hi') }], { timestamp: clock.nowMs() })
 */
export function buildRecordBatch(records: readonly RecordInput[], options: RecordBatchOptions = {}): Buffer {
  const builder = new RecordBatchBuilder({ ...options, batchBytesMax: BATCH_BYTES_LIMIT })
  for (const record of records) builder.add(record)
  return builder.build()
}

/** Bytes of a record after its length varint. */
function measureBody(record: RecordInput, timestampDelta: number, offsetDelta: number): number {
  const key = record.key
  const value = record.value
  let bytes =
    1 +
    sizeOfVarlong(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    (key === null ? 1 : sizeOfVarint(key.length) + key.length) +
    (value === null ? 1 : sizeOfVarint(value.length) + value.length)
  const headers = record.headers
  if (headers === undefined || headers.length === 0) return bytes + 1
  bytes += sizeOfVarint(headers.length)
  for (const [headerKey, headerValue] of headers) {
    const keyBytes = Buffer.byteLength(headerKey, 'utf8')
    bytes += sizeOfVarint(keyBytes) + keyBytes
    bytes += headerValue === null ? 1 : sizeOfVarint(headerValue.length) + headerValue.length
  }
  return bytes
}

/** Writes a nullable byte field: zigzag length (-1 for null, which encodes as 1) then the bytes. */
function writeBytes(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) {
    buf[pos] = 1
    return pos + 1
  }
  pos = writeVarint(buf, pos, bytes.length)
  // Uint8Array#set beats Buffer#copy for small payloads (no C++ binding call).
  buf.set(bytes, pos)
  return pos + bytes.length
}

function writeHeaders(buf: Buffer, pos: number, headers: readonly RecordHeader[]): number {
  pos = writeVarint(buf, pos, headers.length)
  for (const [key, value] of headers) {
    const keyBytes = Buffer.byteLength(key, 'utf8')
    pos = writeVarint(buf, pos, keyBytes)
    pos += buf.write(key, pos, keyBytes, 'utf8')
    pos = writeBytes(buf, pos, value)
  }
  return pos
}
