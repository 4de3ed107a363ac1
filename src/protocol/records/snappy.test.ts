import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compressSync } from 'snappy'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { XERIAL_BLOCK_BYTES, XERIAL_MAGIC, isXerialFramed, snappyCompressXerial, snappyDecompress } from './snappy.ts'

const MiB = 1024 * 1024

test('encoding writes the Java client framing: magic, version 1, compatible 1, 32 KiB blocks', () => {
  const input = randomFromEnv('snappy xerial').bytes(XERIAL_BLOCK_BYTES * 2 + 10)
  const framed = snappyCompressXerial(input)
  assert.ok(framed.subarray(0, 8).equals(XERIAL_MAGIC))
  assert.equal(framed.readInt32BE(8), 1)
  assert.equal(framed.readInt32BE(12), 1)
  // Walk the blocks: three of them, each a raw snappy block of its slice of the input.
  const slices: number[] = []
  for (let pos = 16; pos < framed.length;) {
    const length = framed.readInt32BE(pos)
    const block = framed.subarray(pos + 4, pos + 4 + length)
    slices.push(snappyDecompress(block, MiB).length)
    pos += 4 + length
  }
  assert.deepEqual(slices, [XERIAL_BLOCK_BYTES, XERIAL_BLOCK_BYTES, 10])
  assert.ok(snappyDecompress(framed, input.length).equals(input))
})

test('raw snappy, as librdkafka sends it, decodes too', () => {
  const input = Buffer.from('librdkafka writes plain snappy '.repeat(100))
  const raw = compressSync(input)
  assert.equal(isXerialFramed(raw), false)
  assert.ok(snappyDecompress(raw, input.length).equals(input))
})

test('a raw block declaring 1 GiB is refused from its preamble before any decoding', () => {
  // Preamble varint 2^30, then bytes that would not even decode.
  const bomb = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0xff, 0xff, 0xff])
  assert.throws(() => snappyDecompress(bomb, 64 * MiB), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
})

test('xerial blocks are summed against the cap before any is decoded', () => {
  const framed = snappyCompressXerial(Buffer.alloc(4 * MiB))
  assert.throws(() => snappyDecompress(framed, MiB), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
  assert.equal(snappyDecompress(framed, 4 * MiB).length, 4 * MiB)
})

test('a xerial block length past the end, or a bad preamble, is CORRUPT_MESSAGE', () => {
  const framed = snappyCompressXerial(Buffer.from('hello hello hello'))
  const overlong = Buffer.from(framed)
  overlong.writeInt32BE(1000, 16)
  assert.throws(() => snappyDecompress(overlong, MiB), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  assert.throws(() => snappyDecompress(framed.subarray(0, 18), MiB), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  assert.throws(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), MiB), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})

test('an empty input compresses to a bare header and decodes to nothing', () => {
  const framed = snappyCompressXerial(Buffer.alloc(0))
  assert.equal(framed.length, 16)
  assert.equal(snappyDecompress(framed, 0).length, 0)
})
