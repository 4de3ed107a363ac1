// A batch written by a real Kafka client is stored and served back byte for byte: the log only
// patches baseOffset (outside the CRC) and never re-encodes. Batches come from KafkaJS 2.2.4's own
// encoder, uncompressed (idempotent) and gzip.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { storedCrc, computeCrc, baseOffset } from '../protocol/records/batch-header.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import { MemoryFs } from '../testing/memory-fs.ts'
import { Coordinator } from './coordinator.ts'

const require = createRequire(import.meta.url)
// KafkaJS internals are untyped CommonJS.
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (fields: object) => Promise<{ buffer: Buffer }> }
const KafkaRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (fields: object) => unknown
const GZIP = 1
const T0 = 1_700_000_000_000

async function kafkajsBatch(count: number, fields: object): Promise<Buffer> {
  const records = Array.from({ length: count }, (_, i) =>
    KafkaRecord({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i} `.repeat(8)), headers: { h: Buffer.from('v') }, offsetDelta: i, timestampDelta: i }))
  const encoder = await RecordBatch({ ...fields, records, firstTimestamp: T0, maxTimestamp: T0 + count - 1, lastOffsetDelta: count - 1 })
  return encoder.buffer
}

test('batches built by KafkaJS are served back byte for byte apart from the assigned baseOffset', async () => {
  const coordinator = await Coordinator.open({ dataDir: '/data', fs: new MemoryFs(), clock: new ManualClock(T0) })
  try {
    await coordinator.topics.create('client-bytes')
    const originals = [
      await kafkajsBatch(5, { producerId: 7, producerEpoch: 0, firstSequence: 0 }),
      await kafkajsBatch(50, { compression: GZIP }),
      await kafkajsBatch(3, { producerId: 7, producerEpoch: 0, firstSequence: 5 }),
    ]
    let expectedBase = 0
    for (const original of originals) {
      const result = await coordinator.produce('client-bytes', 0, Buffer.from(original), { acks: -1 })
      assert.equal(result.baseOffset, expectedBase)
      const { records } = await coordinator.fetch('client-bytes', 0, expectedBase, { maxBytes: 1 })
      const served = records.subarray(0, original.length)
      assert.equal(baseOffset(served), expectedBase)
      assert.deepEqual(served.subarray(8), original.subarray(8), 'every byte after baseOffset is the client\'s')
      assert.equal(storedCrc(served), computeCrc(served))
      expectedBase += original.readInt32BE(57)
    }
  } finally {
    await coordinator.close()
  }
})
