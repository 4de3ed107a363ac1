// Tests of the three assignors: Kafka's documented examples for range and roundrobin (the Java
// assignors' exact answers), then seeded property tests over random groups for all three, and the
// cooperative hand-over run to convergence. Replay a failure with SEED=<n>.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomFromEnv } from '../../base/random.ts'
import type { Random } from '../../base/random.ts'
import type { TopicPartition } from '../types.ts'
import { partitionKey } from './assignor.ts'
import type { Assignor, AssignorMember, PartitionCounts } from './assignor.ts'
import { rangeAssignor } from './range.ts'
import { roundRobinAssignor } from './round-robin.ts'
import { assignSticky, cooperativeStickyAssignor, memberGeneration } from './cooperative-sticky.ts'

function member(memberId: string, topics: string[], options: { owned?: TopicPartition[]; generationId?: number; groupInstanceId?: string } = {}): AssignorMember {
  return {
    memberId,
    groupInstanceId: options.groupInstanceId ?? null,
    subscription: { topics, userData: null, ownedPartitions: options.owned ?? [], generationId: options.generationId ?? -1, rackId: null },
  }
}

function counts(table: Record<string, number>): PartitionCounts {
  return (topic) => table[topic] ?? 0
}

function names(partitions: readonly TopicPartition[] | undefined): string[] {
  return (partitions ?? []).map((p) => `${p.topic}-${p.partition}`).sort()
}

test('range gives each topic contiguous ranges with the first members taking the remainder', () => {
  // Kafka's RangeAssignor javadoc example: C0 gets t0p0, t0p1, t1p0, t1p1; C1 gets t0p2, t1p2.
  const result = rangeAssignor.assign([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])], counts({ t0: 3, t1: 3 }))
  assert.deepEqual(names(result.get('C0')), ['t0-0', 't0-1', 't1-0', 't1-1'])
  assert.deepEqual(names(result.get('C1')), ['t0-2', 't1-2'])
})

test('range orders static members first by instance id, then dynamic members by member id', () => {
  const result = rangeAssignor.assign(
    [member('a', ['t']), member('z', ['t'], { groupInstanceId: 'i2' }), member('y', ['t'], { groupInstanceId: 'i1' })],
    counts({ t: 4 }),
  )
  assert.deepEqual(names(result.get('y')), ['t-0', 't-1'])
  assert.deepEqual(names(result.get('z')), ['t-2'])
  assert.deepEqual(names(result.get('a')), ['t-3'])
})

test('roundrobin deals sorted partitions over sorted members', () => {
  // Kafka's RoundRobinAssignor javadoc example.
  const result = roundRobinAssignor.assign([member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])], counts({ t0: 3, t1: 3 }))
  assert.deepEqual(names(result.get('C0')), ['t0-0', 't0-2', 't1-1'])
  assert.deepEqual(names(result.get('C1')), ['t0-1', 't1-0', 't1-2'])
})

test('roundrobin skips members not subscribed to a topic as the Java assignor does', () => {
  // Kafka's javadoc: C0 ⊂ t0; C1 ⊂ t0, t1; C2 ⊂ t0, t1, t2 with 1, 2, 3 partitions.
  const result = roundRobinAssignor.assign(
    [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])],
    counts({ t0: 1, t1: 2, t2: 3 }),
  )
  assert.deepEqual(names(result.get('C0')), ['t0-0'])
  assert.deepEqual(names(result.get('C1')), ['t1-0'])
  assert.deepEqual(names(result.get('C2')), ['t1-1', 't2-0', 't2-1', 't2-2'])
})

test('assignors skip topics that do not exist and still answer every member', () => {
  for (const assignor of [rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor]) {
    const result = assignor.assign([member('a', ['missing']), member('b', ['t', 'missing'])], counts({ t: 2 }))
    assert.deepEqual(names(result.get('a')), [], assignor.name)
    assert.deepEqual(names(result.get('b')), ['t-0', 't-1'], assignor.name)
  }
})

test('cooperative-sticky reads the generation from the subscription, else from Java userData', () => {
  const userData = cooperativeStickyAssignor.subscriptionUserData({ generationId: 7 })
  assert.deepEqual(userData, Buffer.from([0, 0, 0, 7]))
  const m = member('a', ['t'])
  assert.equal(memberGeneration({ ...m, subscription: { ...m.subscription, userData } }), 7)
  assert.equal(memberGeneration({ ...m, subscription: { ...m.subscription, userData, generationId: 9 } }), 9)
  assert.equal(memberGeneration(m), -1)
})

test('cooperative-sticky moves only what a new member needs and hands it over in two rebalances', () => {
  const partitionCounts = counts({ t: 6 })
  const owned = (ps: number[]): TopicPartition[] => ps.map((partition) => ({ topic: 't', partition }))
  const first = cooperativeStickyAssignor.assign(
    [member('a', ['t'], { owned: owned([0, 1, 2]), generationId: 3 }), member('b', ['t'], { owned: owned([3, 4, 5]), generationId: 3 }), member('c', ['t'])],
    partitionCounts,
  )
  // The target moves one partition from a and one from b to c; c gets nothing yet.
  assert.equal(first.get('a')!.length, 2)
  assert.equal(first.get('b')!.length, 2)
  assert.deepEqual(names(first.get('c')), [])
  const second = cooperativeStickyAssignor.assign(
    [member('a', ['t'], { owned: first.get('a')!, generationId: 4 }), member('b', ['t'], { owned: first.get('b')!, generationId: 4 }), member('c', ['t'], { generationId: 4 })],
    partitionCounts,
  )
  assert.deepEqual(names(second.get('a')), names(first.get('a')))
  assert.deepEqual(names(second.get('b')), names(first.get('b')))
  assert.equal(second.get('c')!.length, 2)
})

test('cooperative-sticky trusts the higher generation when two members claim one partition', () => {
  const target = assignSticky(
    [member('a', ['t'], { owned: [{ topic: 't', partition: 0 }], generationId: 5 }), member('b', ['t'], { owned: [{ topic: 't', partition: 0 }], generationId: 4 })],
    counts({ t: 2 }),
  )
  assert.deepEqual(names(target.get('a')), ['t-0'])
  assert.deepEqual(names(target.get('b')), ['t-1'])
})

// ---- seeded properties ----

interface Scenario {
  members: AssignorMember[]
  partitionCounts: PartitionCounts
  topics: string[]
  homogeneous: boolean
}

function randomScenario(random: Random): Scenario {
  const topicCount = random.int(1, 5)
  const table: Record<string, number> = {}
  const topics: string[] = []
  for (let t = 0; t < topicCount; t++) {
    topics.push(`topic-${t}`)
    table[`topic-${t}`] = random.int(1, 13)
  }
  const homogeneous = random.chance(0.5)
  const members: AssignorMember[] = []
  const memberCount = random.int(1, 9)
  for (let m = 0; m < memberCount; m++) {
    const subscribed = homogeneous ? topics : topics.filter(() => random.chance(0.6))
    members.push(member(`member-${random.int(0, 1_000_000)}-${m}`, subscribed.length > 0 ? subscribed : [random.pick(topics)]))
  }
  return { members, partitionCounts: counts(table), topics, homogeneous }
}

function checkComplete(name: string, scenario: Scenario, assignment: Map<string, TopicPartition[]>): void {
  assert.equal(assignment.size, scenario.members.length, `${name}: one entry per member`)
  const owner = new Map<string, string>()
  for (const m of scenario.members) {
    for (const p of assignment.get(m.memberId)!) {
      const key = partitionKey(p.topic, p.partition)
      assert.ok(!owner.has(key), `${name}: ${p.topic}-${p.partition} assigned to ${owner.get(key)} and ${m.memberId}`)
      owner.set(key, m.memberId)
      assert.ok(m.subscription.topics.includes(p.topic), `${name}: ${m.memberId} got unsubscribed ${p.topic}`)
    }
  }
  for (const topic of scenario.topics) {
    if (!scenario.members.some((m) => m.subscription.topics.includes(topic))) continue
    for (let p = 0; p < scenario.partitionCounts(topic); p++) {
      assert.ok(owner.has(partitionKey(topic, p)), `${name}: ${topic}-${p} unassigned`)
    }
  }
}

function spread(sizes: number[]): number {
  return Math.max(...sizes) - Math.min(...sizes)
}

test('every assignor assigns each subscribed partition exactly once, balanced for homogeneous groups', () => {
  const random = randomFromEnv('assignor properties')
  for (let round = 0; round < 300; round++) {
    const scenario = randomScenario(random)
    for (const assignor of [rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor]) {
      const assignment = assignor.assign(scenario.members, scenario.partitionCounts)
      checkComplete(assignor.name, scenario, assignment)
      if (!scenario.homogeneous) continue
      if (assignor === rangeAssignor) {
        for (const topic of scenario.topics) {
          const sizes = scenario.members.map((m) => assignment.get(m.memberId)!.filter((p) => p.topic === topic).length)
          assert.ok(spread(sizes) <= 1, `range unbalanced on ${topic}: ${sizes}`)
        }
      } else {
        const sizes = scenario.members.map((m) => assignment.get(m.memberId)!.length)
        assert.ok(spread(sizes) <= 1, `${assignor.name} unbalanced: ${sizes}`)
      }
    }
  }
})

test('cooperative-sticky never hands a partition to one member while another still owns it, and converges', () => {
  const random = randomFromEnv('cooperative hand-over')
  for (let round = 0; round < 150; round++) {
    const scenario = randomScenario(random)
    let members = scenario.members
    let generation = 1
    // Several membership changes in a row: each one runs rebalances until nobody revokes.
    for (let change = 0; change < 4; change++) {
      let rebalances = 0
      for (;;) {
        rebalances++
        assert.ok(rebalances <= 3, `no convergence after ${rebalances} rebalances (seed round ${round})`)
        const assignment = cooperativeStickyAssignor.assign(members, scenario.partitionCounts)
        const ownedBefore = new Map(members.map((m) => [m.memberId, new Set(m.subscription.ownedPartitions.map((p) => partitionKey(p.topic, p.partition)))]))
        let revoked = false
        for (const m of members) {
          const next = assignment.get(m.memberId)!
          const nextKeys = new Set(next.map((p) => partitionKey(p.topic, p.partition)))
          for (const key of ownedBefore.get(m.memberId)!) if (!nextKeys.has(key)) revoked = true
          for (const key of nextKeys) {
            if (ownedBefore.get(m.memberId)!.has(key)) continue
            for (const [other, owned] of ownedBefore) {
              assert.ok(other === m.memberId || !owned.has(key), `${key} added to ${m.memberId} while ${other} owns it`)
            }
          }
        }
        generation++
        members = members.map((m) => ({ ...m, subscription: { ...m.subscription, ownedPartitions: assignment.get(m.memberId)!, generationId: generation } }))
        if (!revoked) {
          checkComplete('cooperative-sticky converged', { ...scenario, members }, assignment)
          if (scenario.homogeneous) assert.ok(spread(members.map((m) => assignment.get(m.memberId)!.length)) <= 1)
          break
        }
      }
      // Change membership: a member leaves (its partitions vanish with it) or a new one joins.
      if (members.length > 1 && random.chance(0.5)) members = members.filter((_, i) => i !== random.int(0, members.length))
      else members = [...members, member(`joiner-${change}-${random.int(0, 1000)}`, scenario.homogeneous ? scenario.topics : [random.pick(scenario.topics)])]
    }
  }
})

test('cooperative-sticky keeps every owned partition when nothing changed', () => {
  const random = randomFromEnv('sticky stability')
  for (let round = 0; round < 100; round++) {
    const scenario = randomScenario(random)
    const first = cooperativeStickyAssignor.assign(scenario.members, scenario.partitionCounts)
    const again = cooperativeStickyAssignor.assign(
      scenario.members.map((m) => ({ ...m, subscription: { ...m.subscription, ownedPartitions: first.get(m.memberId)!, generationId: 2 } })),
      scenario.partitionCounts,
    )
    for (const m of scenario.members) assert.deepEqual(names(again.get(m.memberId)), names(first.get(m.memberId)))
  }
})

test('assignors declare the names and protocols Kafka uses', () => {
  const all: Assignor[] = [rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor]
  assert.deepEqual(all.map((a) => a.name), ['range', 'roundrobin', 'cooperative-sticky'])
  assert.ok(cooperativeStickyAssignor.supportedProtocols.includes('cooperative'))
  assert.ok(!rangeAssignor.supportedProtocols.includes('cooperative'))
})
