// Produce over the wire: offsets, the validation errors, acks=0, idempotence answers, and
// decompression bombs (gzip, zstd, LZ4) refused without inflating them into memory.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import zstdBinding from 'zstd-napi/binding.js'
import { startTestBroker, type TestBroker } from '../../testing/broker.ts'
import { WireClient } from '../wire-test-kit.ts'
import {
  BATCH_HEADER_BYTES, CompressionCodec, buildRecordBatch, compressSync, writeCrc, type RecordBatchOptions,
} from '../../protocol/records/index.ts'
import { Random } from '../../base/random.ts'
import { PRODUCE_DECOMPRESSED_BYTES_MAX } from '../decompressed-size.ts'
import type { ApiVersionsResponse, InitProducerIdResponse, ProduceResponse } from '../../protocol/messages/index.ts'

const PRODUCE = 0
const VERSION = 9

function batch(values: string[], options: RecordBatchOptions = {}): Buffer {
  return buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { timestamp: 1_700_000_000_000, ...options })
}

function produceRequest(acks: number, parts: Array<[topic: string, partition: number, records: Buffer | null]>) {
  const byTopic = new Map<string, Array<{ index: number; records: Buffer | null }>>()
  for (const [topic, index, records] of parts) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { index, records }])
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })) }
}

function codes(response: ProduceResponse): Array<[string, number, number, number]> {
  return response.responses.flatMap((t) => t.partitionResponses.map((p): [string, number, number, number] => [t.name, p.index, p.errorCode, p.baseOffset]))
}

async function withClient(fn: (client: WireClient, broker: TestBroker) => Promise<void>): Promise<void> {
  const broker = await startTestBroker()
  const client = await WireClient.connect(broker.port)
  try {
    await broker.coordinator.topics.create('events', { partitions: 2 })
    await fn(client, broker)
  } finally {
    client.close()
    await broker.stop()
  }
}

test('produce appends each partition and answers its base offset', async () => {
  await withClient(async (client, { coordinator }) => {
    const first = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 0, batch(['a', 'b'])], ['events', 1, batch(['c'])]]))
    assert.deepEqual(codes(first), [['events', 0, 0, 0], ['events', 1, 0, 0]])
    const second = await client.request<ProduceResponse>(PRODUCE, 3, produceRequest(-1, [['events', 0, batch(['d'])]]))
    assert.deepEqual(codes(second), [['events', 0, 0, 2]])
    assert.equal(coordinator.partition('events', 0).logEndOffset, 3)
  })
})

test('produce answers CORRUPT_MESSAGE, INVALID_RECORD, UNKNOWN_TOPIC_OR_PARTITION and MESSAGE_TOO_LARGE per partition', async () => {
  await withClient(async (client, { coordinator }) => {
    await coordinator.topics.create('small', { config: { 'max.message.bytes': 1024 } })
    const corrupt = batch(['payload'])
    corrupt[corrupt.length - 1]! ^= 0xff
    const response = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [
      ['events', 0, corrupt], ['events', 1, batch(['fine'])], ['missing', 0, batch(['x'])], ['events', 7, batch(['x'])],
      ['small', 0, batch(['y'.repeat(2000)])],
    ]))
    assert.deepEqual(codes(response), [['events', 0, 2, -1], ['events', 1, 0, 0], ['events', 7, 3, -1], ['missing', 0, 3, -1], ['small', 0, 10, -1]])
    assert.equal(coordinator.topics.has('missing'), false, 'Produce must not auto-create topics')
    const empty = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 0, Buffer.alloc(0)]]))
    assert.deepEqual(codes(empty), [['events', 0, 87, -1]])
    // Kafka takes one batch v2 per partition from a client; two back to back are INVALID_RECORD.
    const two = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 1, Buffer.concat([batch(['a']), batch(['b'])])]]))
    assert.deepEqual(codes(two), [['events', 1, 87, -1]])
    assert.equal(coordinator.partition('events', 1).logEndOffset, 1, 'only the earlier single batch')
  })
})

test('produce with invalid acks answers INVALID_REQUIRED_ACKS for every partition and writes nothing', async () => {
  await withClient(async (client, { coordinator }) => {
    const response = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(2, [['events', 0, batch(['a'])], ['events', 1, batch(['b'])]]))
    assert.deepEqual(codes(response), [['events', 0, 21, -1], ['events', 1, 21, -1]])
    assert.equal(coordinator.partition('events', 0).logEndOffset, 0)
  })
})

test('produce with acks=0 appends and sends no response', async () => {
  await withClient(async (client, { coordinator }) => {
    await client.send(PRODUCE, VERSION, produceRequest(0, [['events', 0, batch(['quiet'])]]))
    const versions = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' })
    assert.equal(versions.errorCode, 0)
    assert.equal(coordinator.partition('events', 0).logEndOffset, 1)
  })
})

test('an idempotent retry gets its original offset; a sequence gap and a stale epoch are refused', async () => {
  await withClient(async (client) => {
    const init = await client.request<InitProducerIdResponse>(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })
    assert.equal(init.errorCode, 0)
    const ids = { producerId: init.producerId, producerEpoch: init.producerEpoch }
    const send = (options: RecordBatchOptions, values = ['x', 'y']) =>
      client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(-1, [['events', 0, batch(values, { ...ids, ...options })]]))
    assert.deepEqual(codes(await send({ baseSequence: 0 })), [['events', 0, 0, 0]])
    assert.deepEqual(codes(await send({ baseSequence: 2 })), [['events', 0, 0, 2]])
    assert.deepEqual(codes(await send({ baseSequence: 0 })), [['events', 0, 0, 0]], 'a duplicate is answered with its original offset')
    assert.deepEqual(codes(await send({ baseSequence: 9 })), [['events', 0, 45, -1]])
    // An idempotent producer bumps its epoch itself (KIP-360): the new epoch starts at sequence 0.
    assert.deepEqual(codes(await send({ baseSequence: 0, producerEpoch: ids.producerEpoch + 1 })), [['events', 0, 0, 4]])
    assert.deepEqual(codes(await send({ baseSequence: 4 })), [['events', 0, 47, -1]])
  })
})

// A batch whose records section is `section` as given (compressed with `codec`), with a valid header
// and CRC: what a client could send, whether or not the section inflates to real records.
function batchWithSection(codec: CompressionCodec, section: Buffer, recordCount = 1): Buffer {
  const out = Buffer.alloc(BATCH_HEADER_BYTES + section.length)
  out.writeBigInt64BE(0n, 0)
  out.writeInt32BE(out.length - 12, 8)
  out.writeInt32BE(-1, 12)
  out.writeInt8(2, 16)
  out.writeInt16BE(codec, 21)
  out.writeInt32BE(recordCount - 1, 23)
  out.writeBigInt64BE(1_700_000_000_000n, 27)
  out.writeBigInt64BE(1_700_000_000_000n, 35)
  out.writeBigInt64BE(-1n, 43)
  out.writeInt16BE(-1, 51)
  out.writeInt32BE(-1, 53)
  out.writeInt32BE(recordCount, 57)
  section.copy(out, BATCH_HEADER_BYTES)
  writeCrc(out)
  return out
}

const BOMB_MIB = 72 // over the 64 MiB limit
const MIB = 1024 * 1024

// gzip members concatenate (every gunzip, Java's included, reads them all): 72 copies of 1 MiB of
// zeros, ~73 KB that inflate to 72 MiB, without the test ever holding 72 MiB.
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(MIB), { level: 9 })
  return Buffer.concat(Array.from({ length: BOMB_MIB }, () => member))
}

// A zstd frame of RLE blocks (3-byte header + 1 byte, 128 KiB of output each), written by hand;
// with `declareSize` the frame header states the content size. Either way the broker learns the
// size from the frame header or the block headers, without decoding.
function zstdBomb(declareSize: boolean): Buffer {
  const blockBytes = 128 * 1024
  const blocks = (BOMB_MIB * MIB) / blockBytes
  const header = declareSize ? Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0 /* 8-byte FCS, single segment off */, 0x38]) : Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])
  const fcs = Buffer.alloc(declareSize ? 8 : 0)
  if (declareSize) fcs.writeBigUInt64LE(BigInt(BOMB_MIB * MIB))
  // Window descriptor 0x38: 2^(10 + 7) = 128 KiB. FCS follows the window byte.
  const parts: Buffer[] = [header, fcs]
  for (let i = 0; i < blocks; i++) {
    const isLast = i === blocks - 1 ? 1 : 0
    const word = isLast | (1 << 1) | (blockBytes << 3) // RLE block of blockBytes
    parts.push(Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0x61]))
  }
  return Buffer.concat(parts)
}

// A zstd frame of compressed blocks and no declared size (as streaming compressors such as the Java
// client's write it), streamed from 1 MiB pieces: the broker has to decode it to learn its size.
function zstdStreamedBomb(): Buffer {
  const context = new zstdBinding.CCtx()
  context.setParameter(zstdBinding.CParameter.contentSizeFlag, 0)
  const piece = Buffer.alloc(MIB, 'abcdefgh') // not one repeated byte, which zstd would store as RLE blocks
  const out = Buffer.alloc(MIB)
  const parts: Buffer[] = []
  for (let i = 0; i < BOMB_MIB; i++) {
    const isLast = i === BOMB_MIB - 1
    let input = piece
    for (;;) {
      const [remaining, written, consumed] = context.compressStream2(out, input, isLast ? zstdBinding.EndDirective.end : zstdBinding.EndDirective.continue)
      parts.push(Buffer.from(out.subarray(0, written)))
      input = input.subarray(consumed)
      if (input.length === 0 && (!isLast || remaining === 0)) break
    }
  }
  return Buffer.concat(parts)
}

// LZ4 frames concatenate too: 72 frames of 1 MiB of zeros.
function lz4Bomb(): Buffer {
  const frame = compressSync(CompressionCodec.Lz4, Buffer.alloc(MIB))
  return Buffer.concat(Array.from({ length: BOMB_MIB }, () => frame))
}

test('compressed batches inflating past the limit are refused with INVALID_RECORD without inflating them into memory', async () => {
  await withClient(async (client, { coordinator }) => {
    const bombs: Array<[string, Buffer]> = [
      ['gzip', batchWithSection(CompressionCodec.Gzip, gzipBomb())],
      ['zstd, RLE blocks', batchWithSection(CompressionCodec.Zstd, zstdBomb(false))],
      ['zstd, size declared', batchWithSection(CompressionCodec.Zstd, zstdBomb(true))],
      ['zstd, compressed blocks, size undeclared', batchWithSection(CompressionCodec.Zstd, zstdStreamedBomb())],
      ['lz4', batchWithSection(CompressionCodec.Lz4, lz4Bomb())],
    ]
    for (const [name, bomb] of bombs) {
      assert.ok(bomb.length < 400_000, `${name} bomb is ${bomb.length} bytes`)
      const before = process.memoryUsage()
      let peakBytes = before.arrayBuffers + before.heapUsed
      const sampler = setInterval(() => {
        const now = process.memoryUsage()
        peakBytes = Math.max(peakBytes, now.arrayBuffers + now.heapUsed)
      }, 1)
      const response = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 0, bomb]])).finally(() => clearInterval(sampler))
      const partition = response.responses[0]!.partitionResponses[0]!
      assert.equal(partition.errorCode, 87, `${name}: ${partition.errorMessage}`)
      assert.match(partition.errorMessage ?? '', new RegExp(`decompresses to more than the ${PRODUCE_DECOMPRESSED_BYTES_MAX}-byte limit`))
      // Inflating to the limit would take 64 MiB; counting keeps a chunk or two at a time.
      const grewMiB = (peakBytes - before.arrayBuffers - before.heapUsed) / MIB
      assert.ok(grewMiB < 32, `${name}: memory grew ${grewMiB.toFixed(1)} MiB`)
    }
    assert.equal(coordinator.partition('events', 0).logEndOffset, 0)
  })
})

test('a large compressed batch under the limit is measured and appended; one that does not decompress is CORRUPT_MESSAGE', async () => {
  await withClient(async (client, { coordinator }) => {
    // ~300 KB of hex text: gzip leaves ~150 KB, past the size that rules a bomb out unmeasured.
    const value = Buffer.from(new Random(7).bytes(150_000).toString('hex'))
    const big = batch([value.toString()], { compression: CompressionCodec.Gzip })
    assert.ok(big.length > PRODUCE_DECOMPRESSED_BYTES_MAX / 1032, `the batch is only ${big.length} bytes`)
    const garbage = batchWithSection(CompressionCodec.Gzip, new Random(8).bytes(100_000))
    const response = await client.request<ProduceResponse>(PRODUCE, VERSION, produceRequest(1, [['events', 0, big], ['events', 1, garbage]]))
    assert.deepEqual(codes(response), [['events', 0, 0, 0], ['events', 1, 2, -1]])
    assert.equal(coordinator.partition('events', 0).logEndOffset, 1)
  })
})

test('a batch that waits to be measured keeps its place: pipelined idempotent batches are appended in the order sent', async () => {
  await withClient(async (client) => {
    const init = await client.request<InitProducerIdResponse>(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })
    const ids = { producerId: init.producerId, producerEpoch: init.producerEpoch }
    const value = Buffer.from(new Random(9).bytes(150_000).toString('hex')).toString()
    // The first batch must be measured (gzip, ~150 KB); the second is small and would otherwise be
    // appended first, and be refused as OUT_OF_ORDER_SEQUENCE_NUMBER.
    const first = await client.send(PRODUCE, VERSION, produceRequest(-1, [['events', 0, batch([value], { ...ids, baseSequence: 0, compression: CompressionCodec.Gzip })]]))
    const second = await client.send(PRODUCE, VERSION, produceRequest(-1, [['events', 0, batch(['small'], { ...ids, baseSequence: 1, compression: CompressionCodec.Gzip })]]))
    assert.deepEqual(codes(await client.response<ProduceResponse>(PRODUCE, VERSION, first)), [['events', 0, 0, 0]])
    assert.deepEqual(codes(await client.response<ProduceResponse>(PRODUCE, VERSION, second)), [['events', 0, 0, 1]])
  })
})
