// ListGroups called directly over a real Coordinator, at v0, v4 and v5.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { joinGroupHandler } from './11-join-group.ts'
import { listGroupsHandler } from './16-list-groups.ts'
import { openTestBed, settle } from './handler-test-kit.ts'

test('list groups lists every group, filtered by state (v4+, any case) and type (v5+)', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t')
    await bed.coordinator.groups.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] })
    const pending = bed.call(joinGroupHandler, 3, {
      groupId: 'busy', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
    })
    await settle()
    bed.clock.advance(1)
    await pending
    const v0 = await bed.call(listGroupsHandler, 0, { statesFilter: [], typesFilter: [] })
    assert.deepEqual(v0.groups.map((g) => [g.groupId, g.protocolType]).sort(), [['busy', 'consumer'], ['idle', '']])
    const empty = await bed.call(listGroupsHandler, 4, { statesFilter: ['empty'], typesFilter: [] })
    assert.deepEqual(empty.groups.map((g) => [g.groupId, g.groupState]), [['idle', 'Empty']])
    const nothing = await bed.call(listGroupsHandler, 4, { statesFilter: ['NoSuchState'], typesFilter: [] })
    assert.deepEqual(nothing.groups, [])
    const classic = await bed.call(listGroupsHandler, 5, { statesFilter: [], typesFilter: ['Classic'] })
    assert.deepEqual(classic.groups.map((g) => g.groupType), ['classic', 'classic'])
    const consumer = await bed.call(listGroupsHandler, 5, { statesFilter: [], typesFilter: ['consumer'] })
    assert.deepEqual(consumer.groups, [])
  } finally {
    await bed.close()
  }
})
