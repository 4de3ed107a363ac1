// DeleteRecords called directly over a real Coordinator with records produced through it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { deleteRecordsHandler } from './21-delete-records.ts'
import { openTestBed } from './handler-test-kit.ts'

test('delete records advances the low watermark, -1 meaning the high watermark, with per-partition errors', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { partitions: 2 })
    for (let p = 0; p < 2; p++) {
      const batch = buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ timestamp: bed.clock.now(), key: null, value: Buffer.from(`v${i}`), headers: [] })))
      await bed.coordinator.produce('t', p, batch)
    }
    const response = await bed.call(deleteRecordsHandler, 2, {
      timeoutMs: 100,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, offset: 4 }, { partitionIndex: 1, offset: -1 }, { partitionIndex: 2, offset: 0 }] },
        { name: 'missing', partitions: [{ partitionIndex: 0, offset: 0 }] },
        { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0 }] },
      ],
    })
    assert.deepEqual(response.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.lowWatermark, p.errorCode])]), [
      ['t', [[0, 4, 0], [1, 10, 0], [2, -1, 3]]], ['missing', [[0, -1, 3]]], ['__consumer_offsets', [[0, -1, 17]]],
    ])
    assert.equal(bed.coordinator.partition('t', 0).logStartOffset, 4)
    const beyond = await bed.call(deleteRecordsHandler, 0, { timeoutMs: 100, topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 11 }, { partitionIndex: 0, offset: -2 }] }] })
    assert.deepEqual(beyond.topics[0]!.partitions.map((p) => p.errorCode), [1, 1])
  } finally {
    await bed.close()
  }
})
