// Tests of the classic group protocol as GroupCoordinator serves it: join phases and generations,
// the initial delay, sync, heartbeats, session and rebalance timeouts on a ManualClock, leaving,
// protocol selection, static members, and the admin calls (list, describe, delete).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { GroupCoordinator } from './group-coordinator.ts'
import { openTestGroups, settle } from './group-test-kit.ts'
import type { GroupProtocol, JoinGroupRequest, JoinGroupResult } from './types.ts'

const SESSION_MS = 10_000
const REBALANCE_MS = 30_000

function protocols(...names: string[]): GroupProtocol[] {
  return names.map((name) => ({ name, metadata: Buffer.from(`meta-${name}`) }))
}

function join(groups: GroupCoordinator, fields: Partial<JoinGroupRequest> = {}): Promise<JoinGroupResult> {
  return groups.joinGroup({
    groupId: 'g',
    memberId: '',
    clientId: 'client',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: protocols('range'),
    ...fields,
  })
}

/** Reads a value a callback sets (TypeScript would keep an earlier assert's narrowing). */
function peek<T>(value: T | undefined): T | undefined {
  return value
}

/** Joins `count` members in one generation and syncs them to Stable; returns their join results. */
async function stableGroup(groups: GroupCoordinator, advance: (ms: number) => void, count: number): Promise<JoinGroupResult[]> {
  const pending = Array.from({ length: count }, () => join(groups))
  advance(0)
  const joined = await Promise.all(pending)
  const leader = joined.find((j) => j.memberId === j.leader)!
  const syncs = joined.map((j) => groups.syncGroup({
    groupId: 'g', generationId: j.generationId, memberId: j.memberId,
    assignments: j === leader ? joined.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`to-${m.memberId}`) })) : undefined,
  }))
  for (const sync of await Promise.all(syncs)) assert.equal(sync.errorCode, undefined)
  return joined
}

test('the first member joins an empty group after the initial delay and leads generation 1', async () => {
  const { groups, clock } = await openTestGroups({ initialRebalanceDelayMs: 100 })
  const seen: { result?: JoinGroupResult } = {}
  void join(groups).then((r) => { seen.result = r })
  clock.advance(99)
  await settle()
  assert.equal(seen.result, undefined, 'the initial delay has not passed')
  clock.advance(1)
  await settle()
  const result = peek<JoinGroupResult>(seen.result)
  assert.ok(result !== undefined)
  assert.equal(result.errorCode, undefined)
  assert.equal(result.generationId, 1)
  assert.equal(result.leader, result.memberId)
  assert.equal(result.protocolName, 'range')
  assert.deepEqual(result.members.map((m) => m.memberId), [result.memberId])
  assert.deepEqual(groups.describeGroups(['g'])[0]!.groupState, 'CompletingRebalance')
  const sync = await groups.syncGroup({ groupId: 'g', generationId: 1, memberId: result.memberId, assignments: [{ memberId: result.memberId, assignment: Buffer.from('mine') }] })
  assert.deepEqual(sync.assignment, Buffer.from('mine'))
  assert.equal(groups.describeGroups(['g'])[0]!.groupState, 'Stable')
})

test('members joining during the initial delay land in one generation, and only the leader gets the member list', async () => {
  const { groups, clock } = await openTestGroups({ initialRebalanceDelayMs: 100 })
  const first = join(groups)
  clock.advance(60)
  const second = join(groups)
  clock.advance(60) // the delay extends once because a member arrived during it
  const third = join(groups)
  clock.advance(100)
  clock.advance(100)
  const results = await Promise.all([first, second, third])
  assert.deepEqual(results.map((r) => r.generationId), [1, 1, 1])
  const leaders = results.filter((r) => r.memberId === r.leader)
  assert.equal(leaders.length, 1)
  assert.equal(leaders[0]!.members.length, 3)
  for (const r of results) if (r !== leaders[0]) assert.deepEqual(r.members, [])
})

test('a member joining a Stable group starts a rebalance that heartbeats report, and the next generation includes everyone', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b] = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  assert.deepEqual(groups.heartbeat({ groupId: 'g', memberId: a!.memberId, generationId: 1 }), {})
  const c = join(groups)
  assert.equal(groups.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance')
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: a!.memberId, generationId: 1 }).errorCode, 'REBALANCE_IN_PROGRESS')
  const aAgain = join(groups, { memberId: a!.memberId })
  const bAgain = join(groups, { memberId: b!.memberId })
  // Everyone rejoined: the join phase ends at once, without waiting for the rebalance timeout.
  const results = await Promise.all([aAgain, bAgain, c])
  assert.deepEqual(results.map((r) => r.generationId), [2, 2, 2])
  assert.equal(results[0]!.leader, a!.memberId, 'the leader keeps leading')
  assert.equal(results[0]!.members.length, 3)
})

test('an unchanged follower rejoining a Stable group gets its generation back; a rejoining leader forces a rebalance', async () => {
  const { groups, clock } = await openTestGroups()
  const joined = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  const leader = joined.find((j) => j.memberId === j.leader)!
  const follower = joined.find((j) => j !== leader)!
  const again = await join(groups, { memberId: follower.memberId })
  assert.deepEqual([again.errorCode, again.generationId, again.leader, again.members], [undefined, 1, leader.memberId, []])
  assert.equal(groups.describeGroups(['g'])[0]!.groupState, 'Stable')
  const sync = await groups.syncGroup({ groupId: 'g', memberId: follower.memberId, generationId: 1 })
  assert.deepEqual(sync.assignment, Buffer.from(`to-${follower.memberId}`))
  void join(groups, { memberId: leader.memberId })
  assert.equal(groups.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance')
})

test('members that do not rejoin within the rebalance timeout are removed', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b] = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  const seen: { rejoined?: JoinGroupResult } = {}
  void join(groups, { memberId: a!.memberId }).then((r) => { seen.rejoined = r })
  // b keeps heartbeating (so its session lives) but never rejoins.
  for (let t = 3000; t < REBALANCE_MS; t += 3000) {
    clock.advance(3000)
    assert.equal(groups.heartbeat({ groupId: 'g', memberId: b!.memberId, generationId: 1 }).errorCode, 'REBALANCE_IN_PROGRESS')
  }
  await settle()
  assert.equal(seen.rejoined, undefined)
  clock.advance(3000)
  await settle()
  assert.equal(peek<JoinGroupResult>(seen.rejoined)?.generationId, 2)
  assert.deepEqual(peek<JoinGroupResult>(seen.rejoined)?.members.map((m) => m.memberId), [a!.memberId])
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: b!.memberId, generationId: 1 }).errorCode, 'UNKNOWN_MEMBER_ID')
})

test('a member whose session times out is removed and the others rebalance without it', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b, c] = await stableGroup(groups, (ms) => clock.advance(ms), 3)
  // a and b heartbeat every 3 s; c has died.
  for (let t = 0; t < SESSION_MS; t += 3000) {
    clock.advance(3000)
    groups.heartbeat({ groupId: 'g', memberId: a!.memberId, generationId: 1 })
    groups.heartbeat({ groupId: 'g', memberId: b!.memberId, generationId: 1 })
  }
  assert.equal(groups.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance')
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: c!.memberId, generationId: 1 }).errorCode, 'UNKNOWN_MEMBER_ID')
  const results = await Promise.all([join(groups, { memberId: a!.memberId }), join(groups, { memberId: b!.memberId })])
  assert.deepEqual(results.map((r) => r.generationId), [2, 2])
  const leader = results.find((r) => r.memberId === r.leader)!
  assert.deepEqual(leader.members.map((m) => m.memberId).sort(), [a!.memberId, b!.memberId].sort())
})

test('a waiting JoinGroup keeps the member alive past its session timeout', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b] = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  let result: JoinGroupResult | undefined
  void join(groups, { memberId: a!.memberId }).then((r) => { result = r })
  clock.advance(SESSION_MS * 2)
  groups.heartbeat({ groupId: 'g', memberId: b!.memberId, generationId: 1 })
  void join(groups, { memberId: b!.memberId })
  await settle()
  assert.equal(result?.errorCode, undefined)
  assert.equal(result?.generationId, 2)
})

test('leaving removes the member at once and the oldest remaining member leads', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b] = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  const leader = a!.leader === a!.memberId ? a! : b!
  const follower = leader === a ? b! : a!
  assert.deepEqual(groups.leaveGroup({ groupId: 'g', members: [{ memberId: leader.memberId }] }), { members: [{ memberId: leader.memberId, groupInstanceId: null }] })
  const result = await join(groups, { memberId: follower.memberId })
  assert.equal(result.generationId, 2)
  assert.equal(result.leader, follower.memberId)
  const again = groups.leaveGroup({ groupId: 'g', members: [{ memberId: leader.memberId }] })
  assert.equal(again.members[0]!.errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal(groups.leaveGroup({ groupId: 'nope', members: [{ memberId: 'x' }] }).members[0]!.errorCode, 'UNKNOWN_MEMBER_ID')
})

test('the last member leaving empties the group and bumps the generation', async () => {
  const { groups, clock } = await openTestGroups()
  const [a] = await stableGroup(groups, (ms) => clock.advance(ms), 1)
  groups.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId }] })
  clock.advance(0)
  const [description] = groups.describeGroups(['g'])
  assert.equal(description!.groupState, 'Empty')
  assert.deepEqual(description!.members, [])
  const next = join(groups)
  clock.advance(0)
  assert.equal((await next).generationId, 3)
})

test('stale generations and unknown members get ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b] = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  const id = a!.memberId
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: id, generationId: 0 }).errorCode, 'ILLEGAL_GENERATION')
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: 'ghost', generationId: 1 }).errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal(groups.heartbeat({ groupId: 'other', memberId: id, generationId: 1 }).errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal((await groups.syncGroup({ groupId: 'g', memberId: id, generationId: 7 })).errorCode, 'ILLEGAL_GENERATION')
  assert.equal((await groups.syncGroup({ groupId: 'g', memberId: 'ghost', generationId: 1 })).errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal((await join(groups, { memberId: 'ghost' })).errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal((await join(groups, { groupId: 'fresh', memberId: 'ghost' })).errorCode, 'UNKNOWN_MEMBER_ID')
  // A rebalance: SyncGroup of the old generation is refused, then the new one is required.
  const rejoin = join(groups, { memberId: id, protocols: protocols('range', 'roundrobin') })
  assert.equal((await groups.syncGroup({ groupId: 'g', memberId: id, generationId: 1 })).errorCode, 'REBALANCE_IN_PROGRESS')
  void join(groups, { memberId: b!.memberId, protocols: protocols('range', 'roundrobin') })
  const result = await rejoin
  assert.equal(result.generationId, 2)
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: id, generationId: 1 }).errorCode, 'ILLEGAL_GENERATION')
  assert.deepEqual(groups.heartbeat({ groupId: 'g', memberId: id, generationId: 2 }), {})
})

test('the protocol is one every member supports, chosen by the members\' preferences', async () => {
  const { groups, clock } = await openTestGroups()
  const results = [
    join(groups, { protocols: protocols('cooperative-sticky', 'range') }),
    join(groups, { protocols: protocols('roundrobin', 'range', 'cooperative-sticky') }),
    join(groups, { protocols: protocols('cooperative-sticky', 'roundrobin') }),
  ]
  clock.advance(0)
  const joined = await Promise.all(results)
  // Common: cooperative-sticky only (range and roundrobin are each missing from one member).
  assert.deepEqual(joined.map((j) => j.protocolName), ['cooperative-sticky', 'cooperative-sticky', 'cooperative-sticky'])
  const leader = joined.find((j) => j.leader === j.memberId)!
  assert.deepEqual(leader.members.map((m) => m.metadata.toString()), ['meta-cooperative-sticky', 'meta-cooperative-sticky', 'meta-cooperative-sticky'])
  assert.equal((await join(groups, { protocols: protocols('range') })).errorCode, 'INCONSISTENT_GROUP_PROTOCOL')
  assert.equal((await join(groups, { protocolType: 'connect', protocols: protocols('cooperative-sticky') })).errorCode, 'INCONSISTENT_GROUP_PROTOCOL')
  assert.equal((await join(groups, { groupId: 'h', protocols: [] })).errorCode, 'INCONSISTENT_GROUP_PROTOCOL')
})

test('votes decide between protocols every member supports', async () => {
  const { groups, clock } = await openTestGroups()
  const results = [
    join(groups, { protocols: protocols('range', 'roundrobin') }),
    join(groups, { protocols: protocols('roundrobin', 'range') }),
    join(groups, { protocols: protocols('roundrobin', 'range') }),
  ]
  clock.advance(0)
  assert.deepEqual((await Promise.all(results)).map((j) => j.protocolName), ['roundrobin', 'roundrobin', 'roundrobin'])
})

test('requireKnownMemberId answers MEMBER_ID_REQUIRED with the id to rejoin with', async () => {
  const { groups, clock } = await openTestGroups()
  const first = await join(groups, { requireKnownMemberId: true })
  assert.equal(first.errorCode, 'MEMBER_ID_REQUIRED')
  assert.notEqual(first.memberId, '')
  const second = join(groups, { memberId: first.memberId, requireKnownMemberId: true })
  clock.advance(0)
  const result = await second
  assert.equal(result.errorCode, undefined)
  assert.equal(result.memberId, first.memberId)
  // A handed-out id that is never used expires after the session timeout.
  const unused = await join(groups, { groupId: 'other', requireKnownMemberId: true })
  clock.advance(SESSION_MS)
  assert.equal((await join(groups, { groupId: 'other', memberId: unused.memberId })).errorCode, 'UNKNOWN_MEMBER_ID')
})

test('followers waiting in SyncGroup are told to rejoin when the group rebalances before the leader syncs', async () => {
  const { groups, clock } = await openTestGroups()
  const pending = [join(groups), join(groups)]
  clock.advance(0)
  const joined = await Promise.all(pending)
  const follower = joined.find((j) => j.memberId !== j.leader)!
  const sync = groups.syncGroup({ groupId: 'g', memberId: follower.memberId, generationId: 1 })
  void join(groups) // a newcomer
  assert.equal((await sync).errorCode, 'REBALANCE_IN_PROGRESS')
})

test('a member that never sends SyncGroup is removed after the rebalance timeout', async () => {
  const { groups, clock } = await openTestGroups()
  const pending = [join(groups), join(groups)]
  clock.advance(0)
  const joined = await Promise.all(pending)
  const leader = joined.find((j) => j.memberId === j.leader)!
  const silent = joined.find((j) => j !== leader)!
  await groups.syncGroup({ groupId: 'g', memberId: leader.memberId, generationId: 1, assignments: [] })
  for (let t = 0; t < REBALANCE_MS; t += 3000) {
    clock.advance(3000)
    groups.heartbeat({ groupId: 'g', memberId: leader.memberId, generationId: 1 })
    groups.heartbeat({ groupId: 'g', memberId: silent.memberId, generationId: 1 })
  }
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: silent.memberId, generationId: 1 }).errorCode, 'UNKNOWN_MEMBER_ID')
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: leader.memberId, generationId: 1 }).errorCode, 'REBALANCE_IN_PROGRESS')
})

test('a new member whose JoinGroup waits too long is dropped with UNKNOWN_MEMBER_ID', async () => {
  const { groups, clock } = await openTestGroups({ newMemberJoinTimeoutMs: 5000 })
  const [a] = await stableGroup(groups, (ms) => clock.advance(ms), 1)
  const newcomer = join(groups)
  // a neither rejoins nor stops heartbeating, so the join phase waits for the rebalance timeout.
  for (let t = 0; t < 6000; t += 1000) {
    clock.advance(1000)
    groups.heartbeat({ groupId: 'g', memberId: a!.memberId, generationId: 1 })
  }
  assert.equal((await newcomer).errorCode, 'UNKNOWN_MEMBER_ID')
})

test('list and describe show state, protocol, members, and assignments once Stable', async () => {
  const { groups, clock } = await openTestGroups()
  const [a, b] = await stableGroup(groups, (ms) => clock.advance(ms), 2)
  assert.deepEqual(groups.listGroups(), [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable' }])
  assert.deepEqual(groups.listGroups({ states: ['Empty'] }), [])
  const [description, unknown] = groups.describeGroups(['g', 'unknown'])
  assert.equal(description!.groupState, 'Stable')
  assert.equal(description!.protocolData, 'range')
  assert.deepEqual(description!.members.map((m) => [m.memberId, m.clientId, m.memberMetadata.toString(), m.memberAssignment.toString()]).sort(), [
    [a!.memberId, 'client', 'meta-range', `to-${a!.memberId}`],
    [b!.memberId, 'client', 'meta-range', `to-${b!.memberId}`],
  ].sort())
  assert.deepEqual(unknown, { groupId: 'unknown', groupState: 'Dead', protocolType: '', protocolData: '', members: [] })
  void join(groups)
  const [rebalancing] = groups.describeGroups(['g'])
  assert.equal(rebalancing!.protocolData, '')
  assert.ok(rebalancing!.members.every((m) => m.memberAssignment.length === 0 && m.memberMetadata.length === 0))
})

test('deleting a group needs it empty; unknown groups are GROUP_ID_NOT_FOUND', async () => {
  const { groups, clock } = await openTestGroups()
  const [a] = await stableGroup(groups, (ms) => clock.advance(ms), 1)
  assert.deepEqual(await groups.deleteGroups(['g', 'nope']), [
    { groupId: 'g', errorCode: 'NON_EMPTY_GROUP' },
    { groupId: 'nope', errorCode: 'GROUP_ID_NOT_FOUND' },
  ])
  groups.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId }] })
  clock.advance(0)
  assert.deepEqual(await groups.deleteGroups(['g']), [{ groupId: 'g' }])
  assert.deepEqual(groups.listGroups(), [])
  assert.equal(groups.describeGroups(['g'])[0]!.groupState, 'Dead')
})

test('request validation: group id, session timeout bounds, group size', async () => {
  const { groups, clock } = await openTestGroups({ groupMaxSize: 1 })
  assert.equal((await join(groups, { groupId: '' })).errorCode, 'INVALID_GROUP_ID')
  assert.equal((await join(groups, { sessionTimeoutMs: 10 })).errorCode, 'INVALID_SESSION_TIMEOUT')
  assert.equal((await join(groups, { sessionTimeoutMs: 2_000_000 })).errorCode, 'INVALID_SESSION_TIMEOUT')
  void join(groups)
  assert.equal((await join(groups)).errorCode, 'GROUP_MAX_SIZE_REACHED')
  clock.advance(0)
})

test('a static member that restarts takes over its membership and fences its old member id', async () => {
  const { groups, clock } = await openTestGroups()
  const first = join(groups, { groupInstanceId: 'instance-1' })
  const other = join(groups)
  clock.advance(0)
  const [old, dynamic] = await Promise.all([first, other])
  // The restarted instance joins with no member id.
  const restarted = join(groups, { groupInstanceId: 'instance-1' })
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: old.memberId, generationId: 1, groupInstanceId: 'instance-1' }).errorCode, 'FENCED_INSTANCE_ID')
  void join(groups, { memberId: dynamic.memberId })
  const result = await restarted
  assert.equal(result.errorCode, undefined)
  assert.notEqual(result.memberId, old.memberId)
  assert.equal(result.generationId, 2)
  // Admin removal by instance id.
  const left = groups.leaveGroup({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'instance-1' }] })
  assert.deepEqual(left.members, [{ memberId: '', groupInstanceId: 'instance-1' }])
  assert.deepEqual(groups.describeGroups(['g'])[0]!.members.map((m) => m.memberId), [dynamic.memberId])
})

test('a static member that does not rejoin keeps its place until its session expires', async () => {
  const { groups, clock } = await openTestGroups()
  const pending = [join(groups, { groupInstanceId: 'i' }), join(groups)]
  clock.advance(0)
  const [staticMember, dynamic] = await Promise.all(pending)
  let rejoined: JoinGroupResult | undefined
  void join(groups, { memberId: dynamic!.memberId, protocols: protocols('range', 'roundrobin') }).then((r) => { rejoined = r })
  for (let t = 0; t < REBALANCE_MS; t += 3000) {
    clock.advance(3000)
    groups.heartbeat({ groupId: 'g', memberId: staticMember!.memberId, generationId: 1, groupInstanceId: 'i' })
  }
  await settle()
  // The rebalance completed without the static member's rejoin, and it is still a member.
  assert.equal(rejoined?.generationId, 2)
  assert.deepEqual(rejoined?.members.map((m) => m.memberId).sort(), [staticMember!.memberId, dynamic!.memberId].sort())
})

test('close answers pending calls with COORDINATOR_NOT_AVAILABLE and refuses new ones', async () => {
  const { groups } = await openTestGroups()
  const pending = join(groups)
  await groups.close()
  assert.equal((await pending).errorCode, 'COORDINATOR_NOT_AVAILABLE')
  assert.equal((await join(groups)).errorCode, 'COORDINATOR_NOT_AVAILABLE')
  assert.equal(groups.heartbeat({ groupId: 'g', memberId: 'x', generationId: 1 }).errorCode, 'COORDINATOR_NOT_AVAILABLE')
})
