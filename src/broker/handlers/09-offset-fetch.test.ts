// OffsetFetch called directly over a real Coordinator: one group with listed partitions (v0-7),
// `topics: null` for all (v2+), and batched groups (v8+).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { offsetFetchHandler } from './09-offset-fetch.ts'
import { openTestBed } from './handler-test-kit.ts'

test('offset fetch answers committed offsets, -1 where none, at v1, v5 and with null topics', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { partitions: 2 })
    await bed.coordinator.groups.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 7, leaderEpoch: 2, metadata: 'x' }] })
    const v1 = await bed.call(offsetFetchHandler, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: false })
    assert.deepEqual(v1.topics, [{ name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, metadata: 'x', errorCode: 0 },
      { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    ] }])
    const v5 = await bed.call(offsetFetchHandler, 5, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false })
    assert.equal(v5.topics[0]!.partitions[0]!.committedLeaderEpoch, 2)
    const all = await bed.call(offsetFetchHandler, 7, { groupId: 'g', topics: null, groups: [], requireStable: true })
    assert.deepEqual([all.errorCode, all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])], [0, [['t', [[0, 7]]]]])
  } finally {
    await bed.close()
  }
})

test('offset fetch v8+ answers several groups at once, each with its own topics', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t')
    await bed.coordinator.groups.commitOffsets({ groupId: 'a', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 3 }] })
    const response = await bed.call(offsetFetchHandler, 9, {
      groupId: '', topics: [], requireStable: false,
      groups: [{ groupId: 'a', memberId: null, memberEpoch: -1, topics: null }, { groupId: 'b', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] }],
    })
    assert.deepEqual(response.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))]), [['a', 0, [[3]]], ['b', 0, [[-1]]]])
  } finally {
    await bed.close()
  }
})

test('offset fetch reports a closed coordinator at the top level from v2 and per partition before', async () => {
  const bed = await openTestBed()
  await bed.coordinator.groups.close()
  try {
    const v2 = await bed.call(offsetFetchHandler, 2, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false })
    assert.deepEqual([v2.errorCode, v2.topics], [15, []])
    const v0 = await bed.call(offsetFetchHandler, 0, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false })
    assert.deepEqual(v0.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[-1, 15]])
  } finally {
    await bed.close()
  }
})
