// DescribeGroups called directly over a real Coordinator, at v0, v3 and v5.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeGroupsHandler } from './15-describe-groups.ts'
import { joinGroupHandler } from './11-join-group.ts'
import { openTestBed, settle } from './handler-test-kit.ts'

test('describe groups reports state, protocol and members; unknown groups are Dead; operations only when asked', async () => {
  const bed = await openTestBed()
  try {
    const pending = bed.call(joinGroupHandler, 5, {
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: 'pod-1', protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('meta') }], reason: null,
    })
    await settle()
    bed.clock.advance(1)
    const joined = await pending
    const v5 = await bed.call(describeGroupsHandler, 5, { groups: ['g', 'unknown'], includeAuthorizedOperations: false })
    const [g, unknown] = v5.groups
    assert.deepEqual([g!.errorCode, g!.groupState, g!.protocolType, g!.authorizedOperations], [0, 'CompletingRebalance', 'consumer', -2147483648])
    assert.deepEqual(g!.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost]), [[joined.memberId, 'pod-1', 'unit-test', '/127.0.0.1']])
    assert.deepEqual([unknown!.errorCode, unknown!.groupState, unknown!.members], [0, 'Dead', []])
    const v3 = await bed.call(describeGroupsHandler, 3, { groups: ['g'], includeAuthorizedOperations: true })
    assert.equal(v3.groups[0]!.authorizedOperations, (1 << 3) | (1 << 6) | (1 << 8))
    assert.equal(v3.groups[0]!.members[0]!.groupInstanceId, null, 'v3 has no instance ids')
    const v0 = await bed.call(describeGroupsHandler, 0, { groups: ['g'], includeAuthorizedOperations: false })
    assert.equal(v0.groups[0]!.groupId, 'g')
  } finally {
    await bed.close()
  }
})
