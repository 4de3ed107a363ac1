// CreatePartitions called directly over a real Coordinator, at v0 and v3.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPartitionsHandler } from './37-create-partitions.ts'
import { openTestBed, TEST_BROKER } from './handler-test-kit.ts'

test('create partitions grows topics and answers Kafka codes per topic', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('grow', { partitions: 2 })
    const response = await bed.call(createPartitionsHandler, 0, {
      timeoutMs: 100, validateOnly: false,
      topics: [
        { name: 'grow', count: 4, assignments: null }, { name: 'missing', count: 2, assignments: null },
        { name: '__consumer_offsets', count: 10, assignments: null },
      ],
    })
    assert.deepEqual(response.results.map((r) => [r.name, r.errorCode]), [['grow', 0], ['missing', 3], ['__consumer_offsets', 42]])
    assert.equal(bed.coordinator.topics.partitionCount('grow'), 4)
    const shrink = await bed.call(createPartitionsHandler, 3, { timeoutMs: 100, validateOnly: false, topics: [{ name: 'grow', count: 3, assignments: null }] })
    assert.equal(shrink.results[0]!.errorCode, 37)
    assert.match(shrink.results[0]!.errorMessage!, /4 partitions/)
  } finally {
    await bed.close()
  }
})

test('create partitions checks assignments and validateOnly changes nothing', async () => {
  const bed = await openTestBed()
  const node = TEST_BROKER.nodeId
  try {
    await bed.coordinator.topics.create('t', { partitions: 1 })
    const dry = await bed.call(createPartitionsHandler, 3, {
      timeoutMs: 100, validateOnly: true,
      topics: [{ name: 't', count: 3, assignments: [{ brokerIds: [node] }, { brokerIds: [node] }] }],
    })
    assert.equal(dry.results[0]!.errorCode, 0)
    assert.equal(bed.coordinator.topics.partitionCount('t'), 1)
    const bad = await bed.call(createPartitionsHandler, 3, {
      timeoutMs: 100, validateOnly: false,
      topics: [{ name: 't', count: 3, assignments: [{ brokerIds: [node] }] }, { name: 't', count: 5, assignments: null }],
    })
    assert.deepEqual(bad.results.map((r) => r.errorCode), [42, 42], 'a topic twice')
    const wrongNode = await bed.call(createPartitionsHandler, 2, { timeoutMs: 100, validateOnly: false, topics: [{ name: 't', count: 2, assignments: [{ brokerIds: [node + 1] }] }] })
    assert.equal(wrongNode.results[0]!.errorCode, 39)
    const dryShrink = await bed.call(createPartitionsHandler, 1, { timeoutMs: 100, validateOnly: true, topics: [{ name: 't', count: 1, assignments: null }] })
    assert.equal(dryShrink.results[0]!.errorCode, 37)
  } finally {
    await bed.close()
  }
})
