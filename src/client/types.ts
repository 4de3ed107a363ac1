// The public types of Sluice's client API: what a producer sends, what a consumer yields, and the
// options of each. Shared by the embedded and the kafka transport, so they name Kafka's concepts
// (acks, linger, auto offset reset) rather than anything of the embedded log.

/** A key or value as an application hands it over: bytes, text, or a JSON-serializable value. */
export type Payload = Buffer | Uint8Array | string | number | boolean | object | null | undefined

/** Headers as a map (one value per name) or as Kafka's ordered list of pairs. */
export type HeadersInput = Record<string, string | Buffer> | Array<[string, string | Buffer | null]>

/** One record to produce. */
export interface ProducerRecord {
  key?: Payload
  value: Payload
  headers?: HeadersInput
  /** Target partition; when absent the partitioner picks (murmur2 of the key, sticky for none). */
  partition?: number
  /** CreateTime in ms since the epoch; defaults to the clock's now. */
  timestamp?: number
}

/** Where a produced record landed. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
  timestamp: number
}

/** A record as a consumer yields it: key and value are raw bytes (null when absent). */
export interface ConsumerRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer | null]>
}

/** Compression codec names as Kafka's `compression.type` spells them. */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** Producer settings (Kafka's names, camelCased). */
export interface ProducerOptions {
  /** Idempotent delivery: producer id + epoch + per-partition sequences (default true, as Kafka 3+). */
  idempotent?: boolean
  /** 0: don't wait; 1 or 'all': wait until the log accepted it per its flush policy (default 'all'). */
  acks?: 0 | 1 | -1 | 'all'
  /** How long a partially filled batch waits for more records (default 0 ms: send() sends). */
  lingerMs?: number
  /** Upper bound of one record batch in bytes before compression (default 1 MiB). */
  batchBytes?: number
  /** Codec applied to each batch (default 'none'). */
  compression?: CompressionName
  /** Retries of a retriable failure before send() rejects (default 5). */
  retries?: number
  /** Delay between retries (default 100 ms). */
  retryBackoffMs?: number
}

/** A transactional producer's settings: ProducerOptions (acks is always 'all') plus its transactional id. */
export interface TransactionalProducerOptions extends Omit<ProducerOptions, 'idempotent' | 'acks' | 'lingerMs'> {
  /** Kafka's transactional.id: a new producer with the same id fences the older one. */
  transactionalId: string
}

/** A consumer's group identity, what `producer.sendOffsets` needs to fence zombies (Kafka's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string
  /** '' until the consumer joined the group. */
  memberId: string
  /** -1 until the consumer joined the group. */
  generationId: number
  groupInstanceId: string | null
}

/** Offsets to commit in a transaction: the next offset to consume per partition, as Kafka's sendOffsetsToTransaction. */
export interface TransactionOffsetsInput {
  /** The consumer whose positions these are: its group identity is read at the call. */
  consumer?: { groupMetadata(): ConsumerGroupMetadata }
  /** Without `consumer`: the group, and the member and generation (-1 and '' for a group without members). */
  groupId?: string
  memberId?: string
  generationId?: number
  offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string }>
}

/** Where a consumer with no committed offset starts. */
export type OffsetReset = 'earliest' | 'latest'

/** A position to seek to. */
export type SeekTarget = number | 'beginning' | 'end' | { timestamp: number }

/** A partition of a topic. */
export interface TopicPartition {
  topic: string
  partition: number
}

/** Consumer settings (Kafka's names, camelCased). */
export interface ConsumerOptions {
  /** Consumer group id; without one the consumer reads assigned partitions and commits nothing. */
  group?: string
  /** Where to start when the group has no committed offset (default 'latest', as Kafka). */
  autoOffsetReset?: OffsetReset
  /** Commit consumed offsets periodically and on rebalance/close (default true with a group). */
  autoCommit?: boolean
  autoCommitIntervalMs?: number
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  rebalanceTimeoutMs?: number
  /** Assignment strategies in preference order (default ['range', 'cooperative-sticky']... see consumer.ts). */
  assignors?: Array<'range' | 'roundrobin' | 'cooperative-sticky'>
  /** Upper bound of bytes fetched per partition per fetch (default 1 MiB). */
  maxPartitionFetchBytes?: number
  /** Upper bound of bytes buffered per fetch over all partitions (default 50 MiB). */
  fetchMaxBytes?: number
  /** How long a fetch waits for new data before returning empty (default 500 ms). */
  fetchMaxWaitMs?: number
  /** Called after partitions are assigned to this member. */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Called before partitions are taken away (commit here); awaited before the rebalance goes on. */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>
}

/** Options of Sluice.connect (Kafka's client settings, camelCased). */
export interface ConnectOptions {
  /** Bootstrap brokers, 'host:port' each: any reachable one tells the client about the rest. */
  brokers: string[]
  /** client.id sent with every request (default 'sluice'). */
  clientId?: string
  /** Let the cluster create a topic on first produce or subscribe, if it allows that (default true). */
  autoCreateTopics?: boolean
  /** How long a request may go unanswered before it fails (request.timeout.ms, default 30000). */
  requestTimeoutMs?: number
  /** How long connecting to a broker may take (default 10000). */
  connectTimeoutMs?: number
  /** How long topic metadata is trusted before it is asked for again (metadata.max.age.ms, default 300000). */
  metadataMaxAgeMs?: number
}

/** Options of Sluice.open. */
export interface OpenOptions {
  /** Directory holding the log (default './sluice-data'); one process owns it at a time. */
  dataDir?: string
  /** Create a topic with the default config on first produce or subscribe (default true, as Kafka). */
  autoCreateTopics?: boolean
  /** Partitions of an auto-created topic (default 1, as Kafka's num.partitions). */
  defaultPartitions?: number
}

/** One key of a topic's config, with where its value comes from. */
export interface TopicConfigEntry {
  /** Kafka's dotted name (`retention.ms`); a Kafka cluster reports keys Sluice's log does not have. */
  name: string
  value: string
  /** 'topic': set on the topic; 'broker': the broker's (data dir's) default; 'default': built in. */
  source: 'topic' | 'broker' | 'default'
  isDefault: boolean
}

/** One partition of a described topic. */
export interface PartitionDescription {
  partition: number
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  /** Bytes of the (leader's) log; 0 when the cluster does not report sizes. */
  sizeBytes: number
  /** Why the partition is offline (no leader, a storage failure), when it is. */
  offline?: string
}

/** A described topic: partitions with offsets and sizes, and its config. */
export interface TopicDescription {
  name: string
  topicId: string
  isInternal: boolean
  partitions: PartitionDescription[]
  config: TopicConfigEntry[]
}
