// The seam between Sluice's client API and where the log lives. The embedded transport
// (embedded-transport.ts) calls the coordinator in-process; the kafka transport (next issue) will
// speak the wire protocol to any Kafka-protocol cluster. Producer, Consumer and Admin only see these
// narrow interfaces, so the same application code runs on both.
import type { SeekTarget } from './types.ts'

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
}
