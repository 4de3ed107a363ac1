// The Produce path's guard against decompression bombs: a compressed batch whose records would
// inflate past PRODUCE_DECOMPRESSED_BYTES_MAX is refused with INVALID_RECORD before the log
// stores it (handlers/00-produce.ts calls this; the log itself never decompresses).
//
// The limit is the consumers' own: record-batch-reader.ts refuses to decompress a batch past
// DECOMPRESSED_BYTES_MAX_DEFAULT (64 MiB), so a batch over it, once stored, could never be read by
// a Sluice consumer and would block its partition. A multiple of the topic's max.message.bytes
// would instead refuse highly compressible batches that every consumer reads fine (Kafka itself
// has no such cap: it inflates every compressed batch it validates).
//
// Cost: nothing is decoded when the format itself rules a bomb out. Each codec has a maximum
// compression ratio (deflate 1032:1, raw snappy ~21:1, LZ4 255:1, zstd 32768:1: a 4-byte RLE
// block of 128 KiB), so a records section no larger than limit / ratio cannot exceed the limit:
// every gzip batch up to 64 KiB compressed, LZ4 up to 256 KiB, snappy up to 3 MiB and zstd up to
// 2 KiB passes with a few header reads. Beyond that, per codec:
// - zstd: the frames are walked block by block; a declared content size (libzstd fails a frame
//   that outgrows it), or 128 KiB per compressed block, bounds the output. Only when that bound
//   exceeds the limit is the data decoded, through a 128 KiB scratch buffer, yielding to the event
//   loop every few MiB.
// - snappy and LZ4 (compression.ts) learn their output size from headers or a sequence walk and
//   refuse an over-limit size before decoding; under it they decode once.
// - gzip cannot be sized without inflating: it streams through zlib on the thread pool, two
//   batches at a time (file I/O shares that pool), into 64 KiB chunks that are counted and dropped.
// Counting stops one byte past the limit: a bomb costs at most 64 MiB of decompression work, and
// never 64 MiB of memory.
import { createGunzip } from 'node:zlib'
import zstdBinding from 'zstd-napi/binding.js'
import { SluiceError, isSluiceError } from '../base/errors.ts'
import {
  BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, COMPRESSION_MASK, CompressionCodec, OFFSET_ATTRIBUTES, OFFSET_BATCH_LENGTH,
} from '../protocol/records/batch-header.ts'
import { CODEC_NAMES, decompressSync } from '../protocol/records/compression.ts'
import { DECOMPRESSED_BYTES_MAX_DEFAULT } from '../protocol/records/record-batch-reader.ts'
import { validateBatch } from '../protocol/records/validate.ts'

/** The decompressed size a produced batch may have: what a Sluice consumer agrees to inflate. */
export const PRODUCE_DECOMPRESSED_BYTES_MAX = DECOMPRESSED_BYTES_MAX_DEFAULT

/** Output bytes per compressed byte that no valid stream of the codec can exceed. */
const RATIO_MAX: Readonly<Record<CompressionCodec, number>> = {
  [CompressionCodec.None]: 1,
  [CompressionCodec.Gzip]: 1032, // a 258-byte match coded in 2 bits (zlib's documented limit)
  [CompressionCodec.Snappy]: 22, // a 64-byte copy in a 3-byte element
  [CompressionCodec.Lz4]: 255, // each match-length byte adds at most 255
  [CompressionCodec.Zstd]: 32768, // a 128 KiB RLE block in 4 bytes
}
const GZIP_CHUNK_BYTES = 64 * 1024
const ZSTD_SCRATCH_BYTES = 128 * 1024
/** zstd output between yields to the event loop (~2 ms of decoding). */
const ZSTD_YIELD_BYTES = 4 * 1024 * 1024
/** A window beyond the limit is never needed by output within it; refusing it bounds the decoder's memory. */
const ZSTD_WINDOW_LOG_MAX = Math.ceil(Math.log2(PRODUCE_DECOMPRESSED_BYTES_MAX))

/** True if a compressed batch in `records` could inflate past `maxBytes`: only then is `checkDecompressedSize` worth awaiting. */
export function mayExceedDecompressedSize(records: Buffer, maxBytes = PRODUCE_DECOMPRESSED_BYTES_MAX): boolean {
  let found = false
  forEachBatch(records, (pos, size) => {
    const codec = codecAt(records, pos)
    if (codec !== null && codec !== CompressionCodec.None && (size - BATCH_HEADER_BYTES) * RATIO_MAX[codec] > maxBytes) found = true
    return !found
  })
  return found
}

/** What checkDecompressedSize measures against. */
export interface DecompressedSizeLimits {
  /** The decompressed size refused (default PRODUCE_DECOMPRESSED_BYTES_MAX). */
  maxBytes?: number
  /** The topic's max.message.bytes: a larger batch is refused by the log unmeasured. */
  maxBatchBytes: number
}

/**
 * Throws SluiceError INVALID_RECORD when a compressed batch of `records` inflates past the limit,
 * CORRUPT_MESSAGE when one that had to be measured does not decompress. Batches the log refuses
 * anyway (a bad frame or CRC, over max.message.bytes) are left to it, with its own codes.
 */
export async function checkDecompressedSize(records: Buffer, limits: DecompressedSizeLimits): Promise<void> {
  const maxBytes = limits.maxBytes ?? PRODUCE_DECOMPRESSED_BYTES_MAX
  const suspects: Array<[pos: number, size: number, codec: CompressionCodec]> = []
  forEachBatch(records, (pos, size) => {
    const codec = codecAt(records, pos)
    if (codec === null || codec === CompressionCodec.None || (size - BATCH_HEADER_BYTES) * RATIO_MAX[codec] <= maxBytes) return true
    // The log's checks first (CRC-32C runs at GB/s): a batch it refuses is not worth inflating.
    if (validateBatch(records, pos, pos + size, { maxBatchBytes: limits.maxBatchBytes }).ok) suspects.push([pos, size, codec])
    return true
  })
  for (const [pos, size, codec] of suspects) {
    const data = records.subarray(pos + BATCH_HEADER_BYTES, pos + size)
    const bytes = await decompressedBytes(codec, data, maxBytes)
    if (bytes > maxBytes) {
      throw new SluiceError('INVALID_RECORD', `the ${CODEC_NAMES[codec]} batch at position ${pos} decompresses to more than the ${maxBytes}-byte limit`)
    }
  }
}

// Calls fn(pos, size) for each whole batch while it returns true; stops at a frame it cannot walk.
function forEachBatch(records: Buffer, fn: (pos: number, size: number) => boolean): void {
  for (let pos = 0; records.length - pos >= BATCH_HEADER_BYTES;) {
    const size = records.readInt32BE(pos + OFFSET_BATCH_LENGTH) + BATCH_LOG_OVERHEAD
    if (size < BATCH_HEADER_BYTES || size > records.length - pos || !fn(pos, size)) return
    pos += size
  }
}

function codecAt(records: Buffer, pos: number): CompressionCodec | null {
  const codec = records.readInt16BE(pos + OFFSET_ATTRIBUTES) & COMPRESSION_MASK
  return codec <= CompressionCodec.Zstd ? codec : null
}

/** The exact decompressed size, or any number over maxBytes once it is certain to exceed it. */
async function decompressedBytes(codec: CompressionCodec, data: Buffer, maxBytes: number): Promise<number> {
  switch (codec) {
    case CompressionCodec.Gzip:
      return gzipBytes(data, maxBytes)
    case CompressionCodec.Zstd:
      return zstdBytes(data, maxBytes)
    default:
      // Snappy and LZ4 learn their output size before decoding and refuse past the cap there.
      try {
        return decompressSync(codec, data, maxBytes).length
      } catch (error) {
        if (isSluiceError(error, 'RECORD_LIST_TOO_LARGE')) return maxBytes + 1
        throw error
      }
  }
}

// gzip measurements running, and those waiting for a turn. Each holds one of libuv's thread-pool
// threads (4 by default) while it inflates, and file I/O shares that pool: a client sending gzip
// bombs back to back must not leave appends and fetch reads without a thread.
const GZIP_MEASURES_MAX = 2
let gzipMeasuring = 0
const gzipWaiting: Array<() => void> = []

async function gzipBytes(data: Buffer, maxBytes: number): Promise<number> {
  if (gzipMeasuring < GZIP_MEASURES_MAX) gzipMeasuring++
  else await new Promise<void>((resolve) => gzipWaiting.push(resolve)) // the slot is handed over
  try {
    return await gzipCount(data, maxBytes)
  } finally {
    const next = gzipWaiting.shift()
    if (next === undefined) gzipMeasuring--
    else next()
  }
}

function gzipCount(data: Buffer, maxBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: GZIP_CHUNK_BYTES })
    let total = 0
    gunzip.on('data', (chunk: Buffer) => {
      total += chunk.length
      if (total > maxBytes) {
        gunzip.destroy() // no more inflating: the answer is known
        resolve(total)
      }
    })
    gunzip.on('end', () => resolve(total))
    gunzip.on('error', (error) => reject(new SluiceError('CORRUPT_MESSAGE', 'gzip records do not decompress', { cause: error })))
    gunzip.end(data)
  })
}

async function zstdBytes(data: Buffer, maxBytes: number): Promise<number> {
  const bound = zstdOutputBound(data)
  if (bound.bytes <= maxBytes || bound.isExact) return bound.bytes
  const context = new zstdBinding.DCtx()
  const scratch = Buffer.allocUnsafe(ZSTD_SCRATCH_BYTES)
  let total = 0
  let sinceYield = 0
  let input = data
  try {
    context.setParameter(zstdBinding.DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX)
    for (;;) {
      const [remaining, written, consumed] = context.decompressStream(scratch, input)
      total += written
      if (total > maxBytes) return total
      input = input.subarray(consumed)
      if (remaining === 0 && input.length === 0) return total // last frame decoded and flushed
      if (written === 0 && consumed === 0) throw new SluiceError('CORRUPT_MESSAGE', 'zstd records end inside a frame')
      sinceYield += written
      if (sinceYield >= ZSTD_YIELD_BYTES) {
        sinceYield = 0
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
  } catch (error) {
    if (error instanceof SluiceError) throw error
    throw new SluiceError('CORRUPT_MESSAGE', 'zstd records do not decompress', { cause: error })
  }
}

const ZSTD_MAGIC = 0xfd2fb528
const ZSTD_SKIPPABLE_MASK = 0xfffffff0
const ZSTD_SKIPPABLE_MAGIC = 0x184d2a50
const ZSTD_BLOCK_BYTES_MAX = 128 * 1024
const ZSTD_DICT_ID_BYTES = [0, 1, 2, 4] as const
const ZSTD_CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const

/**
 * Walks the zstd frames (RFC 8878) without decoding: a frame that declares its content size
 * counts that (libzstd fails a frame that outgrows it), raw and RLE blocks their stated size, a
 * compressed block at most 128 KiB (the format's block maximum). Exact when no compressed block of
 * an undeclared frame was met. Frame layout: magic · descriptor (bits 7-6 content size field,
 * 5 single segment, 2 checksum, 1-0 dictionary id field) · [window byte unless single segment] ·
 * [dictionary id] · [content size] · blocks (3-byte little-endian header: bit 0 last, bits 1-2
 * type raw/RLE/compressed, bits 3-23 size) · [4-byte checksum].
 */
function zstdOutputBound(data: Buffer): { bytes: number; isExact: boolean } {
  let bytes = 0
  let isExact = true
  let pos = 0
  const corrupt = (what: string): SluiceError => new SluiceError('CORRUPT_MESSAGE', `zstd records: ${what} at byte ${pos}`)
  while (pos < data.length) {
    if (data.length - pos < 8) throw corrupt('a truncated frame header')
    const magic = data.readUInt32LE(pos)
    if (((magic & ZSTD_SKIPPABLE_MASK) >>> 0) === ZSTD_SKIPPABLE_MAGIC) {
      pos += 8 + data.readUInt32LE(pos + 4)
      continue
    }
    if (magic !== ZSTD_MAGIC) throw corrupt('a bad frame magic')
    const descriptor = data[pos + 4]!
    const isSingleSegment = (descriptor & 0x20) !== 0
    const sizeFlag = descriptor >> 6
    const sizeBytes = sizeFlag === 0 && isSingleSegment ? 1 : ZSTD_CONTENT_SIZE_BYTES[sizeFlag]!
    pos += 5 + (isSingleSegment ? 0 : 1) + ZSTD_DICT_ID_BYTES[descriptor & 0x03]!
    if (data.length - pos < sizeBytes) throw corrupt('a truncated frame header')
    const declared = sizeBytes === 0 ? null
      : sizeBytes === 1 ? data[pos]!
        : sizeBytes === 2 ? data.readUInt16LE(pos) + 256
          : sizeBytes === 4 ? data.readUInt32LE(pos)
            : data.readUInt32LE(pos) + data.readUInt32LE(pos + 4) * 2 ** 32
    pos += sizeBytes
    let frameBytes = 0
    for (let isLast = false; !isLast;) {
      if (data.length - pos < 3) throw corrupt('a truncated block header')
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)
      isLast = (header & 1) !== 0
      const type = (header >> 1) & 0x03
      const size = header >>> 3
      if (type === 3) throw corrupt('a reserved block type')
      pos += 3 + (type === 1 ? 1 : size)
      if (pos > data.length) throw corrupt('a block past the end')
      if (type === 2) isExact = isExact && declared !== null
      frameBytes += type === 2 ? ZSTD_BLOCK_BYTES_MAX : size
    }
    pos += descriptor & 0x04 ? 4 : 0
    bytes += declared ?? frameBytes
  }
  if (pos > data.length) throw corrupt('a frame past the end')
  return { bytes, isExact }
}
