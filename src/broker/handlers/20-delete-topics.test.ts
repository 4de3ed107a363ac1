// DeleteTopics called directly over a real Coordinator, by name (v0, v5) and by id (v6).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import { wireTopicId } from '../topic-ids.ts'
import { deleteTopicsHandler } from './20-delete-topics.ts'
import { openTestBed } from './handler-test-kit.ts'

test('delete topics by name answers per topic; v5 adds messages; the internal topic stays', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('a')
    await bed.coordinator.topics.create('b')
    const v0 = await bed.call(deleteTopicsHandler, 0, { topics: [], topicNames: ['a', 'missing'], timeoutMs: 100 })
    assert.deepEqual(v0.responses.map((r) => [r.name, r.errorCode, r.errorMessage]), [['a', 0, null], ['missing', 3, null]])
    const v5 = await bed.call(deleteTopicsHandler, 5, { topics: [], topicNames: ['b', 'missing', '__consumer_offsets'], timeoutMs: 100 })
    assert.deepEqual(v5.responses.map((r) => r.errorCode), [0, 3, 42])
    assert.match(v5.responses[1]!.errorMessage!, /missing/)
    assert.deepEqual(bed.coordinator.topics.list().map((t) => t.name), [])
    assert.equal(bed.coordinator.topics.has('__consumer_offsets'), true)
  } finally {
    await bed.close()
  }
})

test('delete topics v6 takes names or ids and answers both; an unknown id is UNKNOWN_TOPIC_ID', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('by-id')
    await bed.coordinator.topics.create('by-name')
    const id = wireTopicId(bed.coordinator.topics.topicId('by-id'))
    const nameId = wireTopicId(bed.coordinator.topics.topicId('by-name'))
    const response = await bed.call(deleteTopicsHandler, 6, {
      topicNames: [], timeoutMs: 100,
      topics: [{ name: null, topicId: id }, { name: 'by-name', topicId: ZERO_UUID }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }, { name: null, topicId: ZERO_UUID }],
    })
    assert.deepEqual(response.responses.map((r) => [r.name, r.topicId, r.errorCode]), [
      ['by-id', id, 0], ['by-name', nameId, 0], [null, 'AAAAAAAAAAAAAAAAAAAAAQ', 100], [null, ZERO_UUID, 42],
    ])
    assert.equal(bed.coordinator.topics.has('by-id') || bed.coordinator.topics.has('by-name'), false)
  } finally {
    await bed.close()
  }
})

test('deleting a topic drops the groups\' committed offsets of it, so a new topic of that name starts clean', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('orders')
    await bed.coordinator.groups.commitOffsets({ groupId: 'audit', generationId: -1, memberId: '', offsets: [{ topic: 'orders', partition: 0, offset: 42 }] })
    const response = await bed.call(deleteTopicsHandler, 4, { topics: [], topicNames: ['orders'], timeoutMs: 100 })
    assert.equal(response.responses[0]!.errorCode, 0)
    await bed.coordinator.topics.create('orders')
    assert.deepEqual(bed.coordinator.groups.fetchOffsets('audit', null).offsets.filter((o) => o.topic === 'orders'), [])
  } finally {
    await bed.close()
  }
})
