import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { isSluiceError, SluiceError } from '../../base/errors.ts'
import { randomFromEnv, type Random } from '../../base/random.ts'
import * as header from './batch-header.ts'
import { CompressionCodec } from './batch-header.ts'
import { buildRecordBatch } from './record-batch-builder.ts'
import {
  batchPositions, forEachBatch, forEachRecord, readRecords, readRecordsAsync, recordsSection,
} from './record-batch-reader.ts'
import { NO_HEADERS, type RecordHeader, type RecordInput } from './record.ts'

const T = 1_700_000_000_000
const MiB = 1024 * 1024
const CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]

function nullableBytes(random: Random, maxBytes: number): Buffer | null {
  if (random.chance(0.15)) return null
  return random.chance(0.1) ? Buffer.alloc(0) : random.bytes(random.int(1, maxBytes))
}

function randomRecords(random: Random, count: number): RecordInput[] {
  const headerKeys = ['trace', 'content-type', 'ключ', '🔑', '']
  return Array.from({ length: count }, () => {
    const headers: RecordHeader[] = random.chance(0.5)
      ? []
      : Array.from({ length: random.int(1, 4) }, () => [random.pick(headerKeys), nullableBytes(random, 20)])
    return { key: nullableBytes(random, 40), value: nullableBytes(random, 300), headers, timestamp: T + random.int(-5000, 5000) }
  })
}

function recordCallbackThrows(buf: Buffer): unknown {
  try {
    forEachRecord(buf, 0, () => {})
    return undefined
  } catch (error) {
    return error
  }
}

/** The batch with its records section replaced (and CRC left stale: the reader does not check it). */
function withSection(batch: Buffer, section: Buffer, recordCount?: number): Buffer {
  const out = Buffer.concat([batch.subarray(0, header.BATCH_HEADER_BYTES), section])
  out.writeInt32BE(out.length - header.BATCH_LOG_OVERHEAD, header.OFFSET_BATCH_LENGTH)
  if (recordCount !== undefined) out.writeInt32BE(recordCount, header.OFFSET_RECORD_COUNT)
  return out
}

test('random records with null, empty and binary fields round-trip through every codec', () => {
  const random = randomFromEnv('reader round trip')
  for (let round = 0; round < 20; round++) {
    const input = randomRecords(random, random.int(1, 120))
    const baseOffset = random.int(0, 2 ** 40)
    for (const compression of CODECS) {
      const batch = buildRecordBatch(input, { compression, baseOffset })
      const output = readRecords(batch)
      assert.equal(output.length, input.length)
      output.forEach((record, i) => {
        const expected = input[i] as RecordInput
        assert.equal(record.offset, baseOffset + i)
        assert.equal(record.timestamp, expected.timestamp)
        assert.deepEqual(record.key, expected.key)
        assert.deepEqual(record.value, expected.value)
        assert.deepEqual(record.headers, expected.headers)
      })
    }
  }
})

test('a 4 MiB value round-trips through every codec', () => {
  const value = randomFromEnv('reader big value').bytes(4 * MiB)
  for (const compression of CODECS) {
    const batch = buildRecordBatch([{ key: Buffer.from('big'), value, timestamp: T }], { compression })
    const [record] = readRecords(batch, 0, { decompressedBytesMax: 5 * MiB })
    assert.ok(record?.value?.equals(value), `codec ${compression}`)
  }
})

test('uncompressed keys and values are views into the batch, not copies', () => {
  const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T }])
  const padded = Buffer.concat([Buffer.alloc(7), batch])
  const [record] = readRecords(padded, 7)
  assert.equal(record?.value?.buffer, padded.buffer)
  padded[padded.length - 2] = 0x77 // the value byte sits just before the header count
  assert.equal(record?.value?.toString(), 'w')
})

test('forEachRecord passes the shared NO_HEADERS for headerless records and readRecords a fresh array', () => {
  const batch = buildRecordBatch([
    { key: null, value: null, timestamp: T },
    { key: null, value: null, headers: [['a', null]], timestamp: T },
  ])
  const seen: RecordHeader[][] = []
  assert.equal(forEachRecord(batch, 0, (_offset, _timestamp, _key, _value, headers) => seen.push(headers)), 2)
  assert.equal(seen[0], NO_HEADERS)
  assert.deepEqual(seen[1], [['a', null]])
  const [first] = readRecords(batch)
  assert.notEqual(first?.headers, NO_HEADERS)
  first?.headers.push(['mutable', null])
})

test('LogAppendTime batches report maxTimestamp for every record', () => {
  const batch = buildRecordBatch([{ key: null, value: null, timestamp: T }, { key: null, value: null, timestamp: T + 9 }], {
    timestampType: 'LogAppendTime',
  })
  assert.deepEqual(readRecords(batch).map((r) => r.timestamp), [T + 9, T + 9])
})

test('readRecordsAsync decodes the same records as readRecords', async () => {
  const input = randomRecords(randomFromEnv('reader async'), 30)
  for (const compression of CODECS) {
    const batch = buildRecordBatch(input, { compression })
    assert.deepEqual(await readRecordsAsync(batch), readRecords(batch))
  }
})

test('forEachBatch visits whole batches and stops cleanly at a partial trailing batch cut anywhere', () => {
  const batches = [1, 5, 3].map((n, i) => buildRecordBatch(Array.from({ length: n }, () => ({ key: null, value: Buffer.from('x'), timestamp: T })), { baseOffset: i * 10 }))
  const all = Buffer.concat(batches)
  const firstTwo = (batches[0] as Buffer).length + (batches[1] as Buffer).length
  for (let cut = firstTwo; cut < all.length; cut++) {
    const visited: number[] = []
    const end = forEachBatch(all.subarray(0, cut), (pos, size) => {
      visited.push(header.baseOffset(all, pos))
      assert.equal(size, header.batchSize(all, pos))
    })
    assert.deepEqual(visited, [0, 10])
    assert.equal(end, firstTwo)
    assert.deepEqual([...batchPositions(all, 0, cut)], [0, (batches[0] as Buffer).length])
  }
  assert.equal(forEachBatch(all, () => {}), all.length)
  assert.equal([...batchPositions(all)].length, 3)
})

test('forEachBatch rejects a batchLength too small for a header as CORRUPT_MESSAGE', () => {
  const batch = buildRecordBatch([{ key: null, value: null, timestamp: T }])
  batch.writeInt32BE(10, header.OFFSET_BATCH_LENGTH)
  assert.throws(() => forEachBatch(batch, () => {}), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})

test('record-level damage is INVALID_RECORD: bad varints, lengths past the end, count mismatches', () => {
  const batch = buildRecordBatch([
    { key: Buffer.from('key'), value: Buffer.from('value'), headers: [['h', Buffer.from('v')]], timestamp: T },
    { key: Buffer.from('key2'), value: Buffer.from('value2'), timestamp: T + 1 },
  ])
  const section = Buffer.from(batch.subarray(header.BATCH_HEADER_BYTES))
  const cases: Array<[string, Buffer]> = [
    ['more records declared than present', withSection(batch, section, 3)],
    ['fewer records declared than present', withSection(batch, section, 1)],
    ['negative record count', withSection(batch, section, -1)],
    ['huge record count', withSection(batch, section, 0x7fffffff)],
    ['a varint that never ends', withSection(batch, Buffer.concat([section, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), 3)],
    ['a truncated section', withSection(batch, section.subarray(0, section.length - 3))],
    ['a record length past the end', withSection(batch, Buffer.concat([Buffer.from([0x7e]), section.subarray(1)]))],
  ]
  // Key length of the first record (byte 4 of the section: length, attributes, two deltas) set to 60.
  const keyPastEnd = Buffer.from(section)
  keyPastEnd[4] = 120
  cases.push(['a key length past the record', withSection(batch, keyPastEnd)])
  const badHeaderCount = Buffer.from(section)
  badHeaderCount[4 + 1 + 3 + 1 + 5] = 0x7f // header count -64
  cases.push(['a negative header count', withSection(batch, badHeaderCount)])
  for (const [name, bad] of cases) {
    const error = recordCallbackThrows(bad)
    assert.ok(isSluiceError(error, 'INVALID_RECORD'), `${name}: ${String(error)}`)
  }
})

test('frame-level damage is CORRUPT_MESSAGE or an unsupported format, never a RangeError', () => {
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('v'), timestamp: T }])
  assert.ok(isSluiceError(recordCallbackThrows(batch.subarray(0, 40)), 'CORRUPT_MESSAGE'))
  assert.ok(isSluiceError(recordCallbackThrows(batch.subarray(0, batch.length - 1)), 'CORRUPT_MESSAGE'))
  const oldMagic = Buffer.from(batch)
  oldMagic[header.OFFSET_MAGIC] = 1
  assert.ok(isSluiceError(recordCallbackThrows(oldMagic), 'UNSUPPORTED_FOR_MESSAGE_FORMAT'))
  const badCodec = Buffer.from(batch)
  badCodec.writeInt16BE(6, header.OFFSET_ATTRIBUTES)
  assert.ok(isSluiceError(recordCallbackThrows(badCodec), 'UNSUPPORTED_COMPRESSION_TYPE'))
  const badGzip = buildRecordBatch([{ key: null, value: Buffer.from('v'), timestamp: T }], { compression: CompressionCodec.Gzip })
  badGzip[badGzip.length - 12] = (badGzip[badGzip.length - 12] as number) ^ 0xff
  assert.ok(isSluiceError(recordCallbackThrows(badGzip), 'CORRUPT_MESSAGE'))
})

test('random damage to records, compressed or not, only ever raises SluiceError', () => {
  const random = randomFromEnv('reader fuzz')
  for (const compression of CODECS) {
    const batch = buildRecordBatch(randomRecords(random, 20), { compression })
    for (let round = 0; round < 300; round++) {
      const bad = Buffer.from(batch)
      for (let flips = random.int(1, 4); flips > 0; flips--) {
        bad[random.int(header.BATCH_HEADER_BYTES, bad.length)] = random.int(0, 256)
      }
      const cut = random.chance(0.2) ? withSection(bad, bad.subarray(header.BATCH_HEADER_BYTES, random.int(header.BATCH_HEADER_BYTES, bad.length))) : bad
      const error = recordCallbackThrows(cut)
      assert.ok(error === undefined || error instanceof SluiceError, `codec ${compression} round ${round}: ${String(error)}`)
    }
  }
})

test('a gzip batch whose records would inflate to 1 GiB is refused under decompressedBytesMax', () => {
  const member = gzipSync(Buffer.alloc(MiB))
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member))
  const batch = withSection(buildRecordBatch([{ key: null, value: null, timestamp: T }], { compression: CompressionCodec.Gzip }), bomb)
  assert.throws(() => readRecords(batch, 0, { decompressedBytesMax: 8 * MiB }), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
  assert.throws(() => recordsSection(batch, 0, { decompressedBytesMax: 8 * MiB }), (e) => isSluiceError(e, 'RECORD_LIST_TOO_LARGE'))
})
