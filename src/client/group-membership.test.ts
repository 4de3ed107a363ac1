// Tests of the client side of consumer groups against the real GroupCoordinator on a ManualClock:
// three members sharing a topic through members leaving and dying, for eager (range) and
// cooperative (cooperative-sticky) rebalancing, with an ownership ledger that fails if a partition
// is ever handed to a member while another still owns it. Also commits from rebalance listeners,
// fatal errors, and that stop() leaves no timer behind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openTestGroups, settle } from '../coordinator/groups/group-test-kit.ts'
import type { GroupCoordinator } from '../coordinator/groups/group-coordinator.ts'
import type { ManualClock } from '../testing/manual-clock.ts'
import type { Assignor } from './assignors/assignor.ts'
import { cooperativeStickyAssignor } from './assignors/cooperative-sticky.ts'
import { rangeAssignor } from './assignors/range.ts'
import { roundRobinAssignor } from './assignors/round-robin.ts'
import { GroupMembership, type GroupMembershipOptions } from './group-membership.ts'
import type { TopicPartition } from './types.ts'

const PARTITIONS = 6

/** Who owns which partition, checked at every hand-over. */
class Ledger {
  readonly owners = new Map<string, string>()
  readonly violations: string[] = []
  readonly events: string[] = []

  assigned(member: string, partitions: TopicPartition[]): void {
    for (const p of partitions) {
      const key = `${p.topic}-${p.partition}`
      const owner = this.owners.get(key)
      if (owner !== undefined) this.violations.push(`${key} assigned to ${member} while ${owner} owns it`)
      this.owners.set(key, member)
    }
    if (partitions.length > 0) this.events.push(`${member} +${partitions.map((p) => p.partition).join(',')}`)
  }

  revoked(member: string, partitions: TopicPartition[]): void {
    for (const p of partitions) {
      const key = `${p.topic}-${p.partition}`
      if (this.owners.get(key) !== member) this.violations.push(`${member} revoked ${key} owned by ${this.owners.get(key)}`)
      else this.owners.delete(key)
    }
    if (partitions.length > 0) this.events.push(`${member} -${partitions.map((p) => p.partition).join(',')}`)
  }

  ownedBy(member: string): number[] {
    return [...this.owners].filter(([, owner]) => owner === member).map(([key]) => Number(key.split('-')[1])).sort((a, b) => a - b)
  }
}

function member(name: string, groups: GroupCoordinator, clock: ManualClock, ledger: Ledger, assignors: Assignor[], extra: Partial<GroupMembershipOptions> = {}): GroupMembership {
  return new GroupMembership({
    groups,
    groupId: 'g',
    topics: ['t'],
    assignors,
    clock,
    clientId: name,
    partitionCounts: (topic) => (topic === 't' ? PARTITIONS : 0),
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
    rebalanceTimeoutMs: 20_000,
    onAssigned: (partitions) => ledger.assigned(name, partitions),
    onRevoked: (partitions) => ledger.revoked(name, partitions),
    onError: (error) => ledger.violations.push(`${name}: ${String(error)}`),
    ...extra,
  })
}

/** Advances the clock in steps, letting promise callbacks run after each. */
async function run(clock: ManualClock, ms: number, stepMs = 250): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs)
    await settle()
  }
}

for (const assignors of [[rangeAssignor], [cooperativeStickyAssignor]]) {
  test(`three ${assignors[0]!.name} members share the partitions through a leave and a death, never owning one twice`, async () => {
    const { groups, clock, close } = await openTestGroups({ initialRebalanceDelayMs: 100 })
    const ledger = new Ledger()
    const [a, b, c] = ['a', 'b', 'c'].map((name) => member(name, groups, clock, ledger, assignors))
    const started = [a!.start(), b!.start(), c!.start()]
    await run(clock, 1000)
    await Promise.all(started)
    assert.deepEqual(ledger.violations, [])
    assert.equal(ledger.owners.size, PARTITIONS)
    assert.deepEqual(['a', 'b', 'c'].map((m) => ledger.ownedBy(m).length), [2, 2, 2])
    const firstGeneration = a!.generationId
    assert.ok(firstGeneration >= 1)
    assert.equal(b!.generationId, firstGeneration)
    assert.equal(a!.rebalanceProtocol, assignors[0] === rangeAssignor ? 'eager' : 'cooperative')

    // c leaves: a and b learn it from their heartbeats and split its partitions.
    await c!.stop()
    assert.deepEqual(ledger.ownedBy('c'), [])
    await run(clock, 5000)
    assert.deepEqual(ledger.violations, [])
    assert.equal(ledger.owners.size, PARTITIONS)
    assert.deepEqual([ledger.ownedBy('a').length, ledger.ownedBy('b').length], [3, 3])
    const secondGeneration = a!.generationId
    assert.ok(secondGeneration > firstGeneration)
    assert.equal(b!.generationId, secondGeneration)

    // b dies: it stops heartbeating without leaving; its session times out and a takes everything.
    await b!.stop({ leave: false })
    await run(clock, 9000)
    assert.equal(ledger.ownedBy('a').length, 3, 'before the session timeout nothing moved')
    await run(clock, 6000)
    assert.deepEqual(ledger.violations, [])
    assert.deepEqual(ledger.ownedBy('a'), [0, 1, 2, 3, 4, 5])
    assert.ok(a!.generationId > secondGeneration)
    assert.deepEqual(a!.assignment.map((p) => p.partition), [0, 1, 2, 3, 4, 5])

    await a!.stop()
    await close()
    assert.equal(clock.pendingTimers, 0, 'every timer was cancelled')
  })
}

test('cooperative members hand over only the partitions that move, in a follow-up rebalance', async () => {
  const { groups, clock, close } = await openTestGroups()
  const ledger = new Ledger()
  const a = member('a', groups, clock, ledger, [cooperativeStickyAssignor])
  const b = member('b', groups, clock, ledger, [cooperativeStickyAssignor])
  const started = [a.start(), b.start()]
  await run(clock, 1000)
  await Promise.all(started)
  const before = { a: ledger.ownedBy('a'), b: ledger.ownedBy('b') }
  assert.deepEqual([before.a.length, before.b.length], [3, 3])
  ledger.events.length = 0

  const c = member('c', groups, clock, ledger, [cooperativeStickyAssignor])
  const cStarted = c.start()
  await run(clock, 5000)
  await cStarted
  assert.deepEqual(ledger.violations, [])
  assert.deepEqual(['a', 'b', 'c'].map((m) => ledger.ownedBy(m).length), [2, 2, 2])
  // a and b each gave up exactly one partition and kept the rest; nothing else was revoked.
  const revocations = ledger.events.filter((e) => e.includes(' -'))
  assert.deepEqual(revocations.length, 2, ledger.events.join('; '))
  for (const m of ['a', 'b'] as const) assert.ok(ledger.ownedBy(m).every((p) => before[m].includes(p)))
  for (const m of [a, b, c]) await m.stop()
  await close()
})

test('offsets committed in onRevoked during a rebalance are the ones the next owner reads', async () => {
  const { groups, clock, close } = await openTestGroups()
  const ledger = new Ledger()
  const positions = new Map<number, number>()
  let a: GroupMembership
  a = member('a', groups, clock, ledger, [rangeAssignor], {
    onRevoked: async (partitions) => {
      const results = await a.commit(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: 100 + p.partition })))
      assert.ok(results.every((r) => r.errorCode === undefined), JSON.stringify(results))
      ledger.revoked('a', partitions)
    },
  })
  const started = a.start()
  await run(clock, 1000)
  await started
  const b = member('b', groups, clock, ledger, [rangeAssignor], {
    onAssigned: (partitions) => {
      ledger.assigned('b', partitions)
      for (const p of groups.fetchOffsets('g', partitions).offsets) positions.set(p.partition, p.offset)
    },
  })
  const bStarted = b.start()
  await run(clock, 5000)
  await bStarted
  assert.deepEqual(ledger.violations, [])
  assert.deepEqual([...positions].sort((x, y) => x[0] - y[0]), [[3, 103], [4, 104], [5, 105]])
  await a.stop()
  await b.stop()
  await close()
})

test('a commit from a member whose generation passed is refused and makes it rejoin', async () => {
  const { groups, clock, close } = await openTestGroups()
  const ledger = new Ledger()
  const a = member('a', groups, clock, ledger, [rangeAssignor])
  const started = a.start()
  await run(clock, 1000)
  await started
  assert.deepEqual(await a.commit([{ topic: 't', partition: 0, offset: 5 }]), [{ topic: 't', partition: 0 }])
  // The coordinator forgets the member (as after a session timeout it missed): the commit fails.
  groups.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId }] })
  assert.equal((await a.commit([{ topic: 't', partition: 0, offset: 6 }]))[0]!.errorCode, 'UNKNOWN_MEMBER_ID')
  await run(clock, 2000)
  assert.ok(a.generationId >= 3, `rejoined in a later generation (now ${a.generationId})`)
  assert.equal(ledger.ownedBy('a').length, PARTITIONS)
  assert.deepEqual(ledger.violations, [])
  await a.stop()
  await close()
})

test('a member without a protocol in common with the group stops with a fatal error', async () => {
  const { groups, clock, close } = await openTestGroups()
  const ledger = new Ledger()
  const a = member('a', groups, clock, ledger, [rangeAssignor])
  const started = a.start()
  await run(clock, 1000)
  await started
  const errors: unknown[] = []
  const b = member('b', groups, clock, ledger, [roundRobinAssignor], { onError: (error) => errors.push(error) })
  await assert.rejects(b.start(), /INCONSISTENT_GROUP_PROTOCOL/)
  assert.equal(errors.length, 1)
  assert.equal(b.failure?.retriable, false)
  await b.stop()
  await a.stop()
  await close()
  assert.equal(clock.pendingTimers, 0)
})

test('a listener that throws is reported and the member still takes its partitions', async () => {
  const { groups, clock, close } = await openTestGroups()
  const errors: unknown[] = []
  const a = new GroupMembership({
    groups, groupId: 'g', topics: ['t'], assignors: [rangeAssignor], clock, partitionCounts: () => 2,
    sessionTimeoutMs: 10_000,
    onAssigned: () => { throw new Error('listener bug') },
    onRevoked: () => undefined,
    onError: (error) => errors.push(error),
  })
  const started = a.start()
  await run(clock, 1000)
  await started
  assert.equal(errors.length, 1)
  assert.deepEqual(a.assignment, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
  await a.stop()
  await close()
})
