// Decodes record batches v2: walks the batches in a Buffer (a fetch response, a segment slice) and
// the records of one batch. Only consumers decode records; the produce → log → fetch path moves
// whole batches (batch-header.ts). Record layout in record.ts; integrity checks in validate.ts.
//
// Shaped for throughput (>= 3M records/s): the records section is decompressed once per batch,
// keys and values are zero-copy `subarray`s of it, one-byte varints (deltas, short lengths, header
// counts) are read inline, and `forEachRecord` passes fields as arguments so a record costs no object
// beyond its key and value views (headers too, when it has none). Malformed bytes raise a
// SluiceError (CORRUPT_MESSAGE for the batch frame, INVALID_RECORD for record contents), never
// a RangeError.
import { assert } from '../../base/assert.ts'
import { SluiceError } from '../../base/errors.ts'
import { readUnsignedVarint, type Cursor } from '../primitives/varint.ts'
import {
  BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, COMPRESSION_MASK, CompressionCodec, MAGIC_V2, OFFSET_ATTRIBUTES,
  OFFSET_BASE_OFFSET, OFFSET_BASE_TIMESTAMP, OFFSET_BATCH_LENGTH, OFFSET_MAGIC, OFFSET_MAX_TIMESTAMP,
  OFFSET_RECORD_COUNT, TIMESTAMP_TYPE_FLAG,
} from './batch-header.ts'
import { decompress, decompressSync, isKnownCodec } from './compression.ts'
import { NO_HEADERS, RECORD_BYTES_MIN, type Record, type RecordHeader } from './record.ts'

/** Decompressed size a batch may reach unless the caller sets its own limit. */
export const DECOMPRESSED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024

/** Limits for decoding one batch. */
export interface ReadOptions {
  /** Refuse a compressed batch whose records decompress past this many bytes. */
  decompressedBytesMax?: number
}

/** Receives one record's fields; `headers` is the shared empty NO_HEADERS when it has none. */
export type RecordCallback = (
  offset: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: RecordHeader[],
) => void

/**
 * Calls `fn(pos, size)` for each whole batch in buf[start, end) and returns the position after the
 * last one: a partial trailing batch (fetch responses may end in one) is left unvisited.
 */
export function forEachBatch(
  buf: Buffer,
  fn: (pos: number, size: number) => void,
  start = 0,
  end = buf.length,
): number {
  assert(start >= 0 && end <= buf.length, `range [${start}, ${end}) is outside the ${buf.length}-byte buffer`)
  let pos = start
  for (let size = nextBatchSize(buf, pos, end); size > 0; size = nextBatchSize(buf, pos, end)) {
    fn(pos, size)
    pos += size
  }
  return pos
}

/** Yields the position of each whole batch in buf[start, end), stopping at a partial one. */
export function* batchPositions(buf: Buffer, start = 0, end = buf.length): Generator<number> {
  assert(start >= 0 && end <= buf.length, `range [${start}, ${end}) is outside the ${buf.length}-byte buffer`)
  let pos = start
  for (let size = nextBatchSize(buf, pos, end); size > 0; size = nextBatchSize(buf, pos, end)) {
    yield pos
    pos += size
  }
}

/** Size of the whole batch at `pos`, or 0 when fewer bytes than that remain before `end`. */
function nextBatchSize(buf: Buffer, pos: number, end: number): number {
  if (end - pos < BATCH_LOG_OVERHEAD) return 0
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH)
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) {
    throw new SluiceError('CORRUPT_MESSAGE', `batch at position ${pos} has batchLength ${batchLength}`)
  }
  const size = batchLength + BATCH_LOG_OVERHEAD
  return size <= end - pos ? size : 0
}

/** Calls `fn` for each record of the batch at `pos`; returns the record count. */
export function forEachRecord(buf: Buffer, pos: number, fn: RecordCallback, options?: ReadOptions): number {
  const section = recordsSection(buf, pos, options)
  return decodeRecords(buf, pos, section, fn)
}

/** Decodes the records of the batch at `pos` into Record objects. */
export function readRecords(buf: Buffer, pos = 0, options?: ReadOptions): Record[] {
  return collect(buf, pos, recordsSection(buf, pos, options))
}

/** Like readRecords, decompressing gzip off the event loop. */
export async function readRecordsAsync(buf: Buffer, pos = 0, options?: ReadOptions): Promise<Record[]> {
  const codec = checkFrame(buf, pos)
  const data = buf.subarray(pos + BATCH_HEADER_BYTES, pos + batchBytes(buf, pos))
  return collect(buf, pos, codec === CompressionCodec.None ? data : await decompress(codec, data, limit(options)))
}

function collect(buf: Buffer, pos: number, section: Buffer): Record[] {
  const records: Record[] = []
  decodeRecords(buf, pos, section, (offset, timestamp, key, value, headers) => {
    // Each Record owns its headers array, which callers may change.
    records.push({ offset, timestamp, key, value, headers: headers === NO_HEADERS ? [] : headers })
  })
  return records
}

/** The batch's records section, decompressed when its codec is not none. */
export function recordsSection(buf: Buffer, pos = 0, options?: ReadOptions): Buffer {
  const codec = checkFrame(buf, pos)
  const data = buf.subarray(pos + BATCH_HEADER_BYTES, pos + batchBytes(buf, pos))
  return codec === CompressionCodec.None ? data : decompressSync(codec, data, limit(options))
}

function limit(options: ReadOptions | undefined): number {
  return options?.decompressedBytesMax ?? DECOMPRESSED_BYTES_MAX_DEFAULT
}

function batchBytes(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + OFFSET_BATCH_LENGTH) + BATCH_LOG_OVERHEAD
}

/** Checks what decoding relies on in the header (not the CRC: see validate.ts); returns the codec. */
function checkFrame(buf: Buffer, pos: number): CompressionCodec {
  if (pos < 0 || buf.length - pos < BATCH_HEADER_BYTES) {
    throw new SluiceError('CORRUPT_MESSAGE', `no whole batch header at position ${pos}`)
  }
  const size = batchBytes(buf, pos)
  if (size < BATCH_HEADER_BYTES || size > buf.length - pos) {
    throw new SluiceError('CORRUPT_MESSAGE', `batch at position ${pos} claims ${size} bytes, ${buf.length - pos} remain`)
  }
  const magic = buf.readInt8(pos + OFFSET_MAGIC)
  if (magic !== MAGIC_V2) {
    throw new SluiceError(magic === 0 || magic === 1 ? 'UNSUPPORTED_FOR_MESSAGE_FORMAT' : 'CORRUPT_MESSAGE',
      `batch at position ${pos} has magic ${magic}; only record batch v2 is read`)
  }
  const codec = buf.readInt16BE(pos + OFFSET_ATTRIBUTES) & COMPRESSION_MASK
  if (!isKnownCodec(codec)) {
    throw new SluiceError('UNSUPPORTED_COMPRESSION_TYPE', `batch at position ${pos} uses codec ${codec}`)
  }
  return codec
}

const cursor: Cursor = { pos: 0 }

/** Decodes the records in `section` using the header of the batch at `pos`. */
function decodeRecords(buf: Buffer, pos: number, section: Buffer, fn: RecordCallback): number {
  const count = buf.readInt32BE(pos + OFFSET_RECORD_COUNT)
  const end = section.length
  // Cheap guard before the loop: a hostile count can never make us spin or allocate.
  if (count < 0 || count * RECORD_BYTES_MIN > end) {
    throw invalid(`recordCount ${count} does not fit in ${end} bytes of records`)
  }
  const baseOffset = Number(buf.readBigInt64BE(pos + OFFSET_BASE_OFFSET))
  const isLogAppendTime = (buf.readInt16BE(pos + OFFSET_ATTRIBUTES) & TIMESTAMP_TYPE_FLAG) !== 0
  const baseTimestamp = Number(buf.readBigInt64BE(pos + (isLogAppendTime ? OFFSET_MAX_TIMESTAMP : OFFSET_BASE_TIMESTAMP)))
  let p = 0
  for (let i = 0; i < count; i++) {
    if (p >= end) throw invalid(`records end after ${i} of the batch's ${count}`)
    const bodyBytes = varint(section, p, end)
    const recordEnd = cursor.pos + bodyBytes
    if (bodyBytes < RECORD_BYTES_MIN - 1 || recordEnd > end) throw invalid(`record ${i} has length ${bodyBytes}`)
    const timestampDelta = varlong(section, cursor.pos + 1, recordEnd) // + 1: attributes, unused
    const offsetDelta = varint(section, cursor.pos, recordEnd)
    const key = nullableBytes(section, cursor.pos, recordEnd, i, 'key')
    const value = nullableBytes(section, cursor.pos, recordEnd, i, 'value')
    p = cursor.pos
    let headers = NO_HEADERS
    if (p < recordEnd && section[p] === 0) {
      p++
    } else {
      headers = decodeHeaders(section, p, recordEnd, i)
      p = cursor.pos
    }
    if (p !== recordEnd) throw invalid(`record ${i} declares ${bodyBytes} bytes but holds ${bodyBytes + p - recordEnd}`)
    fn(baseOffset + offsetDelta, isLogAppendTime ? baseTimestamp : baseTimestamp + timestampDelta, key, value, headers)
  }
  if (p !== end) throw invalid(`${end - p} bytes remain after the batch's ${count} records`)
  return count
}

/** Decodes a header list at `p`; leaves the position after it in `cursor.pos`. */
function decodeHeaders(section: Buffer, p: number, end: number, index: number): RecordHeader[] {
  const count = varint(section, p, end)
  p = cursor.pos
  // A header takes at least 2 bytes (two one-byte lengths).
  if (count < 0 || count * 2 > end - p) throw invalid(`record ${index} has header count ${count}`)
  const headers: RecordHeader[] = new Array(count)
  for (let h = 0; h < count; h++) {
    const keyBytes = varint(section, p, end)
    p = cursor.pos
    if (keyBytes < 0 || keyBytes > end - p) throw invalid(`record ${index} has header key length ${keyBytes}`)
    const key = section.toString('utf8', p, p + keyBytes)
    headers[h] = [key, nullableBytes(section, p + keyBytes, end, index, 'header value')]
    p = cursor.pos
  }
  cursor.pos = p
  return headers
}

// The field readers below return a value and leave the next position in `cursor.pos`. Almost every
// varint in a record is one byte (< 0x80), decoded inline; V8 inlines these small functions.

/** Reads a length-prefixed nullable byte field as a view into `section`. */
function nullableBytes(section: Buffer, p: number, end: number, index: number, field: string): Buffer | null {
  const length = varint(section, p, end)
  if (length === -1) return null
  p = cursor.pos
  if (length < 0 || length > end - p) throw invalid(`record ${index} has ${field} length ${length}`)
  cursor.pos = p + length
  return section.subarray(p, p + length)
}

/** Reads a zigzag varint (signed 32-bit). */
function varint(buf: Buffer, p: number, end: number): number {
  const b = buf[p] as number
  if (b < 0x80 && p < end) {
    cursor.pos = p + 1
    return (b >>> 1) ^ -(b & 1)
  }
  const raw = unsignedVarint(buf, p, end, 5)
  if (raw > 0xffffffff) throw invalid(`varint at position ${p} of the records overflows 32 bits`)
  return (raw >>> 1) ^ -(raw & 1)
}

/** Reads a zigzag varlong (signed 64-bit, exact within ±2^53). */
function varlong(buf: Buffer, p: number, end: number): number {
  const b = buf[p] as number
  if (b < 0x80 && p < end) {
    cursor.pos = p + 1
    return (b >>> 1) ^ -(b & 1)
  }
  const raw = unsignedVarint(buf, p, end, 10)
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
}

function unsignedVarint(buf: Buffer, p: number, end: number, maxBytes: number): number {
  cursor.pos = p
  const raw = readUnsignedVarint(buf, cursor, end, maxBytes)
  if (cursor.pos < 0) throw invalid(`bad varint at position ${p} of the records`)
  return raw
}

function invalid(message: string): SluiceError {
  return new SluiceError('INVALID_RECORD', message)
}
