import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compressFrameSync, decompressFrameSync } from 'lz4-napi'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { lz4CompressFrame, lz4DecompressFrames } from './lz4-frame.ts'

const MiB = 1024 * 1024

/** xxHash32 (seed 0) of fewer than 16 bytes: all a frame descriptor needs for its checksum byte. */
function xxh32Short(bytes: Buffer): number {
  const P1 = 2654435761
  const P2 = 2246822519
  const P3 = 3266489917
  const P4 = 668265263
  const P5 = 374761393
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0
  let h = (P5 + bytes.length) >>> 0
  let i = 0
  for (; i + 4 <= bytes.length; i += 4) h = Math.imul(rotl((h + Math.imul(bytes.readUInt32LE(i), P3)) >>> 0, 17), P4) >>> 0
  for (; i < bytes.length; i++) h = Math.imul(rotl((h + Math.imul(bytes[i] as number, P5)) >>> 0, 11), P1) >>> 0
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** A frame of stored (uncompressed) blocks with the content size field set. */
function storedFrame(chunks: Buffer[]): Buffer {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0)
  const descriptor = Buffer.alloc(10)
  descriptor[0] = 0x60 | 0x08 // version 01, independent blocks, content size present
  descriptor[1] = 0x40 // 64 KiB blocks
  descriptor.writeBigUInt64LE(BigInt(total), 2)
  const magic = Buffer.alloc(4)
  magic.writeUInt32LE(0x184d2204, 0)
  const parts: Buffer[] = [magic, descriptor, Buffer.from([(xxh32Short(descriptor) >>> 8) & 0xff])]
  for (const chunk of chunks) {
    const size = Buffer.alloc(4)
    size.writeUInt32LE((chunk.length | 0x80000000) >>> 0, 0)
    parts.push(size, chunk)
  }
  parts.push(Buffer.alloc(4)) // end mark
  return Buffer.concat(parts)
}

test('the descriptor checksum helper agrees with frames lz4-napi writes', () => {
  const frame = compressFrameSync(Buffer.from('hello world hello world'))
  assert.equal(frame[6], (xxh32Short(frame.subarray(4, 6)) >>> 8) & 0xff)
})

test('the exact output count agrees with lz4-napi on random sizes and contents', () => {
  const random = randomFromEnv('lz4 exact count')
  for (let round = 0; round < 40; round++) {
    const length = random.int(1, 300_000)
    const alphabet = random.int(1, 256)
    const input = Buffer.allocUnsafe(length)
    for (let i = 0; i < length; i++) input[i] = random.chance(0.9) && i > 0 ? (input[i - 1] as number) : random.int(0, alphabet)
    const frame = lz4CompressFrame(input)
    // A cap of exactly the length forces the sequence count whenever the block bound exceeds it.
    assert.ok(lz4DecompressFrames(frame, length).equals(input), `round ${round}, ${length} bytes`)
    assert.throws(() => lz4DecompressFrames(frame, length - 1), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
  }
})

test('frames marked as linked blocks go to the frame decoder and still decode', () => {
  const input = Buffer.from('linked blocks '.repeat(30_000))
  const frame = Buffer.from(lz4CompressFrame(input))
  frame[4] = (frame[4] as number) & ~0x20 // clear the independent-blocks flag
  frame[6] = (xxh32Short(frame.subarray(4, 6)) >>> 8) & 0xff
  assert.ok(lz4DecompressFrames(frame, input.length).equals(input))
})

test('frames with block and content checksums decode', () => {
  const input = Buffer.from('checksummed '.repeat(10_000))
  const frame = compressFrameSync(input, { blockChecksums: true, contentChecksum: true })
  assert.ok(lz4DecompressFrames(frame, input.length).equals(input))
})

test('a frame with a content size field and stored blocks decodes', () => {
  const frame = storedFrame([Buffer.from('stored '), Buffer.from('blocks')])
  assert.equal(lz4DecompressFrames(frame, 100).toString(), 'stored blocks')
  assert.throws(() => lz4DecompressFrames(frame, 12), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
})

test('concatenated frames and skippable frames decode whole, where lz4-napi alone stops early', () => {
  const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3])
  const data = Buffer.concat([lz4CompressFrame(Buffer.from('first ')), skippable, lz4CompressFrame(Buffer.from('second'))])
  assert.equal(decompressFrameSync(data).toString(), 'first ')
  assert.equal(lz4DecompressFrames(data, 100).toString(), 'first second')
})

test('64 MiB of zeros in one small frame is refused under a 1 MiB cap without decoding it', () => {
  const frame = lz4CompressFrame(Buffer.alloc(64 * MiB))
  assert.ok(frame.length < MiB)
  assert.throws(() => lz4DecompressFrames(frame, MiB), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
})

test('truncated frames, bad magic and empty input are CORRUPT_MESSAGE', () => {
  const frame = lz4CompressFrame(Buffer.from('some text some text some text'))
  for (const bad of [frame.subarray(0, frame.length - 2), frame.subarray(0, 9), Buffer.from('not an lz4 frame'), Buffer.alloc(0)]) {
    assert.throws(() => lz4DecompressFrames(bad, MiB), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'), bad.toString('hex'))
  }
})
