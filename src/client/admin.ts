// The admin API: topics (create, list, describe, alter config, add partitions, delete), offsets, and
// consumer groups (list, describe with per-partition lag, reset offsets, delete). Each method maps
// to one Kafka admin operation (CreateTopics, DescribeConfigs, ListOffsets, DescribeGroups +
// OffsetFetch, OffsetCommit, DeleteGroups…), so the kafka transport can serve the same shape.
import { SluiceError } from '../base/errors.ts'
import type { Coordinator } from '../coordinator/coordinator.ts'
import type { GroupErrorCode, GroupState } from '../coordinator/groups/types.ts'
import type { ConfigChange, TopicDescription, TopicListing } from '../coordinator/topics/topic-registry.ts'
import type { TopicConfigEntry, TopicConfigInput } from '../coordinator/topics/topic-config.ts'
import { comparePartitions, partitionKey } from './assignors/assignor.ts'
import { decodeAssignment } from './consumer-protocol.ts'
import type { Transport } from './transport.ts'
import type { SeekTarget, TopicPartition } from './types.ts'

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
  readonly #coordinator: Coordinator
  readonly #transport: Transport

  constructor(coordinator: Coordinator, transport: Transport) {
    this.#coordinator = coordinator
    this.#transport = transport
  }

  /** Creates a topic (partitions default to the data dir's default, 1). */
  async createTopic(name: string, options: { partitions?: number; config?: Record<string, TopicConfigInput> } = {}): Promise<TopicListing> {
    return this.#coordinator.topics.create(name, options)
  }

  /** Deletes a topic, its data and every group's committed offsets for it. */
  async deleteTopic(name: string): Promise<void> {
    await this.#coordinator.deleteTopic(name)
  }

  /** Topics, without internal ones unless asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<TopicListing[]> {
    return this.#coordinator.topics.list(options)
  }

  /** Partitions with offsets and sizes, and the config with each key's source. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return this.#coordinator.topics.describe(name)
  }

  /** Sets and/or resets config keys (Kafka's dotted names); returns the resulting config. */
  async alterTopicConfig(name: string, change: ConfigChange): Promise<TopicConfigEntry[]> {
    return this.#coordinator.topics.alterConfig(name, change)
  }

  /** Grows a topic to `total` partitions (partitions can only be added). */
  async addPartitions(name: string, total: number): Promise<void> {
    await this.#coordinator.topics.createPartitions(name, total)
  }

  /** Log start offset and high watermark of every partition of a topic. */
  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    const count = await this.#transport.partitionCount(topic)
    const out: PartitionOffsets[] = []
    for (let partition = 0; partition < count; partition++) {
      out.push({
        partition,
        logStartOffset: await this.#transport.resolveOffset(topic, partition, 'beginning'),
        highWatermark: await this.#transport.resolveOffset(topic, partition, 'end'),
      })
    }
    return out
  }

  /** Consumer groups known to the coordinator (with members or committed offsets). */
  async listGroups(): Promise<Array<{ groupId: string; state: GroupState }>> {
    return this.#coordinator.groups.listGroups().map((g) => ({ groupId: g.groupId, state: g.groupState }))
  }

  /** A group's state, members with their partitions, and per-partition committed offset and lag. */
  async describeGroup(groupId: string): Promise<GroupInfo> {
    const [description] = this.#coordinator.groups.describeGroups([groupId])
    check(description?.errorCode, groupId)
    const fetched = this.#coordinator.groups.fetchOffsets(groupId, null)
    check(fetched.errorCode, groupId)
    if (description!.groupState === 'Dead' && fetched.offsets.length === 0) {
      throw new SluiceError('GROUP_ID_NOT_FOUND', `unknown consumer group '${groupId}'`)
    }
    const members = description!.members.map((m) => ({
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
    const offsets: GroupPartitionLag[] = []
    for (const p of [...partitions.values()].sort(comparePartitions)) {
      const key = partitionKey(p.topic, p.partition)
      if (!this.#coordinator.topics.has(p.topic)) continue
      const logEndOffset = this.#coordinator.partition(p.topic, p.partition).highWatermark
      const committedOffset = committed.get(key) ?? -1
      const logStartOffset = this.#coordinator.partition(p.topic, p.partition).logStartOffset
      const lag = Math.max(0, logEndOffset - (committedOffset < 0 ? logStartOffset : committedOffset))
      offsets.push({ topic: p.topic, partition: p.partition, committedOffset, logEndOffset, lag })
    }
    return {
      groupId,
      state: description!.groupState,
      protocol: description!.protocolData,
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
    const [description] = this.#coordinator.groups.describeGroups([groupId])
    if (description !== undefined && description.members.length > 0) {
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
    const results = await this.#coordinator.groups.commitOffsets({ groupId, generationId: -1, memberId: '', offsets })
    for (const r of results) check(r.errorCode, groupId)
    return offsets
  }

  /** Deletes a group with no members, and its committed offsets. */
  async deleteGroup(groupId: string): Promise<void> {
    const [result] = await this.#coordinator.groups.deleteGroups([groupId])
    check(result?.errorCode, groupId)
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
