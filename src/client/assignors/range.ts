// Kafka's RangeAssignor ('range'): per topic, the members subscribed to it in Kafka's member order
// each get a contiguous range of partitions; with P partitions and M members every member gets
// floor(P/M) and the first P % M members one more. Same answer as the Java assignor (without rack
// awareness), so Sluice and Java members of one group agree whoever leads. Eager only.
import type { TopicPartition } from '../types.ts'
import { compareMembers, comparePartitions, emptyAssignment, subscribedTopics } from './assignor.ts'
import type { Assignor, AssignorMember, PartitionCounts } from './assignor.ts'

/** Assigns each topic's partitions in contiguous ranges over the members subscribed to it. */
export function assignRange(members: readonly AssignorMember[], partitionCounts: PartitionCounts): Map<string, TopicPartition[]> {
  const assignment = emptyAssignment(members)
  const sorted = [...members].sort(compareMembers)
  for (const topic of subscribedTopics(members, partitionCounts)) {
    const consumers = sorted.filter((member) => member.subscription.topics.includes(topic))
    const partitionCount = partitionCounts(topic)
    const perMember = Math.floor(partitionCount / consumers.length)
    const withExtra = partitionCount % consumers.length
    consumers.forEach((member, i) => {
      const start = perMember * i + Math.min(i, withExtra)
      const length = perMember + (i < withExtra ? 1 : 0)
      const target = assignment.get(member.memberId)!
      for (let partition = start; partition < start + length; partition++) target.push({ topic, partition })
    })
  }
  for (const partitions of assignment.values()) partitions.sort(comparePartitions)
  return assignment
}

/** The 'range' assignor. */
export const rangeAssignor: Assignor = {
  name: 'range',
  supportedProtocols: ['eager'],
  subscriptionUserData: () => null,
  assign: assignRange,
}
