// LeaveGroup called directly over a real Coordinator on a ManualClock: one member (v0-2) and
// batches with per-member errors (v3+).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { joinGroupHandler } from './11-join-group.ts'
import { leaveGroupHandler } from './13-leave-group.ts'
import { openTestBed, settle, type HandlerTestBed } from './handler-test-kit.ts'

async function joinOne(bed: HandlerTestBed, groupInstanceId: string | null = null): Promise<string> {
  // v3 joins without the MEMBER_ID_REQUIRED round; a static member needs v5.
  const pending = bed.call(joinGroupHandler, groupInstanceId === null ? 3 : 5, {
    groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId: '', groupInstanceId, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
  })
  await settle()
  bed.clock.advance(1)
  const joined = await pending
  assert.equal(joined.errorCode, 0)
  return joined.memberId
}

test('leave group v0-2 removes one member and reports its outcome at the top level', async () => {
  const bed = await openTestBed()
  try {
    const memberId = await joinOne(bed)
    const left = await bed.call(leaveGroupHandler, 0, { groupId: 'g', memberId, members: [] })
    assert.equal(left.errorCode, 0)
    assert.deepEqual(bed.coordinator.groups.describeGroups(['g'])[0]!.members, [])
    const again = await bed.call(leaveGroupHandler, 2, { groupId: 'g', memberId, members: [] })
    assert.equal(again.errorCode, 25)
  } finally {
    await bed.close()
  }
})

test('leave group v3+ removes a batch by member id or instance id with an error per member', async () => {
  const bed = await openTestBed()
  try {
    const memberId = await joinOne(bed, 'pod-1')
    const response = await bed.call(leaveGroupHandler, 5, {
      groupId: 'g', memberId: '',
      members: [{ memberId: '', groupInstanceId: 'pod-1', reason: 'scale down' }, { memberId: 'nobody', groupInstanceId: null, reason: null }],
    })
    assert.equal(response.errorCode, 0)
    assert.deepEqual(response.members, [{ memberId: '', groupInstanceId: 'pod-1', errorCode: 0 }, { memberId: 'nobody', groupInstanceId: null, errorCode: 25 }])
    assert.equal(bed.coordinator.groups.describeGroups(['g'])[0]!.members.some((m) => m.memberId === memberId), false)
  } finally {
    await bed.close()
  }
})
