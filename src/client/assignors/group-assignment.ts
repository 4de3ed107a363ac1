// The two pieces of assignment work a consumer group member does around the assignors: as leader,
// turn the members' JoinGroup metadata into assignment bytes with the chosen assignor; as any
// member, compare a new assignment with what it owns (which partitions to revoke, which are new).
// The loop that calls them is ../group-membership.ts; the bytes are ../consumer-protocol.ts.
import type { JoinGroupMember } from '../../coordinator/groups/types.ts'
import { decodeSubscription, encodeAssignment } from '../consumer-protocol.ts'
import type { TopicPartition } from '../types.ts'
import { partitionKey } from './assignor.ts'
import type { Assignor, AssignorMember, PartitionCounts, Subscription } from './assignor.ts'

const NO_SUBSCRIPTION: Subscription = { topics: [], userData: null, ownedPartitions: [], generationId: -1, rackId: null }

/** The leader's work: decode subscriptions, run the assignor named `protocolName`, encode each member's assignment. */
export function assignGroup(
  assignors: readonly Assignor[],
  protocolName: string,
  members: readonly JoinGroupMember[],
  partitionCounts: PartitionCounts,
): Array<{ memberId: string; assignment: Buffer }> {
  const assignor = assignors.find((a) => a.name === protocolName)
  // The coordinator picks among the names this member offered, so this is only a safety net.
  if (assignor === undefined) return []
  const assignorMembers = members.map((m): AssignorMember => {
    let subscription = NO_SUBSCRIPTION
    try {
      subscription = decodeSubscription(m.metadata)
    } catch {
      // A member whose subscription cannot be read (a foreign client's bug) gets nothing, and the
      // rest of the group still gets its partitions.
    }
    return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, subscription }
  })
  const assignment = assignor.assign(assignorMembers, partitionCounts)
  return [...assignment].map(([memberId, partitions]) => ({ memberId, assignment: encodeAssignment({ partitions, userData: null }) }))
}

/** What changes when a member that owns `owned` receives `assigned`. */
export function diffAssignment(owned: readonly TopicPartition[], assigned: readonly TopicPartition[]): { kept: TopicPartition[]; revoked: TopicPartition[]; added: TopicPartition[] } {
  const next = new Set(assigned.map((p) => partitionKey(p.topic, p.partition)))
  const before = new Set(owned.map((p) => partitionKey(p.topic, p.partition)))
  return {
    kept: owned.filter((p) => next.has(partitionKey(p.topic, p.partition))),
    revoked: owned.filter((p) => !next.has(partitionKey(p.topic, p.partition))),
    added: assigned.filter((p) => !before.has(partitionKey(p.topic, p.partition))),
  }
}
