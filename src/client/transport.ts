// The seam between Sluice's client API and where the log lives, in three narrow interfaces:
// Transport (the data path: partitions, producer ids, produce and fetch of whole record batches,
// offsets), GroupOps (a consumer group member's calls to its group coordinator) and AdminOps (topics,
// groups and offsets for the Admin API). The embedded side calls the coordinator in-process
// (embedded-transport.ts, embedded-admin.ts, and the coordinator's GroupCoordinator itself as
// GroupOps); the kafka side speaks the wire protocol to any Kafka-protocol cluster (kafka/).
// Producer, Consumer, GroupMembership and Admin only see these, so application code runs on both.
import type { ErrorCode } from '../base/errors.ts'
import type {
  GroupDescription, GroupListing, JoinGroupRequest, JoinGroupResult, LeaveGroupRequest, LeaveGroupResult, MemberIdentity,
  OffsetCommitRequest, OffsetFetchResult, PartitionResult, SyncGroupRequest, SyncGroupResult,
} from '../coordinator/groups/types.ts'
import type { ConfigChange, TopicListing } from '../coordinator/topics/topic-registry.ts'
import type { TopicConfigInput } from '../coordinator/topics/topic-config.ts'
import type { SeekTarget, TopicConfigEntry, TopicDescription, TopicPartition } from './types.ts'

/** Acks as the log understands them: 0 none, 1 leader, -1 all in-sync replicas. */
export type Acks = 0 | 1 | -1

/** Result of appending one batch to one partition. */
export interface ProduceResult {
  baseOffset: number
  /** The broker's time when the topic uses LogAppendTime, else -1. */
  logAppendTime: number
}

/** One partition's slice of a fetch. */
export interface FetchRequestPartition {
  topic: string
  partition: number
  offset: number
  maxBytes: number
}

/** One partition's answer to a fetch: whole batches; the first may start before `offset`. */
export interface FetchedPartition {
  topic: string
  partition: number
  records: Buffer
  highWatermark: number
  logStartOffset: number
  /** Set when the partition could not be read (OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION…). */
  error?: import('../base/errors.ts').SluiceError
}

/** What a transport offers producers, consumers and the admin API. */
export interface Transport {
  /** Partitions of `topic`; creates the topic first when `create` and the transport allows it. */
  partitionCount(topic: string, options?: { create?: boolean }): Promise<number>
  /**
   * A fresh producer id and epoch for an idempotent producer; given the current ones, the same id
   * with the epoch bumped (KIP-360), after which sequences restart at 0.
   */
  initProducerId(current?: { producerId: number; producerEpoch: number }): Promise<{ producerId: number; producerEpoch: number }>
  /** Appends one record batch v2 (the transport takes ownership of its bytes). */
  produce(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<ProduceResult>
  /** Reads from several partitions at once, waiting up to maxWaitMs for minBytes. */
  fetch(
    partitions: readonly FetchRequestPartition[],
    options: { maxWaitMs: number; minBytes: number; maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedPartition[]>
  /** The offset a seek target names (timestamps resolve to the first offset at or after them). */
  resolveOffset(topic: string, partition: number, target: SeekTarget): Promise<number>
  /**
   * InitProducerId for a transactional id: the same producer id each time, the epoch bumped (the
   * previous holder is fenced). Optional: a transport without transactions leaves it out or throws
   * UNSUPPORTED_VERSION.
   */
  initTransactions?(transactionalId: string): Promise<{ producerId: number; producerEpoch: number }>
  /** Commits batches (one write per partition) and a group's offsets atomically; see coordinator/transactions/. */
  commitTransaction?(request: TransactionCommitRequest): Promise<TransactionCommitResult[]>
}

/** One atomic commit: batches of the transactional producer per partition, and optionally offsets. */
export interface TransactionCommitRequest {
  transactionalId: string
  producerId: number
  producerEpoch: number
  writes: Array<{ topic: string; partition: number; batches: Buffer }>
  offsets?: { groupId: string; memberId: string; generationId: number; offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string }> }
}

/** Where one write of a commit landed. */
export interface TransactionCommitResult {
  topic: string
  partition: number
  baseOffset: number
  lastOffset: number
  /** The broker's time when the topic uses LogAppendTime, else -1. */
  logAppendTime: number
}

/** A value, or a promise of it: the in-process group coordinator answers some calls at once. */
export type Answer<T> = T | Promise<T>

/**
 * A consumer group member's calls to its group coordinator. The coordinator's GroupCoordinator is
 * the embedded implementation as it is; kafka/kafka-groups.ts sends the same calls as JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch. Outcomes are error codes in the
 * results; a network implementation answers an unreachable coordinator with COORDINATOR_NOT_AVAILABLE
 * rather than rejecting, so the member's loop retries as it does for any retriable answer.
 */
export interface GroupOps {
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult>
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResult>
  heartbeat(request: MemberIdentity): Answer<{ errorCode?: ErrorCode }>
  leaveGroup(request: LeaveGroupRequest): Answer<LeaveGroupResult>
  commitOffsets(request: OffsetCommitRequest): Promise<PartitionResult[]>
  fetchOffsets(groupId: string, partitions?: readonly TopicPartition[] | null): Answer<OffsetFetchResult>
}

/** Log start offset and high watermark of one partition. */
export interface PartitionOffsetRange {
  topic: string
  partition: number
  logStartOffset: number
  highWatermark: number
}

/** A broker of a described cluster. */
export interface ClusterBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** One API a broker serves: its version range and the version this client uses (-1: none in common). */
export interface ClusterApiVersion {
  apiKey: number
  name: string
  minVersion: number
  maxVersion: number
  clientVersion: number
}

/** What `Admin.describeCluster` reports: the nodes, the topics with each partition's leader, the APIs. */
export interface ClusterDescription {
  /** 'embedded': Sluice.open's in-process log (one node, no wire protocol); 'kafka': Sluice.connect. */
  mode: 'embedded' | 'kafka'
  clusterId: string | null
  /** Node id of the controller (-1 when the cluster did not say). */
  controllerId: number
  brokers: ClusterBroker[]
  topics: Array<{ name: string; isInternal: boolean; partitions: Array<{ partition: number; leaderId: number; replicas: number[]; isr: number[] }> }>
  /** The broker whose API versions are listed ('host:port'); null for the embedded log. */
  apiVersionsFrom: string | null
  apiVersions: ClusterApiVersion[]
  /** The embedded log's data dir. */
  dataDir?: string
}

/** What the Admin API asks of where the log lives; each method is one Kafka admin operation (or a few). */
export interface AdminOps {
  createTopic(name: string, options: { partitions?: number; config?: Record<string, TopicConfigInput> }): Promise<TopicListing>
  deleteTopic(name: string): Promise<void>
  listTopics(options: { includeInternal?: boolean }): Promise<TopicListing[]>
  describeTopic(name: string): Promise<TopicDescription>
  alterTopicConfig(name: string, change: ConfigChange): Promise<TopicConfigEntry[]>
  createPartitions(name: string, total: number): Promise<void>
  listGroups(): Promise<GroupListing[]>
  /** An unknown group is described as Dead with no members, as Kafka does. */
  describeGroup(groupId: string): Promise<GroupDescription>
  deleteGroup(groupId: string): Promise<{ errorCode?: ErrorCode }>
  /** Every offset the group has committed. */
  fetchOffsets(groupId: string): Promise<OffsetFetchResult>
  /** A commit from outside the group (generation -1): only accepted while it has no members. */
  commitOffsets(request: OffsetCommitRequest): Promise<PartitionResult[]>
  /** Offsets of existing partitions; partitions of topics that no longer exist are left out. */
  partitionOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffsetRange[]>
  describeCluster(): Promise<ClusterDescription>
}
