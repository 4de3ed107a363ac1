// The five codecs of record batch v2 behind one pair of functions, so the builder compresses the
// records section once per batch and the reader decompresses it once. gzip (node:zlib) and zstd
// (zstd-napi) live here; snappy's two framings are in snappy.ts and LZ4 frames in lz4-frame.ts.
//
// Every decompression takes `maxBytes` and fails with RECORD_LIST_TOO_LARGE instead of allocating
// past it (a few hundred compressed bytes can claim gigabytes): zlib stops at `maxOutputLength`,
// snappy and LZ4 declare or reveal their sizes before decoding, zstd is decoded as a stream into a
// buffer that grows only up to the cap. Undecodable input is CORRUPT_MESSAGE.
//
// The sync forms run on the caller's thread: snappy, LZ4 and zstd move hundreds of MB/s, so a
// 1 MiB batch costs a few ms. gzip is ~10× slower, so `compress`/`decompress` run it on libuv's
// thread pool and the others inline.
import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib'
import { promisify } from 'node:util'
import { compress as zstdCompress } from 'zstd-napi'
import zstdBinding from 'zstd-napi/binding.js'
import { SluiceError } from '../../base/errors.ts'
import { CompressionCodec } from './batch-header.ts'
import { lz4CompressFrame, lz4DecompressFrames } from './lz4-frame.ts'
import { snappyCompressXerial, snappyDecompress } from './snappy.ts'

const gzipAsync = promisify(gzip)
const gunzipAsync = promisify(gunzip)

/** Codec names as Kafka's `compression.type` config spells them. */
export const CODEC_NAMES: Readonly<Record<CompressionCodec, string>> = {
  [CompressionCodec.None]: 'none',
  [CompressionCodec.Gzip]: 'gzip',
  [CompressionCodec.Snappy]: 'snappy',
  [CompressionCodec.Lz4]: 'lz4',
  [CompressionCodec.Zstd]: 'zstd',
}

/** True when `codec` (attributes bits 0-2) names a codec Sluice can read and write. */
export function isKnownCodec(codec: number): codec is CompressionCodec {
  return codec >= CompressionCodec.None && codec <= CompressionCodec.Zstd
}

/** Compresses `data` with `codec` on the calling thread. */
export function compressSync(codec: CompressionCodec, data: Buffer): Buffer {
  switch (codec) {
    case CompressionCodec.None:
      return data
    case CompressionCodec.Gzip:
      // zlib's default level, like the Java client's GZIPOutputStream and KafkaJS.
      return gzipSync(data)
    case CompressionCodec.Snappy:
      return snappyCompressXerial(data)
    case CompressionCodec.Lz4:
      return lz4CompressFrame(data)
    case CompressionCodec.Zstd:
      return zstdCompress(data)
    default:
      throw unsupported(codec)
  }
}

/** Compresses `data` with `codec`, gzip off the event loop. */
export async function compress(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  return codec === CompressionCodec.Gzip ? gzipAsync(data) : compressSync(codec, data)
}

/** Decompresses `data`, failing with RECORD_LIST_TOO_LARGE rather than producing over `maxBytes`. */
export function decompressSync(codec: CompressionCodec, data: Buffer, maxBytes: number): Buffer {
  switch (codec) {
    case CompressionCodec.None:
      if (data.length > maxBytes) throw tooLarge(codec, maxBytes)
      return data
    case CompressionCodec.Gzip:
      try {
        return capped(gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) }), maxBytes)
      } catch (error) {
        throw gzipError(error, maxBytes)
      }
    case CompressionCodec.Snappy:
      return snappyDecompress(data, maxBytes)
    case CompressionCodec.Lz4:
      return lz4DecompressFrames(data, maxBytes)
    case CompressionCodec.Zstd:
      return zstdDecompress(data, maxBytes)
    default:
      throw unsupported(codec)
  }
}

/** Decompresses `data` like decompressSync, gzip off the event loop. */
export async function decompress(codec: CompressionCodec, data: Buffer, maxBytes: number): Promise<Buffer> {
  if (codec !== CompressionCodec.Gzip) return decompressSync(codec, data, maxBytes)
  try {
    return capped(await gunzipAsync(data, { maxOutputLength: Math.max(1, maxBytes) }), maxBytes)
  } catch (error) {
    throw gzipError(error, maxBytes)
  }
}

/** zlib's maxOutputLength must be at least 1, so a cap of 0 bytes is checked here. */
function capped(output: Buffer, maxBytes: number): Buffer {
  if (output.length > maxBytes) throw tooLarge(CompressionCodec.Gzip, maxBytes)
  return output
}

function gzipError(error: unknown, maxBytes: number): SluiceError {
  if (error instanceof SluiceError) return error
  if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
    return tooLarge(CompressionCodec.Gzip, maxBytes)
  }
  return new SluiceError('CORRUPT_MESSAGE', 'gzip data does not decompress', { cause: error })
}

// One decompression context for the process: decoding is synchronous, so it is never shared by
// two calls at once, and reusing it saves zstd's ~100 KiB of window allocation per batch.
let zstdContext: InstanceType<typeof zstdBinding.DCtx> | undefined
const ZSTD_OUTPUT_BYTES_FIRST = 64 * 1024

/**
 * Streams zstd frames into a buffer that starts at the declared content size (when the frame has
 * one and it is within the cap) or a guess, and doubles up to maxBytes + 1; reaching that extra
 * byte proves the output is over the cap, and decoding stops there.
 */
function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  const context = (zstdContext ??= new zstdBinding.DCtx())
  context.reset(zstdBinding.ResetDirective.sessionOnly)
  let declared: number | null = null
  try {
    declared = zstdBinding.getFrameContentSize(data)
  } catch (error) {
    throw new SluiceError('CORRUPT_MESSAGE', 'zstd frame header is invalid', { cause: error })
  }
  if (declared !== null && declared > maxBytes) throw tooLarge(CompressionCodec.Zstd, maxBytes)
  let output = Buffer.allocUnsafe(
    Math.min(maxBytes + 1, declared ?? Math.max(ZSTD_OUTPUT_BYTES_FIRST, data.length * 4)) || 1,
  )
  let produced = 0
  let input = data
  try {
    for (;;) {
      if (produced === output.length) {
        if (produced > maxBytes) break
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, output.length * 2))
        output.copy(grown, 0, 0, produced)
        output = grown
      }
      const [remaining, written, consumed] = context.decompressStream(output.subarray(produced), input)
      produced += written
      input = input.subarray(consumed)
      if (remaining === 0 && input.length === 0) break // last frame decoded and flushed
      if (written === 0 && consumed === 0 && produced < output.length) {
        throw new SluiceError('CORRUPT_MESSAGE', 'zstd data ends inside a frame')
      }
    }
  } catch (error) {
    if (error instanceof SluiceError) throw error
    throw new SluiceError('CORRUPT_MESSAGE', 'zstd data does not decompress', { cause: error })
  }
  if (produced > maxBytes) throw tooLarge(CompressionCodec.Zstd, maxBytes)
  return produced === output.length ? output : output.subarray(0, produced)
}

function tooLarge(codec: CompressionCodec, maxBytes: number): SluiceError {
  return new SluiceError(
    'RECORD_LIST_TOO_LARGE',
    `${CODEC_NAMES[codec]} records decompress to more than the ${maxBytes}-byte limit`,
  )
}

function unsupported(codec: number): SluiceError {
  return new SluiceError('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression codec ${codec}`)
}
