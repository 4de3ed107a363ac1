// The topics a consumer group's members subscribe to, read from their JoinGroup metadata (Kafka's
// ConsumerProtocol subscription: an int16 version, then the generated ConsumerProtocolSubscription
// body). OffsetDelete needs it: a group may not drop offsets of a topic it still consumes. The
// client side of the same format (encoding, assignments) is client/consumer-protocol.ts.
import { Reader } from '../../protocol/primitives/reader.ts'
import { decodeConsumerProtocolSubscription } from '../../protocol/messages/index.ts'
import type { Group } from './group.ts'

/** Newest subscription version whose layout we know; newer ones only append fields. */
const SUBSCRIPTION_VERSION_MAX = 3

/**
 * Topics any member subscribes to, from its metadata for the group's protocol (or every protocol
 * it offered, before one is chosen). Null when a subscription cannot be read: then the caller
 * must assume every topic is consumed.
 */
export function subscribedTopics(group: Group): ReadonlySet<string> | null {
  const topics = new Set<string>()
  for (const member of group.members.values()) {
    const offered = group.protocolName === null ? member.protocols : member.protocols.filter((p) => p.name === group.protocolName)
    for (const { metadata } of offered) {
      const reader = new Reader(metadata)
      const version = reader.int16()
      if (reader.error !== null || version < 0) return null
      const subscription = decodeConsumerProtocolSubscription(reader, Math.min(version, SUBSCRIPTION_VERSION_MAX))
      if (reader.error !== null) return null
      for (const topic of subscription.topics) topics.add(topic)
    }
  }
  return topics
}
