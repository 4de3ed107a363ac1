import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import * as header from './batch-header.ts'
import { CompressionCodec } from './batch-header.ts'
import { buildRecordBatch } from './record-batch-builder.ts'
import type { RecordInput } from './record.ts'
import { validateBatch, validateRecords, type BatchValidation } from './validate.ts'

const T = 1_700_000_000_000
const LIMITS = { maxBatchBytes: 1024 * 1024 }
const PRODUCER = { ...LIMITS, isProducerBatch: true }

function sample(count = 5): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`), timestamp: T + i }))
}

function codeOf(result: BatchValidation): string {
  return result.ok ? 'ok' : result.code
}

/** A copy with `patch` applied and the CRC rewritten, as a buggy (not corrupting) writer would. */
function rewritten(batch: Buffer, patch: (b: Buffer) => void): Buffer {
  const copy = Buffer.from(batch)
  patch(copy)
  header.writeCrc(copy)
  return copy
}

test('batches of every codec validate, alone and inside a larger buffer', () => {
  for (const compression of [0, 1, 2, 3, 4] as CompressionCodec[]) {
    const batch = buildRecordBatch(sample(), { compression })
    assert.deepEqual(validateBatch(batch, 0, batch.length, PRODUCER), { ok: true })
    assert.deepEqual(validateRecords(batch, 0, batch.length, PRODUCER), { ok: true })
    const framed = Buffer.concat([Buffer.alloc(9), batch, Buffer.alloc(5)])
    assert.deepEqual(validateBatch(framed, 9, 9 + batch.length, PRODUCER), { ok: true })
    assert.deepEqual(validateRecords(framed, 9, 9 + batch.length, PRODUCER), { ok: true })
  }
})

test('a flipped byte anywhere from the CRC field to the end is CORRUPT_MESSAGE', () => {
  for (const compression of [CompressionCodec.None, CompressionCodec.Zstd]) {
    const batch = buildRecordBatch(sample(), { compression })
    for (let i = header.OFFSET_CRC; i < batch.length; i++) {
      const bad = Buffer.from(batch)
      bad[i] = (bad[i] as number) ^ 0x01
      const result = validateBatch(bad, 0, bad.length, PRODUCER)
      assert.equal(codeOf(result), 'CORRUPT_MESSAGE', `byte ${i}`)
    }
  }
})

test('baseOffset and partitionLeaderEpoch are outside the CRC, so the log may patch them', () => {
  const batch = buildRecordBatch(sample())
  header.setBaseOffset(batch, 123_456)
  batch.writeInt32BE(9, header.OFFSET_LEADER_EPOCH)
  assert.deepEqual(validateBatch(batch, 0, batch.length, PRODUCER), { ok: true })
})

test('a batch cut at any length is reported as CORRUPT_MESSAGE, not thrown', () => {
  const batch = buildRecordBatch(sample())
  for (let end = 0; end < batch.length; end++) {
    const result = validateBatch(batch, 0, end, PRODUCER)
    assert.equal(codeOf(result), 'CORRUPT_MESSAGE', `end ${end}`)
    assert.ok(!result.ok && result.message.length > 0)
  }
})

test('a batchLength too small for the header, or an old magic, is refused', () => {
  const batch = buildRecordBatch(sample())
  const short = Buffer.from(batch)
  short.writeInt32BE(48, header.OFFSET_BATCH_LENGTH)
  assert.equal(codeOf(validateBatch(short, 0, short.length, LIMITS)), 'CORRUPT_MESSAGE')
  const negative = Buffer.from(batch)
  negative.writeInt32BE(-5, header.OFFSET_BATCH_LENGTH)
  assert.equal(codeOf(validateBatch(negative, 0, negative.length, LIMITS)), 'CORRUPT_MESSAGE')
  const magic1 = Buffer.from(batch)
  magic1[header.OFFSET_MAGIC] = 1
  assert.equal(codeOf(validateBatch(magic1, 0, magic1.length, LIMITS)), 'UNSUPPORTED_FOR_MESSAGE_FORMAT')
  magic1[header.OFFSET_MAGIC] = 9
  assert.equal(codeOf(validateBatch(magic1, 0, magic1.length, LIMITS)), 'CORRUPT_MESSAGE')
})

test('a batch over maxBatchBytes is MESSAGE_TOO_LARGE', () => {
  const batch = buildRecordBatch(sample())
  assert.equal(codeOf(validateBatch(batch, 0, batch.length, { maxBatchBytes: batch.length - 1 })), 'MESSAGE_TOO_LARGE')
  assert.equal(codeOf(validateBatch(batch, 0, batch.length, { maxBatchBytes: batch.length })), 'ok')
})

test('an unknown codec with a valid CRC is UNSUPPORTED_COMPRESSION_TYPE', () => {
  const bad = rewritten(buildRecordBatch(sample()), (b) => b.writeInt16BE(5, header.OFFSET_ATTRIBUTES))
  assert.equal(codeOf(validateBatch(bad, 0, bad.length, LIMITS)), 'UNSUPPORTED_COMPRESSION_TYPE')
})

test('recordCount must fit lastOffsetDelta; producer batches need exactly lastOffsetDelta + 1', () => {
  const batch = buildRecordBatch(sample(5))
  const tooMany = rewritten(batch, (b) => b.writeInt32BE(6, header.OFFSET_RECORD_COUNT))
  assert.equal(codeOf(validateBatch(tooMany, 0, tooMany.length, LIMITS)), 'INVALID_RECORD')
  const negativeDelta = rewritten(batch, (b) => b.writeInt32BE(-1, header.OFFSET_LAST_OFFSET_DELTA))
  assert.equal(codeOf(validateBatch(negativeDelta, 0, negativeDelta.length, LIMITS)), 'INVALID_RECORD')
  // As compaction leaves it: fewer records than the offset range, allowed from the log only.
  const compacted = rewritten(batch, (b) => b.writeInt32BE(9, header.OFFSET_LAST_OFFSET_DELTA))
  assert.equal(codeOf(validateBatch(compacted, 0, compacted.length, LIMITS)), 'ok')
  assert.equal(codeOf(validateBatch(compacted, 0, compacted.length, PRODUCER)), 'INVALID_RECORD')
  const empty = buildRecordBatch([], { timestamp: T })
  assert.equal(codeOf(validateBatch(empty, 0, empty.length, LIMITS)), 'ok')
  assert.equal(codeOf(validateBatch(empty, 0, empty.length, PRODUCER)), 'INVALID_RECORD')
})

test('validateRecords reports malformed records with a valid CRC as INVALID_RECORD', () => {
  const bad = rewritten(buildRecordBatch(sample()), (b) => {
    b[header.BATCH_HEADER_BYTES + 4] = 0x7e // first record's key length → 63, past its end
  })
  assert.equal(codeOf(validateBatch(bad, 0, bad.length, PRODUCER)), 'ok')
  assert.equal(codeOf(validateRecords(bad, 0, bad.length, PRODUCER)), 'INVALID_RECORD')
})

test('validateRecords checks offset deltas: dense for producers, increasing and in range from the log', () => {
  const gapped = buildRecordBatch([
    { key: null, value: null, timestamp: T, offsetDelta: 0 },
    { key: null, value: null, timestamp: T, offsetDelta: 2 },
  ])
  assert.equal(codeOf(validateRecords(gapped, 0, gapped.length, LIMITS)), 'ok')
  assert.equal(codeOf(validateRecords(gapped, 0, gapped.length, PRODUCER)), 'INVALID_RECORD')
  // Header says lastOffsetDelta 1 but a record claims delta 2.
  const outOfRange = rewritten(gapped, (b) => {
    b.writeInt32BE(1, header.OFFSET_LAST_OFFSET_DELTA)
  })
  assert.equal(codeOf(validateRecords(outOfRange, 0, outOfRange.length, LIMITS)), 'INVALID_RECORD')
})

test('validateRecords turns a decompression bomb into a RECORD_LIST_TOO_LARGE result', () => {
  const member = gzipSync(Buffer.alloc(1024 * 1024))
  const bomb = Buffer.concat(Array.from({ length: 64 }, () => member))
  const batch = buildRecordBatch([{ key: null, value: null, timestamp: T }], { compression: CompressionCodec.Gzip })
  const bombed = Buffer.concat([batch.subarray(0, header.BATCH_HEADER_BYTES), bomb])
  bombed.writeInt32BE(bombed.length - header.BATCH_LOG_OVERHEAD, header.OFFSET_BATCH_LENGTH)
  header.writeCrc(bombed)
  const result = validateRecords(bombed, 0, bombed.length, { ...PRODUCER, decompressedBytesMax: 4 * 1024 * 1024 })
  assert.equal(codeOf(result), 'RECORD_LIST_TOO_LARGE')
})
