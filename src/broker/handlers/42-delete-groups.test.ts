// DeleteGroups called directly over a real Coordinator.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deleteGroupsHandler } from './42-delete-groups.ts'
import { joinGroupHandler } from './11-join-group.ts'
import { openTestBed, settle } from './handler-test-kit.ts'

test('delete groups removes empty groups and their offsets, refusing groups with members', async () => {
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
    for (const version of [0, 2]) {
      const response = await bed.call(deleteGroupsHandler, version, { groupsNames: ['idle', 'busy', 'nobody'] })
      const idle = version === 0 ? 0 : 69
      assert.deepEqual(response.results, [{ groupId: 'idle', errorCode: idle }, { groupId: 'busy', errorCode: 68 }, { groupId: 'nobody', errorCode: 69 }])
    }
    assert.deepEqual(bed.coordinator.groups.fetchOffsets('idle', null).offsets, [])
  } finally {
    await bed.close()
  }
})
