// The admin API: topics (create, list, describe, alter config, add partitions, delete), offsets,
// consumer groups (list, describe with per-partition lag, reset offsets, delete) and the cluster.
// Each method maps to one Kafka admin operation (CreateTopics, DescribeConfigs, ListOffsets,
// DescribeGroups + OffsetFetch, OffsetCommit, DeleteGroups…) behind AdminOps (transport.ts), served
// in-process by embedded-admin.ts or over the network by kafka/kafka-admin.ts; what is shared (lag,
// the checks before moving a group's offsets) is computed here, once for both.
import { SluiceError } from '../base/errors.ts'
import type { GroupErrorCode, GroupState } from '../coordinator/groups/types.ts'
import type { ConfigChange, TopicListing } from '../coordinator/topics/topic-registry.ts'
import type { TopicConfigInput } from '../coordinator/topics/topic-config.ts'
import { comparePartitions, partitionKey } from './assignors/assignor.ts'
import { decodeAssignment } from './consumer-protocol.ts'
import type { AdminOps, ClusterDescription, Transport } from './transport.ts'
import type { SeekTarget, TopicConfigEntry, TopicDescription, TopicPartition } from './types.ts'

/** A member of a described group. */
export interface GroupMemberInfo {
  memberId: string
  clientId: string
  clientHost: string
  assignment: TopicPartition[]
}

/** A committed offset with the partition's end and the lag between them. */
export interface GroupPartitionLag {
  topic: string
  partition: number
  /** -1 when the group has committed nothing for this partition. */
  committedOffset: number
  logEndOffset: number
  /** logEndOffset - committedOffset (the whole partition when nothing is committed). */
  lag: number
}

/** A described consumer group. */
export interface GroupInfo {
  groupId: string
  state: GroupState
  protocol: string
  members: GroupMemberInfo[]
  offsets: GroupPartitionLag[]
  totalLag: number
}

/** Offsets of one partition. */
export interface PartitionOffsets {
  partition: number
  logStartOffset: number
  highWatermark: number
}

/**
 * Topics, offsets and groups.
 * @example
 * await sluice.admin.createTopic('payments', { partitions: 6, config: { 'cleanup.policy': 'compact' } })
 * const group = await sluice.admin.describeGroup('audit')   // group.totalLag
 */
export class Admin {
  readonly #ops: AdminOps
  readonly #transport: Transport

  constructor(ops: AdminOps, transport: Transport) {
    this.#ops = ops
    this.#transport = transport
  }

  /** Creates a topic (partitions default to the data dir's or the cluster's default). */
  async createTopic(name: string, options: { partitions?: number; config?: Record<string, TopicConfigInput> } = {}): Promise<TopicListing> {
    return this.#ops.createTopic(name, options)
  }

  /** Deletes a topic, its data and every group's committed offsets for it. */
  async deleteTopic(name: string): Promise<void> {
    await this.#ops.deleteTopic(name)
  }

  /** Topics, without internal ones unless asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<TopicListing[]> {
    return this.#ops.listTopics(options)
  }

  /** Partitions with offsets and sizes, and the config with each key's source. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return this.#ops.describeTopic(name)
  }

  /** Sets and/or resets config keys (Kafka's dotted names); returns the resulting config. */
  async alterTopicConfig(name: string, change: ConfigChange): Promise<TopicConfigEntry[]> {
    return this.#ops.alterTopicConfig(name, change)
  }

  /** Grows a topic to `total` partitions (partitions can only be added). */
  async addPartitions(name: string, total: number): Promise<void> {
    await this.#ops.createPartitions(name, total)
  }

  /** Log start offset and high watermark of every partition of a topic. */
  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    const count = await this.#transport.partitionCount(topic)
    const ranges = await this.#ops.partitionOffsets(Array.from({ length: count }, (_, partition) => ({ topic, partition })))
    return ranges.map(({ partition, logStartOffset, highWatermark }) => ({ partition, logStartOffset, highWatermark }))
  }

  /** The nodes, the topics with each partition's leader, and the API versions the cluster serves. */
  async describeCluster(): Promise<ClusterDescription> {
    return this.#ops.describeCluster()
  }

  /** Consumer groups known to the coordinator (with members or committed offsets). */
  async listGroups(): Promise<Array<{ groupId: string; state: GroupState }>> {
    return (await this.#ops.listGroups()).map((g) => ({ groupId: g.groupId, state: g.groupState }))
  }

  /** A group's state, members with their partitions, and per-partition committed offset and lag. */
  async describeGroup(groupId: string): Promise<GroupInfo> {
    const description = await this.#ops.describeGroup(groupId)
    check(description.errorCode, groupId)
    const fetched = await this.#ops.fetchOffsets(groupId)
    check(fetched.errorCode, groupId)
    if (description.groupState === 'Dead' && fetched.offsets.length === 0) {
      throw new SluiceError('GROUP_ID_NOT_FOUND', `unknown consumer group '${groupId}'`)
    }
    const members = description.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: m.memberAssignment.length > 0 ? decodeAssignment(m.memberAssignment).partitions : [],
    }))
    // Lag covers every partition the group has offsets for or is assigned.
    const partitions = new Map<string, TopicPartition>()
    for (const o of fetched.offsets) partitions.set(partitionKey(o.topic, o.partition), o)
    for (const m of members) for (const p of m.assignment) partitions.set(partitionKey(p.topic, p.partition), p)
    const committed = new Map(fetched.offsets.map((o) => [partitionKey(o.topic, o.partition), o.offset]))
    // Partitions of topics deleted since are left out of the answer.
    const ranges = await this.#ops.partitionOffsets([...partitions.values()].sort(comparePartitions))
    const offsets: GroupPartitionLag[] = []
    for (const { topic, partition, logStartOffset, highWatermark: logEndOffset } of ranges) {
      const committedOffset = committed.get(partitionKey(topic, partition)) ?? -1
      const lag = Math.max(0, logEndOffset - (committedOffset < 0 ? logStartOffset : committedOffset))
      offsets.push({ topic, partition, committedOffset, logEndOffset, lag })
    }
    return {
      groupId,
      state: description.groupState,
      protocol: description.protocolData,
      members,
      offsets,
      totalLag: offsets.reduce((sum, o) => sum + o.lag, 0),
    }
  }

  /**
   * Moves a group's committed offsets for a topic (all partitions, or the given ones) to a target,
   * like kafka-consumer-groups --reset-offsets --execute. Only while the group has no members.
   */
  async resetGroupOffsets(groupId: string, topic: string, target: SeekTarget, partitions?: readonly number[]): Promise<Array<TopicPartition & { offset: number }>> {
    const description = await this.#ops.describeGroup(groupId)
    if (description.members.length > 0) {
      throw new SluiceError('NON_EMPTY_GROUP', `group '${groupId}' has ${description.members.length} active member(s); stop its consumers before moving its offsets`)
    }
    const count = await this.#transport.partitionCount(topic)
    const chosen = partitions ?? Array.from({ length: count }, (_, i) => i)
    const offsets: Array<TopicPartition & { offset: number }> = []
    for (const partition of chosen) {
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${partition}`)
      }
      offsets.push({ topic, partition, offset: await this.#transport.resolveOffset(topic, partition, target) })
    }
    const results = await this.#ops.commitOffsets({ groupId, generationId: -1, memberId: '', offsets })
    for (const r of results) check(r.errorCode, groupId)
    return offsets
  }

  /** Deletes a group with no members, and its committed offsets. */
  async deleteGroup(groupId: string): Promise<void> {
    const result = await this.#ops.deleteGroup(groupId)
    check(result.errorCode, groupId)
  }
}

function check(errorCode: GroupErrorCode | undefined, groupId: string): void {
  if (errorCode === undefined) return
  const messages: Partial<Record<GroupErrorCode, string>> = {
    GROUP_ID_NOT_FOUND: `unknown consumer group '${groupId}'`,
    NON_EMPTY_GROUP: `group '${groupId}' still has members; stop its consumers first`,
    INVALID_GROUP_ID: `invalid group id '${groupId}'`,
  }
  throw new SluiceError(errorCode, messages[errorCode] ?? `group '${groupId}': ${errorCode}`)
}
