// AdminOps over the wire: topics through CreateTopics / DeleteTopics / CreatePartitions (sent to the
// controller, retried on NOT_CONTROLLER), Metadata, ListOffsets, DescribeLogDirs (partition sizes),
// DescribeConfigs and IncrementalAlterConfigs; groups through kafka-groups.ts; the cluster through
// Metadata and the answering broker's ApiVersions. The embedded counterpart is ../embedded-admin.ts.
import { SluiceError, isSluiceError, type ErrorCode } from '../../base/errors.ts'
import type { GroupDescription, GroupListing, OffsetCommitRequest, OffsetFetchResult, PartitionResult } from '../../coordinator/groups/types.ts'
import type { ConfigChange, TopicListing } from '../../coordinator/topics/topic-registry.ts'
import type { TopicConfigInput } from '../../coordinator/topics/topic-config.ts'
import {
  ApiKey, apis, type CreatePartitionsResponse, type CreateTopicsResponse, type DeleteTopicsResponse, type DescribeConfigsResponse,
  type DescribeLogDirsResponse, type IncrementalAlterConfigsResponse,
} from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import type { AdminOps, ClusterDescription, PartitionOffsetRange } from '../transport.ts'
import type { PartitionDescription, TopicConfigEntry, TopicDescription, TopicPartition } from '../types.ts'
import type { KafkaCluster } from './cluster.ts'
import { uuidOfWireId } from './wire-forms.ts'
import type { KafkaGroups } from './kafka-groups.ts'
import type { KafkaTransport } from './kafka-transport.ts'
import { NOT_CONTROLLER, wireError } from './wire-errors.ts'

/** Kafka's ConfigResource type for topics. */
const TOPIC_RESOURCE = 2
/** Kafka's AlterConfigOp types. */
const SET = 0
const DELETE = 1
/** Kafka's config sources (DescribeConfigs v1+). */
const TOPIC_CONFIG_SOURCE = 1
const DEFAULT_CONFIG_SOURCE = 5
const UNKNOWN_TOPIC_OR_PARTITION = 3
const CONTROLLER_ATTEMPTS = 3

/** Admin operations against a Kafka-protocol cluster. */
export class KafkaAdminOps implements AdminOps {
  readonly #cluster: KafkaCluster
  readonly #transport: KafkaTransport
  readonly #groups: KafkaGroups

  constructor(cluster: KafkaCluster, transport: KafkaTransport, groups: KafkaGroups) {
    this.#cluster = cluster
    this.#transport = transport
    this.#groups = groups
  }

  async createTopic(name: string, options: { partitions?: number; config?: Record<string, TopicConfigInput> }): Promise<TopicListing> {
    const { version, response } = await this.#toController<CreateTopicsResponse>(ApiKey.CreateTopics, (v) => ({
      topics: [{
        name,
        // -1: the cluster's defaults (num.partitions, default.replication.factor), from v4.
        numPartitions: options.partitions ?? (v >= 4 ? -1 : 1),
        replicationFactor: v >= 4 ? -1 : 1,
        assignments: [],
        configs: Object.entries(options.config ?? {}).map(([key, value]) => ({ name: key, value: String(value) })),
      }],
      timeoutMs: this.#cluster.requestTimeoutMs,
      validateOnly: false,
    }), (r) => r.topics[0]?.errorCode ?? 0)
    const result = response.topics[0]
    if (result === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `CreateTopics for '${name}' came back without the topic`)
    if (result.errorCode !== 0) throw wireError(result.errorCode, `creating topic '${name}'`, result.errorMessage)
    // v5 answers the partition count, v7 the topic id; older versions leave them to Metadata.
    const hasAll = version >= 7 && result.numPartitions > 0 && result.topicId !== ZERO_UUID
    const info = hasAll ? null : await this.#transport.partitionCount(name).then(() => this.#cluster.topic(name))
    this.#cluster.invalidate(name)
    return {
      name,
      topicId: hasAll ? uuidOfWireId(result.topicId) : info!.topicId,
      partitions: hasAll ? result.numPartitions : info!.partitions.length,
      isInternal: false,
    }
  }

  async deleteTopic(name: string): Promise<void> {
    const { response } = await this.#toController<DeleteTopicsResponse>(ApiKey.DeleteTopics, (v) => ({
      topics: v >= 6 ? [{ name, topicId: ZERO_UUID }] : [],
      topicNames: v >= 6 ? [] : [name],
      timeoutMs: this.#cluster.requestTimeoutMs,
    }), (r) => r.responses[0]?.errorCode ?? 0)
    const result = response.responses[0]
    this.#cluster.invalidate(name)
    if (result === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `DeleteTopics for '${name}' came back without the topic`)
    if (result.errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${name}'`)
    if (result.errorCode !== 0) throw wireError(result.errorCode, `deleting topic '${name}'`, result.errorMessage)
  }

  async listTopics(options: { includeInternal?: boolean }): Promise<TopicListing[]> {
    const infos = await this.#cluster.refreshMetadata(null)
    return infos
      .filter((t) => t.errorCode === 0 && (options.includeInternal === true || !t.isInternal))
      .map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.length, isInternal: t.isInternal }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const info = await this.#cluster.topic(name, { refresh: true })
    if (info.errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${name}'`)
    if (info.errorCode !== 0) throw wireError(info.errorCode, `describing topic '${name}'`)
    const led = info.partitions.filter((p) => p.leaderId >= 0)
    const [offsets, sizes, config] = await Promise.all([
      this.partitionOffsets(led.map((p) => ({ topic: name, partition: p.partition }))),
      this.#partitionSizes(name, led),
      this.#describeConfig(name),
    ])
    const byPartition = new Map(offsets.map((o) => [o.partition, o]))
    const partitions: PartitionDescription[] = info.partitions.map((p) => {
      const o = byPartition.get(p.partition)
      if (o === undefined) return { partition: p.partition, logStartOffset: -1, logEndOffset: -1, highWatermark: -1, sizeBytes: 0, offline: 'no leader' }
      // A client sees the high watermark; the leader's log end offset past it is not served.
      return { partition: p.partition, logStartOffset: o.logStartOffset, logEndOffset: o.highWatermark, highWatermark: o.highWatermark, sizeBytes: sizes.get(p.partition) ?? 0 }
    })
    return { name, topicId: info.topicId, isInternal: info.isInternal, partitions, config }
  }

  async alterTopicConfig(name: string, change: ConfigChange): Promise<TopicConfigEntry[]> {
    const configs = [
      ...Object.entries(change.set ?? {}).map(([key, value]) => ({ name: key, configOperation: SET, value: String(value) })),
      ...(change.delete ?? []).map((key) => ({ name: key, configOperation: DELETE, value: null })),
    ]
    const { response } = await this.#cluster.requestAny<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, () => ({
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configs }], validateOnly: false,
    }))
    const result = response.responses[0]
    if (result === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `IncrementalAlterConfigs for '${name}' came back without the topic`)
    if (result.errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${name}'`)
    if (result.errorCode !== 0) throw wireError(result.errorCode, `altering the config of topic '${name}'`, result.errorMessage)
    return this.#describeConfig(name)
  }

  async createPartitions(name: string, total: number): Promise<void> {
    const { response } = await this.#toController<CreatePartitionsResponse>(ApiKey.CreatePartitions, () => ({
      topics: [{ name, count: total, assignments: null }], timeoutMs: this.#cluster.requestTimeoutMs, validateOnly: false,
    }), (r) => r.results[0]?.errorCode ?? 0)
    const result = response.results[0]
    this.#cluster.invalidate(name)
    if (result === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `CreatePartitions for '${name}' came back without the topic`)
    if (result.errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${name}'`)
    if (result.errorCode !== 0) throw wireError(result.errorCode, `adding partitions to topic '${name}'`, result.errorMessage)
  }

  listGroups(): Promise<GroupListing[]> {
    return this.#groups.listGroups()
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#groups.describeGroup(groupId)
  }

  deleteGroup(groupId: string): Promise<{ errorCode?: ErrorCode }> {
    return this.#groups.deleteGroup(groupId)
  }

  fetchOffsets(groupId: string): Promise<OffsetFetchResult> {
    return this.#groups.fetchOffsets(groupId, null)
  }

  commitOffsets(request: OffsetCommitRequest): Promise<PartitionResult[]> {
    return this.#groups.commitOffsets(request)
  }

  async partitionOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffsetRange[]> {
    // Only partitions that exist now: a group may hold offsets of a topic deleted since.
    const existing: TopicPartition[] = []
    const counts = new Map<string, number>()
    for (const p of partitions) {
      if (!counts.has(p.topic)) counts.set(p.topic, await this.#transport.partitionCount(p.topic).catch((error: unknown) => {
        if (isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return 0
        throw error
      }))
      if (p.partition < counts.get(p.topic)!) existing.push(p)
    }
    if (existing.length === 0) return []
    const [starts, ends] = await Promise.all([this.#transport.listOffsets(existing, -2), this.#transport.listOffsets(existing, -1)])
    return existing.map((p, i) => ({ topic: p.topic, partition: p.partition, logStartOffset: starts[i]!.offset, highWatermark: ends[i]!.offset }))
  }

  async describeCluster(): Promise<ClusterDescription> {
    const infos = await this.#cluster.refreshMetadata(null)
    const connection = await this.#cluster.anyConnection()
    return {
      mode: 'kafka',
      clusterId: this.#cluster.clusterId,
      controllerId: this.#cluster.controllerId,
      brokers: this.#cluster.brokers,
      topics: infos.filter((t) => t.errorCode === 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((t) => ({
        name: t.name,
        isInternal: t.isInternal,
        partitions: t.partitions.map((p) => ({ partition: p.partition, leaderId: p.leaderId, replicas: p.replicas, isr: p.isr })),
      })),
      apiVersionsFrom: connection.address,
      apiVersions: [...connection.brokerVersions].sort((a, b) => a[0] - b[0]).map(([apiKey, range]) => ({
        apiKey, name: apis.get(apiKey)?.name ?? `Unknown${apiKey}`, minVersion: range.min, maxVersion: range.max, clientVersion: connection.versionOf(apiKey),
      })),
    }
  }

  /** Sends a topic admin request to the controller, finding it again on NOT_CONTROLLER. */
  async #toController<Response>(apiKey: number, body: (version: number) => unknown, codeOf: (response: Response) => number): Promise<{ version: number; response: Response }> {
    for (let attempt = 0; ; attempt++) {
      const controller = this.#cluster.controllerId
      const answer = controller >= 0 && this.#cluster.brokers.some((b) => b.nodeId === controller)
        ? await this.#cluster.request<Response>(controller, apiKey, body)
        : await this.#cluster.requestAny<Response>(apiKey, body)
      if (codeOf(answer.response) !== NOT_CONTROLLER || attempt + 1 >= CONTROLLER_ATTEMPTS) return answer
      await this.#cluster.refreshMetadata([])
    }
  }

  /** Sizes of the leaders' logs (DescribeLogDirs); partitions the cluster does not report count 0. */
  async #partitionSizes(topic: string, partitions: ReadonlyArray<{ partition: number; leaderId: number }>): Promise<Map<number, number>> {
    const sizes = new Map<number, number>()
    const byLeader = new Map<number, number[]>()
    for (const p of partitions) byLeader.set(p.leaderId, [...(byLeader.get(p.leaderId) ?? []), p.partition])
    await Promise.all([...byLeader].map(async ([node, indexes]) => {
      try {
        const { response } = await this.#cluster.request<DescribeLogDirsResponse>(node, ApiKey.DescribeLogDirs, () => ({ topics: [{ topic, partitions: indexes }] }))
        for (const dir of response.results) {
          if (dir.errorCode !== 0) continue
          for (const t of dir.topics) {
            if (t.name !== topic) continue
            for (const p of t.partitions) if (!p.isFutureKey && indexes.includes(p.partitionIndex)) sizes.set(p.partitionIndex, (sizes.get(p.partitionIndex) ?? 0) + p.partitionSize)
          }
        }
      } catch (error) {
        // Sizes are informational: a broker that does not serve DescribeLogDirs (or denies it) leaves them 0.
        if (!isSluiceError(error)) throw error
      }
    }))
    return sizes
  }

  async #describeConfig(name: string): Promise<TopicConfigEntry[]> {
    const { version, response } = await this.#cluster.requestAny<DescribeConfigsResponse>(ApiKey.DescribeConfigs, () => ({
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false,
    }))
    const result = response.results[0]
    if (result === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `DescribeConfigs for '${name}' came back without the topic`)
    if (result.errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${name}'`)
    if (result.errorCode !== 0) throw wireError(result.errorCode, `describing the config of topic '${name}'`, result.errorMessage)
    return result.configs
      .map((c) => {
        // v0 has only isDefault; v1+ name the source: set on the topic, a broker-level value, or built in.
        const source = version === 0
          ? (c.isDefault ? 'default' as const : 'topic' as const)
          : c.configSource === TOPIC_CONFIG_SOURCE ? 'topic' as const : c.configSource === DEFAULT_CONFIG_SOURCE || c.configSource === 0 ? 'default' as const : 'broker' as const
        return { name: c.name, value: c.value ?? '', source, isDefault: source !== 'topic' }
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
}

