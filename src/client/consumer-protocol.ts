// The bytes a consumer puts in JoinGroup's protocol metadata (its subscription) and the leader puts
// in SyncGroup (each member's assignment): Kafka's ConsumerProtocol, an int16 version followed by
// the ConsumerProtocolSubscription / ConsumerProtocolAssignment body, whose codecs are generated
// (protocol/messages/consumer-protocol-*.gen.ts). Sluice writes version 3 of both, as the Java
// client does; it reads 0-3, and a newer version with the version-3 layout, as Kafka's
// ConsumerProtocol does (later versions may only append fields). So Sluice, Java, librdkafka and
// KafkaJS members of one group read each other's subscriptions and assignments.
import { SluiceError } from '../base/errors.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import { Writer } from '../protocol/primitives/writer.ts'
import {
  decodeConsumerProtocolAssignment, decodeConsumerProtocolSubscription, encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '../protocol/messages/index.ts'
import type { Subscription } from './assignors/assignor.ts'
import { comparePartitions, compareStrings } from './assignors/assignor.ts'
import type { TopicPartition } from './types.ts'

/** The protocol type consumers register in JoinGroup. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer'

/** The version Sluice writes: the newest of both payloads in Kafka 3.x/4.0. */
const VERSION_WRITTEN = 3
const VERSION_READ_MAX = 3

/** What the leader sends a member: its partitions, and assignor-specific bytes. */
export interface Assignment {
  partitions: TopicPartition[]
  userData: Buffer | null
}

/** Encodes a subscription (version 3 unless told otherwise). */
export function encodeSubscription(subscription: Subscription, version = VERSION_WRITTEN): Buffer {
  const writer = new Writer(64)
  writer.int16(version)
  encodeConsumerProtocolSubscription(writer, version, {
    topics: subscription.topics,
    userData: subscription.userData,
    ownedPartitions: groupByTopic(subscription.ownedPartitions),
    generationId: subscription.generationId,
    rackId: subscription.rackId,
  })
  return writer.toBuffer()
}

/** Decodes a subscription written by any Kafka client; throws INVALID_REQUEST on malformed bytes. */
export function decodeSubscription(bytes: Buffer): Subscription {
  const reader = new Reader(bytes)
  const version = readVersion(reader, 'subscription')
  const body = decodeConsumerProtocolSubscription(reader, Math.min(version, VERSION_READ_MAX))
  check(reader, 'subscription')
  return {
    topics: body.topics,
    userData: body.userData,
    ownedPartitions: flatten(body.ownedPartitions),
    generationId: body.generationId,
    rackId: body.rackId,
  }
}

/** Encodes an assignment (version 3 unless told otherwise). */
export function encodeAssignment(assignment: Assignment, version = VERSION_WRITTEN): Buffer {
  const writer = new Writer(64)
  writer.int16(version)
  encodeConsumerProtocolAssignment(writer, version, {
    assignedPartitions: groupByTopic(assignment.partitions),
    userData: assignment.userData,
  })
  return writer.toBuffer()
}

/** Decodes an assignment; empty bytes (a member the leader left out) mean no partitions. */
export function decodeAssignment(bytes: Buffer): Assignment {
  if (bytes.length === 0) return { partitions: [], userData: null }
  const reader = new Reader(bytes)
  const version = readVersion(reader, 'assignment')
  const body = decodeConsumerProtocolAssignment(reader, Math.min(version, VERSION_READ_MAX))
  check(reader, 'assignment')
  return { partitions: flatten(body.assignedPartitions), userData: body.userData }
}

/** Partitions grouped per topic, topics and partitions sorted, as the wire format lists them. */
function groupByTopic(partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const byTopic = new Map<string, number[]>()
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, (list = []))
    list.push(partition)
  }
  return [...byTopic.keys()].sort(compareStrings).map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b) }))
}

function flatten(grouped: ReadonlyArray<{ topic: string; partitions: number[] }>): TopicPartition[] {
  const partitions: TopicPartition[] = []
  for (const { topic, partitions: numbers } of grouped) for (const partition of numbers) partitions.push({ topic, partition })
  return partitions.sort(comparePartitions)
}

function readVersion(reader: Reader, what: string): number {
  const version = reader.int16()
  check(reader, what)
  if (version < 0) throw new SluiceError('INVALID_REQUEST', `consumer protocol ${what} has version ${version}`)
  return version
}

function check(reader: Reader, what: string): void {
  if (reader.error !== null) throw new SluiceError('INVALID_REQUEST', `malformed consumer protocol ${what}: ${reader.error}`)
}
