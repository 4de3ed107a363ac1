// SyncGroup (with JoinGroup and Heartbeat) called directly over a real Coordinator on a ManualClock:
// the leader's assignment reaches every member; v5 checks the protocol; heartbeats see rebalances.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JoinGroupResponse } from '../../protocol/messages/index.ts'
import { heartbeatHandler } from './12-heartbeat.ts'
import { joinGroupHandler } from './11-join-group.ts'
import { syncGroupHandler } from './14-sync-group.ts'
import { openTestBed, settle, type HandlerTestBed } from './handler-test-kit.ts'

/** Two members joined at v3 (no MEMBER_ID_REQUIRED round); returns [leader, follower]. */
async function twoMembers(bed: HandlerTestBed): Promise<[JoinGroupResponse, JoinGroupResponse]> {
  const request = (memberId: string) => ({
    groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId, groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from(memberId) }], reason: null,
  })
  const a = bed.call(joinGroupHandler, 3, request(''))
  const b = bed.call(joinGroupHandler, 3, request(''))
  await settle()
  bed.clock.advance(1)
  const answers = await Promise.all([a, b])
  const leader = answers.find((x) => x.memberId === x.leader)!
  return [leader, answers.find((x) => x !== leader)!]
}

test('sync group hands each member the assignment its leader made, at v0 and v5', async () => {
  const bed = await openTestBed()
  try {
    const [leader, follower] = await twoMembers(bed)
    assert.equal(leader.members.length, 2)
    const followerSync = bed.call(syncGroupHandler, 5, {
      groupId: 'g', generationId: follower.generationId, memberId: follower.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [],
    })
    const leaderSync = bed.call(syncGroupHandler, 0, {
      groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: [{ memberId: leader.memberId, assignment: Buffer.from('L') }, { memberId: follower.memberId, assignment: Buffer.from('F') }],
    })
    const [f, l] = await Promise.all([followerSync, leaderSync])
    assert.deepEqual([f.errorCode, f.assignment.toString(), f.protocolType, f.protocolName], [0, 'F', 'consumer', 'range'])
    assert.deepEqual([l.errorCode, l.assignment.toString()], [0, 'L'])
    const hb = await bed.call(heartbeatHandler, 4, { groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null })
    assert.equal(hb.errorCode, 0)
    const wrongProtocol = await bed.call(syncGroupHandler, 5, {
      groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [],
    })
    assert.equal(wrongProtocol.errorCode, 23)
  } finally {
    await bed.close()
  }
})

test('sync group and heartbeat refuse unknown members and stale generations; a joining member makes heartbeats ask for a rejoin', async () => {
  const bed = await openTestBed()
  try {
    const [leader] = await twoMembers(bed)
    const stale = await bed.call(syncGroupHandler, 3, { groupId: 'g', generationId: 99, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    assert.equal(stale.errorCode, 22)
    for (const version of [0, 1, 3]) {
      const unknown = await bed.call(heartbeatHandler, version, { groupId: 'g', generationId: leader.generationId, memberId: 'nobody', groupInstanceId: null })
      assert.equal(unknown.errorCode, 25, `v${version}`)
    }
    // A third member joining starts a rebalance: the existing members learn it from their heartbeat.
    const third = bed.call(joinGroupHandler, 3, {
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
    })
    await settle()
    const hb = await bed.call(heartbeatHandler, 2, { groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null })
    assert.equal(hb.errorCode, 27)
    await bed.close()
    assert.equal((await third).errorCode, 15, 'a pending join is answered when the coordinator closes')
  } finally {
    await bed.close()
  }
})
