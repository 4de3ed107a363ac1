import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { compress as zstdCompress } from 'zstd-napi'
import zstdBinding from 'zstd-napi/binding.js'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { CompressionCodec } from './batch-header.ts'
import { CODEC_NAMES, compress, compressSync, decompress, decompressSync, isKnownCodec } from './compression.ts'

const CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]
const MiB = 1024 * 1024

/** Compressible but not trivial: text-like bytes with repeats, from the seeded Random. */
function sampleData(bytes: number, seed: ReturnType<typeof randomFromEnv>): Buffer {
  const words = Array.from({ length: 64 }, () => seed.bytes(seed.int(2, 12)))
  const parts: Buffer[] = []
  let total = 0
  while (total < bytes) {
    const word = seed.pick(words)
    parts.push(word)
    total += word.length
  }
  return Buffer.concat(parts).subarray(0, bytes)
}

function refusedAsTooLarge(error: unknown): boolean {
  return isSluiceError(error, 'RECORD_LIST_TOO_LARGE')
}

test('every codec round-trips empty, small, multi-block and incompressible data', () => {
  const random = randomFromEnv('compression round trip')
  const inputs = [Buffer.alloc(0), Buffer.from('x'), sampleData(100_000, random), random.bytes(70_000)]
  for (const codec of CODECS) {
    for (const input of inputs) {
      const packed = compressSync(codec, input)
      const unpacked = decompressSync(codec, packed, input.length)
      assert.ok(unpacked.equals(input), `${CODEC_NAMES[codec]} of ${input.length} bytes`)
    }
  }
})

test('the async forms agree with the sync ones', async () => {
  const input = sampleData(50_000, randomFromEnv('compression async'))
  for (const codec of CODECS) {
    const packed = await compress(codec, input)
    assert.ok((await decompress(codec, packed, input.length)).equals(input), CODEC_NAMES[codec])
    assert.ok(decompressSync(codec, packed, input.length).equals(input), CODEC_NAMES[codec])
  }
})

test('an output one byte over maxBytes is refused by every codec, sync and async', async () => {
  const input = sampleData(40_000, randomFromEnv('compression cap'))
  for (const codec of CODECS) {
    const packed = compressSync(codec, input)
    assert.throws(() => decompressSync(codec, packed, input.length - 1), refusedAsTooLarge, CODEC_NAMES[codec])
    await assert.rejects(decompress(codec, packed, input.length - 1), refusedAsTooLarge, CODEC_NAMES[codec])
  }
})

test('a gzip bomb of 1 GiB of zeros in about a megabyte is refused without inflating it', () => {
  // 1024 concatenated gzip members of 1 MiB of zeros each: valid gzip whose output is 1 GiB.
  const member = gzipSync(Buffer.alloc(MiB))
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member))
  assert.ok(bomb.length < 2 * MiB)
  const started = process.hrtime.bigint()
  assert.throws(() => decompressSync(CompressionCodec.Gzip, bomb, 16 * MiB), refusedAsTooLarge)
  // Inflating 1 GiB would take seconds; stopping at the cap takes milliseconds.
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000)
})

test('zstd refuses a frame whose declared content size exceeds the cap, before decoding', () => {
  const frame = zstdCompress(Buffer.alloc(8 * MiB))
  assert.equal(zstdBinding.getFrameContentSize(frame), 8 * MiB)
  assert.throws(() => decompressSync(CompressionCodec.Zstd, frame, MiB), /over|more than/)
})

test('zstd refuses 1 GiB of zeros split over 1024 small frames', () => {
  const frame = zstdCompress(Buffer.alloc(MiB))
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => frame))
  assert.throws(() => decompressSync(CompressionCodec.Zstd, bomb, 4 * MiB), refusedAsTooLarge)
})

test('zstd refuses a streamed frame that declares no size once its output passes the cap', () => {
  // compressStream2 with `continue` then `end` leaves Frame_Content_Size out of the header.
  const context = new zstdBinding.CCtx()
  const out = Buffer.alloc(MiB)
  let written = 0
  const zeros = Buffer.alloc(MiB)
  for (let i = 0; i < 64; i++) {
    const [, produced, consumed] = context.compressStream2(out.subarray(written), zeros, zstdBinding.EndDirective.continue)
    assert.equal(consumed, zeros.length)
    written += produced
  }
  for (let remaining = 1; remaining !== 0;) {
    const [left, produced] = context.compressStream2(out.subarray(written), Buffer.alloc(0), zstdBinding.EndDirective.end)
    written += produced
    remaining = left
  }
  const frame = out.subarray(0, written)
  assert.equal(zstdBinding.getFrameContentSize(frame), null)
  assert.throws(() => decompressSync(CompressionCodec.Zstd, frame, 2 * MiB), refusedAsTooLarge)
  assert.equal(decompressSync(CompressionCodec.Zstd, frame, 64 * MiB).length, 64 * MiB)
})

test('truncated or garbage input is CORRUPT_MESSAGE for every compressing codec', () => {
  const input = sampleData(20_000, randomFromEnv('compression corrupt'))
  for (const codec of CODECS.slice(1)) {
    const packed = compressSync(codec, input)
    const truncated = packed.subarray(0, packed.length - 9)
    assert.throws(() => decompressSync(codec, truncated, MiB), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'), CODEC_NAMES[codec])
    const garbage = Buffer.from('this is not compressed data at all, not in any codec')
    assert.throws(() => decompressSync(codec, garbage, MiB), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'), CODEC_NAMES[codec])
  }
})

test('codecs 5 to 7 are unknown and refused as UNSUPPORTED_COMPRESSION_TYPE', () => {
  for (const codec of [5, 6, 7]) {
    assert.equal(isKnownCodec(codec), false)
    assert.throws(() => compressSync(codec as CompressionCodec, Buffer.from('x')), (e) => isSluiceError(e, 'UNSUPPORTED_COMPRESSION_TYPE'))
    assert.throws(() => decompressSync(codec as CompressionCodec, Buffer.from('x'), 10), (e) => isSluiceError(e, 'UNSUPPORTED_COMPRESSION_TYPE'))
  }
  assert.ok(CODECS.every(isKnownCodec))
})
