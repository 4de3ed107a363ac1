// JoinGroup called directly over a real Coordinator on a ManualClock: the v4+ MEMBER_ID_REQUIRED
// round, v0's single timeout, static members (v5+), and the protocol fields of v7+.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JoinGroupRequest } from '../../protocol/messages/index.ts'
import { joinGroupHandler } from './11-join-group.ts'
import { openTestBed, settle } from './handler-test-kit.ts'

function join(memberId: string, options: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId, groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }], reason: null, ...options,
  }
}

test('join group v4+ hands out a member id first, then completes the rebalance with this member as leader', async () => {
  const bed = await openTestBed()
  try {
    const first = await bed.call(joinGroupHandler, 7, join(''))
    assert.equal(first.errorCode, 79)
    assert.match(first.memberId, /^unit-test-/)
    const pending = bed.call(joinGroupHandler, 7, join(first.memberId))
    await settle()
    bed.clock.advance(1)
    const joined = await pending
    assert.equal(joined.errorCode, 0)
    assert.equal(joined.generationId, 1)
    assert.equal(joined.leader, first.memberId)
    assert.equal(joined.protocolType, 'consumer')
    assert.equal(joined.protocolName, 'range')
    assert.deepEqual(joined.members, [{ memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('sub') }])
    const [described] = bed.coordinator.groups.describeGroups(['g'])
    assert.equal(described!.members[0]!.clientHost, '/127.0.0.1')
  } finally {
    await bed.close()
  }
})

test('join group v0 joins at once, using the session timeout as the rebalance timeout', async () => {
  const bed = await openTestBed()
  try {
    const pending = bed.call(joinGroupHandler, 0, join('', { rebalanceTimeoutMs: -1 }))
    await settle()
    bed.clock.advance(1)
    const joined = await pending
    assert.deepEqual([joined.errorCode, joined.generationId, joined.protocolName], [0, 1, 'range'])
    assert.equal(joined.protocolType, null, 'v0-6 carry no protocol type')
    assert.equal(joined.memberId, joined.leader)
  } finally {
    await bed.close()
  }
})

test('join group answers errors with an empty protocol name before v7 and null from v7', async () => {
  const bed = await openTestBed()
  try {
    const unknown = await bed.call(joinGroupHandler, 6, join('nobody'))
    assert.deepEqual([unknown.errorCode, unknown.protocolName, unknown.generationId], [25, '', -1])
    const badTimeout = await bed.call(joinGroupHandler, 9, join('', { sessionTimeoutMs: 10 }))
    assert.deepEqual([badTimeout.errorCode, badTimeout.protocolName, badTimeout.skipAssignment], [26, null, false])
  } finally {
    await bed.close()
  }
})

test('join group v5+ static members skip MEMBER_ID_REQUIRED and report their instance id', async () => {
  const bed = await openTestBed()
  try {
    const pending = bed.call(joinGroupHandler, 5, join('', { groupInstanceId: 'pod-1' }))
    await settle()
    bed.clock.advance(1)
    const joined = await pending
    assert.equal(joined.errorCode, 0)
    assert.deepEqual(joined.members.map((m) => m.groupInstanceId), ['pod-1'])
  } finally {
    await bed.close()
  }
})
