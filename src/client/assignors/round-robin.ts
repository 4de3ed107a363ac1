// Kafka's RoundRobinAssignor ('roundrobin'): every partition of every subscribed topic, sorted by
// topic then partition, is dealt in turn to the members (in Kafka's member order), skipping members
// not subscribed to that partition's topic. Same answer as the Java assignor. Eager only.
import type { TopicPartition } from '../types.ts'
import { compareMembers, emptyAssignment, subscribedTopics } from './assignor.ts'
import type { Assignor, AssignorMember, PartitionCounts } from './assignor.ts'

/** Deals all subscribed partitions round-robin over the members, skipping unsubscribed ones. */
export function assignRoundRobin(members: readonly AssignorMember[], partitionCounts: PartitionCounts): Map<string, TopicPartition[]> {
  const assignment = emptyAssignment(members)
  const sorted = [...members].sort(compareMembers)
  const subscriptions = sorted.map((member) => new Set(member.subscription.topics))
  // `next` is Java's CircularIterator position: it survives across topics, and a member that does
  // not take the topic is skipped, not consumed.
  let next = 0
  for (const topic of subscribedTopics(members, partitionCounts)) {
    const partitionCount = partitionCounts(topic)
    for (let partition = 0; partition < partitionCount; partition++) {
      while (!subscriptions[next]!.has(topic)) next = (next + 1) % sorted.length
      assignment.get(sorted[next]!.memberId)!.push({ topic, partition })
      next = (next + 1) % sorted.length
    }
  }
  return assignment
}

/** The 'roundrobin' assignor. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  supportedProtocols: ['eager'],
  subscriptionUserData: () => null,
  assign: assignRoundRobin,
}
