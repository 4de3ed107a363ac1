// Golden bytes from a real client: KafkaJS 2.2.4's record batch encoder (the code its producer runs
// for Produce v3+) and decoder, against our builder and reader. A hex fixture captured from KafkaJS
// keeps the check alive without it.
//
// Where KafkaJS's defaults differ from the Java client's, the tests pass KafkaJS's values to our
// builder explicitly: partitionLeaderEpoch 0 (Java: -1), producerEpoch 0 and baseSequence 0 for a
// non-idempotent batch (Java: -1, -1), and baseTimestamp = the smallest record timestamp (Java and
// our default: the first record's). KafkaJS cannot encode null header values (its size function
// calls Buffer.byteLength(null)) nor repeat a header key except through an array value.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { crc32c } from '../../base/crc32c.ts'
import { CompressionCodec, OFFSET_ATTRIBUTES, storedCrc } from './batch-header.ts'
import { buildRecordBatch } from './record-batch-builder.ts'
import { readRecords } from './record-batch-reader.ts'
import type { RecordInput } from './record.ts'
import { validateBatch } from './validate.ts'

const require = createRequire(import.meta.url)
// KafkaJS internals are untyped CommonJS.
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (fields: object) => Promise<{ buffer: Buffer }>
}
const KafkaRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (fields: object) => unknown
const KafkaDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown
const decodeKafkaBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  decoder: unknown,
) => Promise<{ records: Array<{ key: Buffer | null; value: Buffer | null; offset: string; timestamp: string; headers: { [key: string]: Buffer } }> }>

const T = 1_700_000_000_000

const INPUT: RecordInput[] = [
  { key: Buffer.from('user-1'), value: Buffer.from('{"amount":120}'), headers: [['trace', Buffer.from('abc')]], timestamp: T },
  { key: null, value: Buffer.from('no key'), timestamp: T + 5 },
  {
    key: Buffer.from('user-2'),
    value: null,
    headers: [['content-type', Buffer.from('json')], ['x', Buffer.alloc(0)]],
    timestamp: T + 300,
  },
]

/** KafkaJS 2.2.4's bytes for INPUT with producerId 4242, producerEpoch 3, baseSequence 17. */
const KAFKAJS_FIXTURE_HEX =
  '0000000000000000000000860000000002b09578d90000000000020000018bcfe568000000018bcfe5692c0000000000001092' +
  '00030000001100000003480000000c757365722d311c7b22616d6f756e74223a3132307d020a74726163650661626318000a' +
  '02010c6e6f206b6579004400d804040c757365722d32010418636f6e74656e742d74797065086a736f6e027800'

const IDEMPOTENT = { producerId: 4242, producerEpoch: 3, baseSequence: 17 }

async function kafkajsBatch(input: RecordInput[], fields: object, compression = CompressionCodec.None): Promise<Buffer> {
  const timestamps = input.map((r) => r.timestamp as number)
  const first = Math.min(...timestamps)
  const records = input.map((r, i) =>
    KafkaRecord({
      key: r.key,
      value: r.value,
      headers: Object.fromEntries(r.headers ?? []),
      offsetDelta: i,
      timestampDelta: (r.timestamp as number) - first,
    }),
  )
  const encoder = await RecordBatch({
    ...fields,
    compression,
    records,
    firstTimestamp: first,
    maxTimestamp: Math.max(...timestamps),
    lastOffsetDelta: input.length - 1,
  })
  return encoder.buffer
}

function sameRecords(ours: ReturnType<typeof readRecords>, input: RecordInput[]): void {
  assert.equal(ours.length, input.length)
  ours.forEach((record, i) => {
    const expected = input[i] as RecordInput
    assert.equal(record.offset, i)
    assert.equal(record.timestamp, expected.timestamp)
    assert.deepEqual(record.key, expected.key)
    assert.deepEqual(record.value, expected.value)
    assert.deepEqual(record.headers, expected.headers ?? [])
  })
}

test('KafkaJS still encodes the committed fixture, so the fixture is a real client capture', async () => {
  // KafkaJS names baseSequence "firstSequence".
  const theirs = await kafkajsBatch(INPUT, { producerId: 4242, producerEpoch: 3, firstSequence: 17, partitionLeaderEpoch: 0 })
  assert.equal(theirs.toString('hex'), KAFKAJS_FIXTURE_HEX)
})

test('our builder writes byte-identical batches to the fixture given the same header fields', () => {
  const ours = buildRecordBatch(INPUT, { ...IDEMPOTENT, partitionLeaderEpoch: 0 })
  assert.equal(ours.toString('hex'), KAFKAJS_FIXTURE_HEX)
})

test('our reader decodes the fixture into the original records and it validates', () => {
  const fixture = Buffer.from(KAFKAJS_FIXTURE_HEX, 'hex')
  sameRecords(readRecords(fixture), INPUT)
  assert.deepEqual(validateBatch(fixture, 0, fixture.length, { maxBatchBytes: 1 << 20, isProducerBatch: true }), { ok: true })
})

test('our CRC-32C equals the one KafkaJS stores', async () => {
  const theirs = await kafkajsBatch(INPUT, {})
  assert.equal(crc32c(theirs.subarray(OFFSET_ATTRIBUTES)), storedCrc(theirs))
})

test('a non-idempotent batch matches KafkaJS byte for byte once its defaults are passed', async () => {
  const input: RecordInput[] = Array.from({ length: 50 }, (_, i) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: Buffer.alloc(i * 7, i),
    headers: i % 2 === 0 ? [] : [['n', Buffer.from(String(i))]],
    timestamp: T + i * 1000,
  }))
  const theirs = await kafkajsBatch(input, {})
  const ours = buildRecordBatch(input, { partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0 })
  assert.equal(ours.toString('hex'), theirs.toString('hex'))
})

test('with out-of-order timestamps KafkaJS bases on the smallest one, which our option reproduces', async () => {
  const input: RecordInput[] = [
    { key: null, value: Buffer.from('b'), timestamp: T + 50 },
    { key: null, value: Buffer.from('a'), timestamp: T },
  ]
  const theirs = await kafkajsBatch(input, {})
  const ours = buildRecordBatch(input, { partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0, baseTimestamp: T })
  assert.equal(ours.toString('hex'), theirs.toString('hex'))
  sameRecords(readRecords(theirs), input)
})

test('gzip batches match KafkaJS byte for byte and decode both ways', async () => {
  const input: RecordInput[] = Array.from({ length: 200 }, (_, i) => ({
    key: Buffer.from(`k${i % 10}`),
    value: Buffer.from(`{"reading":${i},"sensor":"s-${i % 7}"}`),
    timestamp: T + i,
  }))
  const theirs = await kafkajsBatch(input, {}, CompressionCodec.Gzip)
  sameRecords(readRecords(theirs), input)
  const ours = buildRecordBatch(input, { compression: CompressionCodec.Gzip, partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0 })
  // Same zlib, same default level and header: the compressed bytes agree too.
  assert.equal(ours.toString('hex'), theirs.toString('hex'))
  const decoded = await decodeKafkaBatch(new KafkaDecoder(ours))
  assert.equal(decoded.records.length, input.length)
  assert.deepEqual(decoded.records[199]?.value, input[199]?.value)
})

test('KafkaJS decodes the batches our builder writes', async () => {
  const ours = buildRecordBatch(INPUT, { baseOffset: 1000 })
  const decoded = await decodeKafkaBatch(new KafkaDecoder(ours))
  assert.deepEqual(decoded.records.map((r) => [r.offset, r.timestamp, r.key, r.value]), INPUT.map((r, i) => [
    String(1000 + i), String(r.timestamp), r.key, r.value,
  ]))
  assert.deepEqual(decoded.records[2]?.headers, { 'content-type': Buffer.from('json'), x: Buffer.alloc(0) })
})
