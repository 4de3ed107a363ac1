import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { AssertionError } from '../../base/assert.ts'
import * as header from './batch-header.ts'
import { CompressionCodec } from './batch-header.ts'
import { decompressSync } from './compression.ts'
import { RecordBatchBuilder, buildRecordBatch } from './record-batch-builder.ts'
import { readRecords } from './record-batch-reader.ts'
import type { RecordInput } from './record.ts'

const T = 1_700_000_000_000
const CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]

function records(count: number, valueBytes = 10): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(valueBytes, i), timestamp: T + i }))
}

test('the header carries Kafka defaults: leader epoch, producer id, epoch and sequence all -1', () => {
  const batch = buildRecordBatch(records(3))
  assert.equal(header.baseOffset(batch), 0)
  assert.equal(header.batchSize(batch), batch.length)
  assert.equal(header.leaderEpoch(batch), -1)
  assert.equal(header.magic(batch), 2)
  assert.equal(header.attributes(batch), 0)
  assert.equal(header.lastOffsetDelta(batch), 2)
  assert.equal(header.baseTimestamp(batch), T)
  assert.equal(header.maxTimestamp(batch), T + 2)
  assert.equal(header.producerId(batch), -1)
  assert.equal(header.producerEpoch(batch), -1)
  assert.equal(header.baseSequence(batch), -1)
  assert.equal(header.recordCount(batch), 3)
  assert.equal(header.storedCrc(batch), header.computeCrc(batch))
})

test('options set every header field and attribute bit', () => {
  const batch = buildRecordBatch(records(2), {
    baseOffset: 2 ** 40,
    compression: CompressionCodec.Zstd,
    producerId: 2 ** 45 + 7,
    producerEpoch: 12,
    baseSequence: 99,
    isTransactional: true,
    isControl: true,
    partitionLeaderEpoch: 5,
    timestampType: 'LogAppendTime',
  })
  assert.equal(header.baseOffset(batch), 2 ** 40)
  assert.equal(header.compressionCodec(batch), CompressionCodec.Zstd)
  assert.equal(header.attributes(batch) & header.TIMESTAMP_TYPE_FLAG, header.TIMESTAMP_TYPE_FLAG)
  assert.ok(header.isTransactional(batch))
  assert.ok(header.isControl(batch))
  assert.equal(header.producerId(batch), 2 ** 45 + 7)
  assert.equal(header.producerEpoch(batch), 12)
  assert.equal(header.baseSequence(batch), 99)
  assert.equal(header.leaderEpoch(batch), 5)
  assert.equal(header.storedCrc(batch), header.computeCrc(batch))
})

test('baseTimestamp is the first record\'s and maxTimestamp the largest, so deltas may be negative', () => {
  const input: RecordInput[] = [
    { key: null, value: null, timestamp: T + 10 },
    { key: null, value: null, timestamp: T },
    { key: null, value: null, timestamp: T + 99 },
  ]
  const batch = buildRecordBatch(input)
  assert.equal(header.baseTimestamp(batch), T + 10)
  assert.equal(header.maxTimestamp(batch), T + 99)
  assert.deepEqual(readRecords(batch).map((r) => r.timestamp), [T + 10, T, T + 99])
})

test('records without a timestamp take the timestamp option, and with neither add refuses them', () => {
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('b'), timestamp: T + 1 }], { timestamp: T })
  assert.deepEqual(readRecords(batch).map((r) => r.timestamp), [T, T + 1])
  assert.throws(() => buildRecordBatch([{ key: null, value: null }]), (e) => isSluiceError(e, 'INVALID_TIMESTAMP'))
  assert.throws(() => buildRecordBatch([{ key: null, value: null, timestamp: 1.5 }]), (e) => isSluiceError(e, 'INVALID_TIMESTAMP'))
})

test('add refuses the record that would pass batchBytesMax, and sizeBytes is the built size', () => {
  const builder = new RecordBatchBuilder({ batchBytesMax: 1000 })
  let accepted = 0
  for (const record of records(100, 50)) {
    if (!builder.add(record)) break
    accepted++
    assert.equal(builder.recordCount, accepted)
  }
  assert.ok(accepted > 5 && accepted < 100)
  assert.ok(builder.sizeBytes <= 1000)
  const batch = builder.build()
  assert.equal(batch.length, builder.sizeBytes)
  assert.equal(header.recordCount(batch), accepted)
  assert.equal(readRecords(batch).length, accepted)
})

test('the first record is accepted even when larger than batchBytesMax', () => {
  const builder = new RecordBatchBuilder({ batchBytesMax: 100 })
  assert.equal(builder.add({ key: null, value: Buffer.alloc(500), timestamp: T }), true)
  assert.equal(builder.add({ key: null, value: Buffer.alloc(1), timestamp: T }), false)
  assert.equal(header.recordCount(builder.build()), 1)
})

test('an empty batch has zero records, lastOffsetDelta 0, and the timestamp option (or -1) for both timestamps', () => {
  const timed = buildRecordBatch([], { timestamp: T })
  assert.equal(timed.length, header.BATCH_HEADER_BYTES)
  assert.equal(header.recordCount(timed), 0)
  assert.equal(header.lastOffsetDelta(timed), 0)
  assert.equal(header.baseTimestamp(timed), T)
  assert.equal(header.maxTimestamp(timed), T)
  assert.equal(header.baseTimestamp(buildRecordBatch([])), -1)
  for (const codec of CODECS) assert.deepEqual(readRecords(buildRecordBatch([], { compression: codec })), [])
})

test('explicit offset deltas keep gaps (as compaction needs) and set lastOffsetDelta', () => {
  const batch = buildRecordBatch([
    { key: Buffer.from('a'), value: null, timestamp: T, offsetDelta: 2 },
    { key: Buffer.from('b'), value: null, timestamp: T, offsetDelta: 7 },
  ], { baseOffset: 100 })
  assert.equal(header.lastOffsetDelta(batch), 7)
  assert.deepEqual(readRecords(batch).map((r) => r.offset), [102, 107])
  assert.throws(() => buildRecordBatch([
    { key: null, value: null, timestamp: T, offsetDelta: 3 },
    { key: null, value: null, timestamp: T, offsetDelta: 3 },
  ]), AssertionError)
})

test('a compressed batch holds the compressed form of exactly the uncompressed records section', () => {
  const input = records(200, 40)
  const plain = buildRecordBatch(input)
  const section = plain.subarray(header.BATCH_HEADER_BYTES)
  for (const codec of CODECS.slice(1)) {
    const packed = buildRecordBatch(input, { compression: codec })
    assert.equal(header.compressionCodec(packed), codec)
    assert.equal(header.recordCount(packed), 200)
    assert.equal(header.storedCrc(packed), header.computeCrc(packed))
    const unpacked = decompressSync(codec, packed.subarray(header.BATCH_HEADER_BYTES), section.length)
    assert.ok(unpacked.equals(section), `codec ${codec}`)
    // Everything but the codec bits, CRC and length is the same header.
    assert.ok(packed.subarray(23, 61).equals(plain.subarray(23, 61)))
  }
})

test('buildAsync writes the same bytes as build for every codec', async () => {
  const input = records(50, 30)
  for (const compression of CODECS) {
    const sync = new RecordBatchBuilder({ compression })
    const async = new RecordBatchBuilder({ compression })
    for (const record of input) {
      sync.add(record)
      async.add(record)
    }
    assert.ok((await async.buildAsync()).equals(sync.build()), `codec ${compression}`)
  }
})
