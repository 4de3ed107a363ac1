// Kafka's 'cooperative-sticky' assignor (KIP-54 stickiness + KIP-429 incremental cooperative
// rebalancing). First a sticky, balanced target: members keep what they own when they may, the rest
// goes to the least-loaded eligible member, then single moves from a member to an eligible one with
// at least two fewer partitions until none is left (each move lowers the sum of squared loads, so
// this ends; for homogeneous subscriptions it ends with max - min <= 1). Then the cooperative step:
// a partition that another member still claims is withheld from its new owner in this generation;
// the claimant sees it missing, revokes it and rejoins, and the follow-up rebalance hands it over.
// So no partition is ever owned by two members at once.
//
// The target is not byte-for-byte Java's AbstractStickyAssignor (whose tie-breaking follows its
// own data structures); balance, stickiness and the two-phase hand-over are the same, and the
// subscription userData (a big-endian int32 generation, read when the subscription is older than
// v2) is Java's, so Java members in the same group read ours and we read theirs.
import { assert } from '../../base/assert.ts'
import type { TopicPartition } from '../types.ts'
import { compareMembers, comparePartitions, partitionKey, subscribedTopics } from './assignor.ts'
import type { Assignor, AssignorMember, PartitionCounts } from './assignor.ts'

/** The generation a member's owned partitions belong to: subscription v2+ field, else Java's userData. */
export function memberGeneration(member: AssignorMember): number {
  const { generationId, userData } = member.subscription
  if (generationId >= 0) return generationId
  return userData !== null && userData.length >= 4 ? userData.readInt32BE(0) : -1
}

interface Load {
  member: AssignorMember
  topics: Set<string>
  partitions: TopicPartition[]
  /** Keys of partitions this member claimed as owned, to prefer moving others. */
  owned: Set<string>
}

/** The sticky balanced target, ignoring who still has to revoke what. */
export function assignSticky(members: readonly AssignorMember[], partitionCounts: PartitionCounts): Map<string, TopicPartition[]> {
  const sorted = [...members].sort(compareMembers)
  const loads = sorted.map((member): Load => ({
    member,
    topics: new Set(member.subscription.topics.filter((topic) => partitionCounts(topic) > 0)),
    partitions: [],
    owned: new Set(member.subscription.ownedPartitions.map((p) => partitionKey(p.topic, p.partition))),
  }))
  const subscribers = new Map<string, Load[]>()
  for (const load of loads) for (const topic of load.topics) {
    let list = subscribers.get(topic)
    if (list === undefined) subscribers.set(topic, (list = []))
    list.push(load)
  }

  // 1. Keep: each partition stays with the claimant of the highest generation, if that claim is
  //    valid (still subscribed, partition exists) and unique at that generation.
  const keeper = new Map<string, { load: Load; generation: number; tied: boolean }>()
  for (const load of loads) {
    const generation = memberGeneration(load.member)
    for (const p of load.member.subscription.ownedPartitions) {
      if (!load.topics.has(p.topic) || p.partition < 0 || p.partition >= partitionCounts(p.topic)) continue
      const key = partitionKey(p.topic, p.partition)
      const best = keeper.get(key)
      if (best === undefined || generation > best.generation) keeper.set(key, { load, generation, tied: false })
      else if (generation === best.generation && best.load !== load) best.tied = true
    }
  }

  // 2. Everything else, most constrained partitions first, to the least-loaded eligible member.
  const unassigned: TopicPartition[] = []
  for (const topic of subscribedTopics(members, partitionCounts)) {
    for (let partition = 0; partition < partitionCounts(topic); partition++) {
      const claim = keeper.get(partitionKey(topic, partition))
      if (claim !== undefined && !claim.tied) claim.load.partitions.push({ topic, partition })
      else unassigned.push({ topic, partition })
    }
  }
  unassigned.sort((a, b) => subscribers.get(a.topic)!.length - subscribers.get(b.topic)!.length || comparePartitions(a, b))
  for (const p of unassigned) leastLoaded(subscribers.get(p.topic)!).partitions.push(p)

  // 3. Balance by single moves from the most loaded member.
  while (moveOne(loads, subscribers)) { /* each move lowers sum(load^2) */ }

  return new Map(loads.map((load) => [load.member.memberId, load.partitions.sort(comparePartitions)]))
}

function leastLoaded(candidates: readonly Load[]): Load {
  let best = candidates[0]!
  for (const load of candidates) if (load.partitions.length < best.partitions.length) best = load
  return best
}

/** Moves one partition from a member to an eligible one with >= 2 fewer; false when none can move. */
function moveOne(loads: readonly Load[], subscribers: Map<string, Load[]>): boolean {
  const byLoad = [...loads].sort((a, b) => b.partitions.length - a.partitions.length)
  for (const from of byLoad) {
    // Moving a partition `from` did not own costs no revocation: try those first.
    for (const preferOwned of [false, true]) {
      for (let i = from.partitions.length - 1; i >= 0; i--) {
        const p = from.partitions[i]!
        if (from.owned.has(partitionKey(p.topic, p.partition)) !== preferOwned) continue
        const to = leastLoaded(subscribers.get(p.topic)!)
        if (from.partitions.length - to.partitions.length < 2) continue
        from.partitions.splice(i, 1)
        to.partitions.push(p)
        return true
      }
    }
  }
  return false
}

/** The cooperative assignment: the sticky target minus partitions another member still has to revoke. */
export function assignCooperativeSticky(members: readonly AssignorMember[], partitionCounts: PartitionCounts): Map<string, TopicPartition[]> {
  const target = assignSticky(members, partitionCounts)
  const claimants = new Map<string, string[]>()
  for (const member of members) {
    for (const p of member.subscription.ownedPartitions) {
      const key = partitionKey(p.topic, p.partition)
      const list = claimants.get(key)
      if (list === undefined) claimants.set(key, [member.memberId])
      else list.push(member.memberId)
    }
  }
  const assignment = new Map<string, TopicPartition[]>()
  for (const [memberId, partitions] of target) {
    assignment.set(memberId, partitions.filter((p) => {
      const owners = claimants.get(partitionKey(p.topic, p.partition))
      return owners === undefined || owners.every((owner) => owner === memberId)
    }))
  }
  assert(assignment.size === members.length, 'cooperative-sticky answers every member')
  return assignment
}

/** The 'cooperative-sticky' assignor. */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  supportedProtocols: ['cooperative', 'eager'],
  subscriptionUserData: ({ generationId }) => {
    const userData = Buffer.allocUnsafe(4)
    userData.writeInt32BE(generationId, 0)
    return userData
  },
  assign: assignCooperativeSticky,
}
