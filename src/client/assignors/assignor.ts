// The contract every partition assignor meets, and the small helpers they share. An assignor is a
// pure function run by the group leader: members' subscriptions (+ what each owns, for sticky ones)
// and the partition count of each topic in, one list of partitions per member out. The byte format
// the subscriptions travel in is consumer-protocol.ts; the loop that calls assign() is
// group-membership.ts. Implementations: range.ts, round-robin.ts, cooperative-sticky.ts.
import type { TopicPartition } from '../types.ts'

/** How a rebalance hands partitions over: all revoked first (eager), or only those that move (cooperative, KIP-429). */
export type RebalanceProtocol = 'eager' | 'cooperative'

/** What a member tells the leader when it joins (Kafka's ConsumerProtocolSubscription, decoded). */
export interface Subscription {
  topics: string[]
  /** Assignor-specific bytes (cooperative-sticky puts the member's generation here). */
  userData: Buffer | null
  /** Partitions the member owns as it joins (sent by cooperative members, empty for eager ones). */
  ownedPartitions: TopicPartition[]
  /** The generation in which `ownedPartitions` were assigned, -1 when unknown. */
  generationId: number
  rackId: string | null
}

/** One member as an assignor sees it. */
export interface AssignorMember {
  memberId: string
  groupInstanceId: string | null
  subscription: Subscription
}

/** Partitions of a topic, or 0 (or less) when the topic does not exist. */
export type PartitionCounts = (topic: string) => number

/** A partition assignment strategy, named as Kafka names it ('range', 'roundrobin', 'cooperative-sticky'). */
export interface Assignor {
  readonly name: string
  /** Rebalance protocols this assignor supports; a consumer uses cooperative only if all its assignors do. */
  readonly supportedProtocols: readonly RebalanceProtocol[]
  /** userData to put in this member's subscription (null for none). */
  subscriptionUserData(state: { generationId: number }): Buffer | null
  /** Assigns partitions of subscribed topics to members: memberId → partitions, one entry per member. */
  assign(members: readonly AssignorMember[], partitionCounts: PartitionCounts): Map<string, TopicPartition[]>
}

/**
 * Kafka's member order (ConsumerPartitionAssignor.MemberInfo.compareTo): static members first, by
 * group instance id, then dynamic members by member id. Both compare UTF-16 code units, as Java's
 * String.compareTo and JavaScript's `<` do.
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId)
  if (a.groupInstanceId !== null) return -1
  if (b.groupInstanceId !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

/** Orders strings as Java's String.compareTo does (by UTF-16 code unit). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Orders partitions by topic, then partition number. */
export function comparePartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition
}

/** The sorted, de-duplicated topics any member subscribes to that exist (count > 0). */
export function subscribedTopics(members: readonly AssignorMember[], partitionCounts: PartitionCounts): string[] {
  const topics = new Set<string>()
  for (const member of members) for (const topic of member.subscription.topics) topics.add(topic)
  return [...topics].filter((topic) => partitionCounts(topic) > 0).sort(compareStrings)
}

/** A map with an empty assignment for every member, so members with nothing still get an answer. */
export function emptyAssignment(members: readonly AssignorMember[]): Map<string, TopicPartition[]> {
  return new Map(members.map((member) => [member.memberId, []]))
}

/** A stable string key for a partition, for Sets and Maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`
}
