// Tests of committed offsets as the group coordinator serves them: Kafka's generation and member
// checks on OffsetCommit, OffsetFetch, OffsetDelete against subscriptions, group deletion, offset
// expiry of Empty groups, and offsets surviving a restart of the coordinator.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { GroupCoordinator } from './group-coordinator.ts'
import { openTestGroups, settle } from './group-test-kit.ts'
import type { JoinGroupResult } from './types.ts'

/** A consumer-protocol subscription v0 to `topics` (int16 version, topics array, null userData). */
function subscription(...topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), int32(topics.length)]
  for (const topic of topics) parts.push(Buffer.from([0, topic.length]), Buffer.from(topic))
  parts.push(int32(-1))
  return Buffer.concat(parts)
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(value)
  return b
}

async function oneMemberGroup(groups: GroupCoordinator, advance: (ms: number) => void, topics: string[] = ['t']): Promise<JoinGroupResult> {
  const pending = groups.joinGroup({
    groupId: 'g', memberId: '', clientId: 'c', sessionTimeoutMs: 10_000, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(...topics) }],
  })
  advance(0)
  const joined = await pending
  await groups.syncGroup({ groupId: 'g', memberId: joined.memberId, generationId: joined.generationId, assignments: [] })
  return joined
}

test('a commit with generation -1 creates an Empty group whose offsets OffsetFetch returns', async () => {
  const { groups } = await openTestGroups()
  const results = await groups.commitOffsets({
    groupId: 'simple', generationId: -1, memberId: '',
    offsets: [{ topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'note' }, { topic: 't', partition: 1, offset: 7 }],
  })
  assert.deepEqual(results, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
  assert.deepEqual(groups.listGroups(), [{ groupId: 'simple', protocolType: '', groupState: 'Empty' }])
  assert.deepEqual(groups.fetchOffsets('simple', [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 't', partition: 2 }]), {
    offsets: [
      { topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'note' },
      { topic: 't', partition: 1, offset: 7, leaderEpoch: -1, metadata: '' },
      { topic: 't', partition: 2, offset: -1, leaderEpoch: -1, metadata: '' },
    ],
  })
  assert.equal(groups.fetchOffsets('simple').offsets.length, 2)
  assert.deepEqual(groups.fetchOffsets('unknown').offsets, [])
})

test('commits are checked against the generation and the members of an active group', async () => {
  const { groups, clock } = await openTestGroups()
  const offsets = [{ topic: 't', partition: 0, offset: 1 }]
  assert.equal((await groups.commitOffsets({ groupId: 'none', generationId: 3, memberId: 'm', offsets }))[0]!.errorCode, 'ILLEGAL_GENERATION')
  const member = await oneMemberGroup(groups, (ms) => clock.advance(ms))
  const commit = (generationId: number, memberId: string) => groups.commitOffsets({ groupId: 'g', generationId, memberId, offsets })
  assert.equal((await commit(1, member.memberId))[0]!.errorCode, undefined)
  assert.equal((await commit(0, member.memberId))[0]!.errorCode, 'ILLEGAL_GENERATION')
  assert.equal((await commit(1, 'ghost'))[0]!.errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal((await commit(-1, ''))[0]!.errorCode, 'UNKNOWN_MEMBER_ID', 'simple commits are for groups without members')
  // A rebalance in its join phase still takes commits of the current generation (revocation commits).
  const rejoin = groups.joinGroup({
    groupId: 'g', memberId: member.memberId, clientId: 'c', sessionTimeoutMs: 10_000, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription('t') }],
  })
  const rejoined = await rejoin
  assert.equal(rejoined.generationId, 2)
  // Now CompletingRebalance: the member has the new generation but no assignment yet.
  assert.equal((await commit(2, member.memberId))[0]!.errorCode, 'REBALANCE_IN_PROGRESS')
  // Kafka checks the member and its generation before the rebalance: a stale or unknown member is
  // told to rejoin, not to retry.
  assert.equal((await commit(1, member.memberId))[0]!.errorCode, 'ILLEGAL_GENERATION')
  assert.equal((await commit(2, 'ghost'))[0]!.errorCode, 'UNKNOWN_MEMBER_ID')
})

test('commits of unknown partitions and oversized metadata are refused per partition', async () => {
  const { groups } = await openTestGroups({ partitionExists: (topic, partition) => topic === 't' && partition < 2, offsetMetadataBytesMax: 5 })
  const results = await groups.commitOffsets({
    groupId: 'g', generationId: -1, memberId: '',
    offsets: [
      { topic: 't', partition: 0, offset: 1 },
      { topic: 't', partition: 9, offset: 1 },
      { topic: 'x', partition: 0, offset: 1 },
      { topic: 't', partition: 1, offset: 1, metadata: 'too long' },
    ],
  })
  assert.deepEqual(results.map((r) => r.errorCode), [undefined, 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_METADATA_TOO_LARGE'])
  assert.deepEqual(groups.fetchOffsets('g').offsets.map((o) => o.partition), [0])
})

test('committed offsets survive a restart, and deleted ones stay deleted', async () => {
  const first = await openTestGroups()
  await first.groups.commitOffsets({ groupId: 'a', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 10 }, { topic: 't', partition: 1, offset: 20, metadata: 'm' }] })
  await first.groups.commitOffsets({ groupId: 'a', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 11, leaderEpoch: 2 }] })
  await first.groups.commitOffsets({ groupId: 'b', generationId: -1, memberId: '', offsets: [{ topic: 'u', partition: 3, offset: 5 }] })
  await first.groups.commitOffsets({ groupId: 'c', generationId: -1, memberId: '', offsets: [{ topic: 'u', partition: 0, offset: 1 }] })
  assert.deepEqual(await first.groups.deleteOffsets('a', [{ topic: 't', partition: 1 }]), { partitions: [{ topic: 't', partition: 1 }] })
  assert.deepEqual(await first.groups.deleteGroups(['c']), [{ groupId: 'c' }])
  await first.close()

  const second = await openTestGroups({}, first)
  assert.deepEqual(second.groups.fetchOffsets('a').offsets, [{ topic: 't', partition: 0, offset: 11, leaderEpoch: 2, metadata: '' }])
  assert.deepEqual(second.groups.fetchOffsets('b').offsets, [{ topic: 'u', partition: 3, offset: 5, leaderEpoch: -1, metadata: '' }])
  assert.deepEqual(second.groups.fetchOffsets('c').offsets, [])
  assert.deepEqual(second.groups.listGroups().map((g) => [g.groupId, g.groupState]).sort(), [['a', 'Empty'], ['b', 'Empty']])
  await second.close()
})

test('OffsetDelete refuses topics a consumer group subscribes to and forgets the others', async () => {
  const { groups, clock } = await openTestGroups()
  const member = await oneMemberGroup(groups, (ms) => clock.advance(ms), ['t'])
  await groups.commitOffsets({ groupId: 'g', generationId: 1, memberId: member.memberId, offsets: [{ topic: 't', partition: 0, offset: 1 }, { topic: 'old', partition: 0, offset: 2 }] })
  assert.deepEqual(await groups.deleteOffsets('g', [{ topic: 't', partition: 0 }, { topic: 'old', partition: 0 }]), {
    partitions: [{ topic: 't', partition: 0, errorCode: 'GROUP_SUBSCRIBED_TO_TOPIC' }, { topic: 'old', partition: 0 }],
  })
  assert.deepEqual(groups.fetchOffsets('g').offsets.map((o) => o.topic), ['t'])
  assert.deepEqual(await groups.deleteOffsets('nope', []), { errorCode: 'GROUP_ID_NOT_FOUND', partitions: [] })
})

test('OffsetDelete of the last offset of an Empty group forgets the group', async () => {
  const { groups } = await openTestGroups()
  await groups.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] })
  assert.deepEqual(await groups.deleteOffsets('g', [{ topic: 't', partition: 0 }]), { partitions: [{ topic: 't', partition: 0 }] })
  assert.deepEqual(groups.listGroups(), [])
})

test('deleting a group deletes its committed offsets', async () => {
  const { groups, clock } = await openTestGroups()
  const member = await oneMemberGroup(groups, (ms) => clock.advance(ms))
  await groups.commitOffsets({ groupId: 'g', generationId: 1, memberId: member.memberId, offsets: [{ topic: 't', partition: 0, offset: 9 }] })
  groups.leaveGroup({ groupId: 'g', members: [{ memberId: member.memberId }] })
  clock.advance(0)
  assert.equal(groups.fetchOffsets('g').offsets.length, 1, 'an Empty group keeps its offsets')
  assert.deepEqual(await groups.deleteGroups(['g']), [{ groupId: 'g' }])
  assert.deepEqual(groups.fetchOffsets('g').offsets, [])
})

test('offsets of a group left Empty longer than the retention expire, and the group with them', async () => {
  const { groups, clock } = await openTestGroups({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 })
  const member = await oneMemberGroup(groups, (ms) => clock.advance(ms))
  await groups.commitOffsets({ groupId: 'g', generationId: 1, memberId: member.memberId, offsets: [{ topic: 't', partition: 0, offset: 9 }] })
  await groups.commitOffsets({ groupId: 'simple', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] })
  // g keeps its members (heartbeats) for 2 minutes: its offsets do not expire meanwhile.
  for (let t = 0; t < 120_000; t += 5000) {
    clock.advance(5000)
    groups.heartbeat({ groupId: 'g', memberId: member.memberId, generationId: 1 })
    await settle()
  }
  assert.equal(groups.fetchOffsets('g').offsets.length, 1)
  assert.equal(groups.fetchOffsets('simple').offsets.length, 0, 'the simple group sat Empty past the retention')
  groups.leaveGroup({ groupId: 'g', members: [{ memberId: member.memberId }] })
  clock.advance(0)
  clock.advance(50_000)
  await settle()
  assert.equal(groups.fetchOffsets('g').offsets.length, 1, 'Empty for 50 s only')
  clock.advance(20_000)
  await settle()
  assert.equal(groups.fetchOffsets('g').offsets.length, 0)
  assert.deepEqual(groups.listGroups(), [])
  await groups.close()
})
