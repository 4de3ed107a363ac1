// OffsetDelete called directly over a real Coordinator.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { offsetDeleteHandler } from './47-offset-delete.ts'
import { openTestBed } from './handler-test-kit.ts'

test('offset delete forgets an empty group\'s offsets, with per-partition and group-level errors', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { partitions: 2 })
    await bed.coordinator.groups.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 4 }, { topic: 't', partition: 1, offset: 5 }] })
    const response = await bed.call(offsetDeleteHandler, 0, {
      groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }, { partitionIndex: 7 }] }, { name: 'missing', partitions: [{ partitionIndex: 0 }] }],
    })
    assert.deepEqual(response, {
      errorCode: 0, throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 7, errorCode: 3 }] }, { name: 'missing', partitions: [{ partitionIndex: 0, errorCode: 3 }] }],
    })
    assert.deepEqual(bed.coordinator.groups.fetchOffsets('g', null).offsets.map((o) => [o.partition, o.offset]), [[1, 5]])
    const unknown = await bed.call(offsetDeleteHandler, 0, { groupId: 'nobody', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })
    assert.deepEqual([unknown.errorCode, unknown.topics], [69, []])
  } finally {
    await bed.close()
  }
})
