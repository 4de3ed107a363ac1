// AdminOps for the embedded log: each admin operation is a call on the in-process Coordinator (its
// topic registry, group coordinator and partition logs). The network counterpart is
// kafka/kafka-admin.ts; admin.ts builds the public Admin API on either.
import type { Coordinator } from '../coordinator/coordinator.ts'
import { OFFSETS_TOPIC } from '../coordinator/coordinator.ts'
import type { GroupDescription, GroupListing, OffsetCommitRequest, OffsetFetchResult, PartitionResult } from '../coordinator/groups/types.ts'
import type { ConfigChange, TopicListing } from '../coordinator/topics/topic-registry.ts'
import type { TopicConfigInput } from '../coordinator/topics/topic-config.ts'
import type { ErrorCode } from '../base/errors.ts'
import type { AdminOps, ClusterDescription, PartitionOffsetRange } from './transport.ts'
import type { TopicConfigEntry, TopicDescription, TopicPartition } from './types.ts'

/** The node id the embedded log reports for itself, as a Sluice broker over it does by default. */
const EMBEDDED_NODE_ID = 0

/** Admin operations on an in-process Coordinator. */
export class EmbeddedAdminOps implements AdminOps {
  readonly #coordinator: Coordinator

  constructor(coordinator: Coordinator) {
    this.#coordinator = coordinator
  }

  async createTopic(name: string, options: { partitions?: number; config?: Record<string, TopicConfigInput> }): Promise<TopicListing> {
    return this.#coordinator.topics.create(name, options)
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#coordinator.deleteTopic(name)
  }

  async listTopics(options: { includeInternal?: boolean }): Promise<TopicListing[]> {
    return this.#coordinator.topics.list(options)
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return this.#coordinator.topics.describe(name)
  }

  async alterTopicConfig(name: string, change: ConfigChange): Promise<TopicConfigEntry[]> {
    return this.#coordinator.topics.alterConfig(name, change)
  }

  async createPartitions(name: string, total: number): Promise<void> {
    await this.#coordinator.topics.createPartitions(name, total)
  }

  async listGroups(): Promise<GroupListing[]> {
    return this.#coordinator.groups.listGroups()
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#coordinator.groups.describeGroups([groupId])[0]!
  }

  async deleteGroup(groupId: string): Promise<{ errorCode?: ErrorCode }> {
    const [result] = await this.#coordinator.groups.deleteGroups([groupId])
    return result?.errorCode === undefined ? {} : { errorCode: result.errorCode }
  }

  async fetchOffsets(groupId: string): Promise<OffsetFetchResult> {
    return this.#coordinator.groups.fetchOffsets(groupId, null)
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<PartitionResult[]> {
    return this.#coordinator.groups.commitOffsets(request)
  }

  async partitionOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffsetRange[]> {
    const topics = this.#coordinator.topics
    const out: PartitionOffsetRange[] = []
    for (const { topic, partition } of partitions) {
      if (!topics.has(topic) || partition >= topics.partitionCount(topic)) continue
      const log = this.#coordinator.partition(topic, partition)
      out.push({ topic, partition, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark })
    }
    return out
  }

  async describeCluster(): Promise<ClusterDescription> {
    const topics = this.#coordinator.topics
    return {
      mode: 'embedded',
      // The id a Sluice broker serving this data dir advertises: the offsets topic's id, in Kafka's form.
      clusterId: topics.has(OFFSETS_TOPIC) ? Buffer.from(topics.topicId(OFFSETS_TOPIC).replaceAll('-', ''), 'hex').toString('base64url') : null,
      controllerId: EMBEDDED_NODE_ID,
      brokers: [{ nodeId: EMBEDDED_NODE_ID, host: 'in-process', port: 0, rack: null }],
      topics: topics.list({ includeInternal: true }).map((t) => ({
        name: t.name,
        isInternal: t.isInternal,
        partitions: Array.from({ length: t.partitions }, (_, partition) => ({ partition, leaderId: EMBEDDED_NODE_ID, replicas: [EMBEDDED_NODE_ID], isr: [EMBEDDED_NODE_ID] })),
      })),
      apiVersionsFrom: null,
      apiVersions: [],
      dataDir: this.#coordinator.dataDir,
    }
  }
}
