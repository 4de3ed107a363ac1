// The kafka transport: the Transport seam (../transport.ts) over the Kafka wire protocol, to any
// Kafka-protocol cluster (the Sluice broker, Apache Kafka, Redpanda). It uses Sluice's own
// generated codecs (protocol/messages/*.gen.ts) rather than a client library such as
// @platformatic/kafka: the seam moves whole record batches v2 — the producer builds them, the
// consumer decodes them — and a library's API builds and decodes batches itself, so going through
// one would decode and re-encode every batch. Here a produced batch's bytes go to the socket as
// they are, and a fetched batch reaches the consumer as a view into the response frame.
//
// Produce: batches handed over in the same tick are grouped per leader into one Produce request
// (at most one batch per partition per request, so the broker sees a partition's batches in seal
// order across pipelined requests). Fetch: one sessionless Fetch (epoch -1) per leader, on a pooled
// fetch connection, answered as soon as any leader returns data. Offsets: ListOffsets to the
// leader. Stale routes (NOT_LEADER_OR_FOLLOWER, a lost connection) refresh metadata; the producer's
// retries and the consumer's next poll then go to the new leader.
import { SluiceError, isSluiceError } from '../../base/errors.ts'
import {
  ApiKey, type FetchRequest, type FetchResponse, type InitProducerIdResponse, type ListOffsetsResponse, type ProduceRequest, type ProduceResponse,
} from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import { partitionKey } from '../assignors/assignor.ts'
import type { Acks, FetchRequestPartition, FetchedPartition, ProduceResult, TransactionCommitResult, Transport } from '../transport.ts'
import type { SeekTarget, TopicPartition } from '../types.ts'
import type { KafkaCluster } from './cluster.ts'
import { wireIdOfUuid } from './wire-forms.ts'
import { STALE_METADATA_CODES, wireError } from './wire-errors.ts'

const EMPTY = Buffer.alloc(0)
const EARLIEST = -2
const LATEST = -1
const LEADER_NOT_AVAILABLE = 5
const UNKNOWN_TOPIC_OR_PARTITION = 3
const OFFSET_OUT_OF_RANGE = 1
/** Fetch calls in a row that may fail on the network before the consumer is told. */
const FETCH_FAILURES_MAX = 3
/** Lookups retried over metadata refreshes (a topic being created, a leader moving). */
const LOOKUP_ATTEMPTS = 5

/** One batch waiting for its leader's next Produce request. */
interface QueuedBatch {
  topic: string
  partition: number
  batch: Buffer
  resolve: (result: ProduceResult) => void
  reject: (error: unknown) => void
}

/** Options of the kafka transport. */
export interface KafkaTransportOptions {
  /** Let Metadata create a topic on first produce or subscribe (default true, as Kafka's allow.auto.create.topics). */
  autoCreateTopics: boolean
}

/** The Transport that speaks the Kafka protocol to a cluster. */
export class KafkaTransport implements Transport {
  readonly #cluster: KafkaCluster
  readonly #options: KafkaTransportOptions
  /** Batches per leader node and acks, sent together at the end of the tick. */
  readonly #queued = new Map<string, { node: number; acks: Acks; batches: QueuedBatch[] }>()
  #isFlushScheduled = false
  #fetchFailuresInARow = 0

  constructor(cluster: KafkaCluster, options: KafkaTransportOptions) {
    this.#cluster = cluster
    this.#options = options
  }

  async partitionCount(topic: string, options: { create?: boolean } = {}): Promise<number> {
    const create = options.create === true && this.#options.autoCreateTopics
    for (let attempt = 0; ; attempt++) {
      const info = await this.#cluster.topic(topic, { create, refresh: attempt > 0 })
      if (info.errorCode === 0 && info.partitions.length > 0) return info.partitions.length
      // A topic Metadata just created has no leader yet (LEADER_NOT_AVAILABLE): ask again shortly.
      const isPending = info.errorCode === LEADER_NOT_AVAILABLE || (info.errorCode === 0 && info.partitions.length === 0)
      if (info.errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${topic}'`)
      if (!isPending && info.errorCode !== 0) throw wireError(info.errorCode, `topic '${topic}'`)
      if (attempt + 1 >= LOOKUP_ATTEMPTS) throw wireError(LEADER_NOT_AVAILABLE, `topic '${topic}'`)
      await this.#cluster.sleep(this.#cluster.retryBackoffMs * (attempt + 1))
    }
  }

  async initProducerId(current?: { producerId: number; producerEpoch: number }): Promise<{ producerId: number; producerEpoch: number }> {
    return withRetries(this.#cluster, LOOKUP_ATTEMPTS, async () => {
      const { response } = await this.#cluster.requestAny<InitProducerIdResponse>(ApiKey.InitProducerId, (version) => ({
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        // KIP-360 (v3+): the id and epoch held, so a broker may bump them; older versions take none.
        producerId: version >= 3 ? (current?.producerId ?? -1) : -1,
        producerEpoch: version >= 3 ? (current?.producerEpoch ?? -1) : -1,
      }))
      if (response.errorCode !== 0) throw wireError(response.errorCode, 'InitProducerId')
      return { producerId: response.producerId, producerEpoch: response.producerEpoch }
    })
  }

  async produce(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<ProduceResult> {
    const node = await this.#cluster.leader(topic, partition)
    return new Promise<ProduceResult>((resolve, reject) => {
      const key = `${node}/${acks}`
      let queue = this.#queued.get(key)
      if (queue === undefined) this.#queued.set(key, (queue = { node, acks, batches: [] }))
      queue.batches.push({ topic, partition, batch, resolve, reject })
      if (!this.#isFlushScheduled) {
        this.#isFlushScheduled = true
        // The producer hands over every batch a send() sealed within the same tick; a microtask
        // later they all wait here and leave as one request per leader.
        queueMicrotask(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#isFlushScheduled = false
    const queues = [...this.#queued.values()]
    this.#queued.clear()
    for (const { node, acks, batches } of queues) {
      // One batch per partition per request; a partition's later batches go in later requests,
      // which the broker reads in order on the same connection.
      let rest = batches
      while (rest.length > 0) {
        const seen = new Set<string>()
        const now: QueuedBatch[] = []
        const later: QueuedBatch[] = []
        for (const b of rest) {
          const key = partitionKey(b.topic, b.partition)
          if (seen.has(key)) later.push(b)
          else {
            seen.add(key)
            now.push(b)
          }
        }
        void this.#sendProduce(node, acks, now)
        rest = later
      }
    }
  }

  async #sendProduce(node: number, acks: Acks, batches: QueuedBatch[]): Promise<void> {
    const byTopic = new Map<string, QueuedBatch[]>()
    for (const b of batches) {
      const list = byTopic.get(b.topic)
      if (list === undefined) byTopic.set(b.topic, [b])
      else list.push(b)
    }
    const body = (): ProduceRequest => ({
      transactionalId: null,
      acks,
      timeoutMs: this.#cluster.requestTimeoutMs,
      topicData: [...byTopic].map(([name, list]) => ({ name, partitionData: list.map((b) => ({ index: b.partition, records: b.batch })) })),
    })
    try {
      const connection = await this.#cluster.connection(node)
      if (acks === 0) {
        await connection.sendOnly(ApiKey.Produce, body)
        for (const b of batches) b.resolve({ baseOffset: -1, logAppendTime: -1 })
        return
      }
      const { response } = await connection.request<ProduceResponse>(ApiKey.Produce, body)
      const answers = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>()
      for (const t of response.responses) for (const p of t.partitionResponses) answers.set(partitionKey(t.name, p.index), p)
      for (const b of batches) {
        const answer = answers.get(partitionKey(b.topic, b.partition))
        if (answer === undefined) {
          b.reject(new SluiceError('UNKNOWN_SERVER_ERROR', `broker ${connection.address} did not answer for ${b.topic}/${b.partition}`, { retriable: true }))
        } else if (answer.errorCode !== 0) {
          if (STALE_METADATA_CODES.has(answer.errorCode)) this.#cluster.invalidate(b.topic)
          b.reject(wireError(answer.errorCode, `producing to ${b.topic}/${b.partition}`, answer.errorMessage))
        } else {
          b.resolve({ baseOffset: answer.baseOffset, logAppendTime: answer.logAppendTimeMs })
        }
      }
    } catch (error) {
      if (isSluiceError(error) && (error.code as string) === 'NETWORK_EXCEPTION') this.#cluster.invalidate()
      for (const b of batches) b.reject(error)
    }
  }

  async fetch(
    partitions: readonly FetchRequestPartition[],
    options: { maxWaitMs: number; minBytes: number; maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedPartition[]> {
    const failed: FetchedPartition[] = []
    const byNode = new Map<number, FetchRequestPartition[]>()
    for (const p of partitions) {
      try {
        const node = await this.#cluster.leader(p.topic, p.partition)
        const list = byNode.get(node)
        if (list === undefined) byNode.set(node, [p])
        else list.push(p)
      } catch (error) {
        if (!isSluiceError(error)) throw error
        // No leader right now: the partition sits this fetch out. A topic that is gone is an error.
        if (!error.retriable || error.code === 'UNKNOWN_TOPIC_OR_PARTITION') failed.push(errorAnswer(p, error))
      }
    }
    if (byNode.size === 0 || options.signal?.aborted === true) {
      if (failed.length === 0) await this.#pause(Math.min(options.maxWaitMs, this.#cluster.retryBackoffMs), options.signal)
      return failed
    }
    return new Promise<FetchedPartition[]>((resolve, reject) => {
      const answered: FetchedPartition[] = [...failed]
      let outstanding = byNode.size
      let isDone = false
      const finish = (error?: unknown): void => {
        if (isDone) return
        isDone = true
        options.signal?.removeEventListener('abort', onAbort)
        if (error !== undefined) reject(error)
        else resolve(answered)
      }
      // A seek or close: answer now; the requests in flight finish on their own connections.
      const onAbort = (): void => finish()
      options.signal?.addEventListener('abort', onAbort, { once: true })
      for (const [node, list] of byNode) {
        this.#fetchFrom(node, list, options).then((parts) => {
          this.#fetchFailuresInARow = 0
          answered.push(...parts)
          outstanding--
          if (outstanding === 0 || parts.some((p) => p.records.length > 0 || p.error !== undefined)) finish()
        }, async (error: unknown) => {
          if (!isSluiceError(error) || !error.retriable || ++this.#fetchFailuresInARow >= FETCH_FAILURES_MAX) {
            finish(error)
            return
          }
          // A lost connection: the metadata was marked stale; sit out a backoff, then try again.
          await this.#pause(this.#cluster.retryBackoffMs * this.#fetchFailuresInARow, options.signal)
          outstanding--
          if (outstanding === 0) finish()
        })
      }
    })
  }

  async #fetchFrom(node: number, partitions: FetchRequestPartition[], options: { maxWaitMs: number; minBytes: number; maxBytes: number }): Promise<FetchedPartition[]> {
    const topicIds = new Map<string, string>()
    for (const p of partitions) if (!topicIds.has(p.topic)) topicIds.set(p.topic, (await this.#cluster.topic(p.topic)).topicId)
    const byTopic = new Map<string, FetchRequestPartition[]>()
    for (const p of partitions) {
      const list = byTopic.get(p.topic)
      if (list === undefined) byTopic.set(p.topic, [p])
      else list.push(p)
    }
    const body = (version: number): FetchRequest => ({
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: options.maxWaitMs, minBytes: options.minBytes, maxBytes: options.maxBytes,
      // read_uncommitted, and no fetch session (id 0, epoch -1): every fetch names its partitions.
      isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [...byTopic].map(([topic, list]) => ({
        // v13+ names topics by id only.
        topic: version >= 13 ? '' : topic,
        topicId: version >= 13 ? wireIdOfUuid(topicIds.get(topic)!) : ZERO_UUID,
        partitions: list.map((p) => ({
          partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1, logStartOffset: -1,
          partitionMaxBytes: p.maxBytes, replicaDirectoryId: ZERO_UUID,
        })),
      })),
      forgottenTopicsData: [], rackId: '',
    })
    const { version, response } = await this.#cluster.withFetchConnection(node, async (connection) => {
      if (connection.versionOf(ApiKey.Fetch) >= 13 && [...topicIds.values()].some((id) => id === '')) {
        throw new SluiceError('UNSUPPORTED_VERSION', `broker ${connection.address} fetches by topic id, but its metadata gave none`)
      }
      return connection.request<FetchResponse>(ApiKey.Fetch, body, { timeoutMs: options.maxWaitMs + this.#cluster.requestTimeoutMs })
    })
    if (response.errorCode !== 0) throw wireError(response.errorCode, `fetching from broker ${node}`)
    const nameById = new Map([...topicIds].map(([name, id]) => [id === '' ? '' : wireIdOfUuid(id), name]))
    const out: FetchedPartition[] = []
    for (const t of response.responses) {
      const topic = version >= 13 ? nameById.get(t.topicId) : t.topic
      if (topic === undefined) continue
      for (const p of t.partitions) {
        const asked = partitions.find((q) => q.topic === topic && q.partition === p.partitionIndex)
        if (asked === undefined) continue
        if (p.errorCode === 0) {
          out.push({ topic, partition: p.partitionIndex, records: p.records ?? EMPTY, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset })
        } else if (p.errorCode === OFFSET_OUT_OF_RANGE) {
          out.push(errorAnswer(asked, new SluiceError('OFFSET_OUT_OF_RANGE', `offset ${asked.offset} is outside ${topic}/${p.partitionIndex}'s range`)))
        } else if (STALE_METADATA_CODES.has(p.errorCode)) {
          // Moved, or gone: the next fetch asks the new leader; a topic that no longer exists is reported.
          this.#cluster.invalidate(topic)
          const info = await this.#cluster.topic(topic, { refresh: true }).catch(() => null)
          if (info !== null && info.errorCode === UNKNOWN_TOPIC_OR_PARTITION) {
            out.push(errorAnswer(asked, new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${topic}'`)))
          }
        } else {
          out.push(errorAnswer(asked, wireError(p.errorCode, `fetching ${topic}/${p.partitionIndex}`)))
        }
      }
    }
    return out
  }

  /** TODO(broker transactions) AddPartitionsToTxn / TxnOffsetCommit / EndTxn over the wire. */
  initTransactions(): Promise<{ producerId: number; producerEpoch: number }> {
    return Promise.reject(transactionsUnsupported())
  }

  commitTransaction(): Promise<TransactionCommitResult[]> {
    return Promise.reject(transactionsUnsupported())
  }

  async resolveOffset(topic: string, partition: number, target: SeekTarget): Promise<number> {
    if (typeof target === 'number') return target
    const timestamp = target === 'beginning' ? EARLIEST : target === 'end' ? LATEST : target.timestamp
    const [found] = await this.listOffsets([{ topic, partition }], timestamp)
    // Kafka's rule: the first record at or after the time; past the last record, the end.
    if (found!.offset < 0 && timestamp >= 0) return (await this.listOffsets([{ topic, partition }], LATEST))[0]!.offset
    return found!.offset
  }

  /**
   * ListOffsets for many partitions at once (one request per leader): -2 the log start offset, -1
   * the high watermark, else the first offset at or after a timestamp (-1 when there is none).
   */
  async listOffsets(partitions: readonly TopicPartition[], timestamp: number): Promise<Array<TopicPartition & { offset: number }>> {
    return withRetries(this.#cluster, LOOKUP_ATTEMPTS, async () => {
      const byNode = new Map<number, TopicPartition[]>()
      for (const p of partitions) {
        const node = await this.#cluster.leader(p.topic, p.partition)
        const list = byNode.get(node)
        if (list === undefined) byNode.set(node, [p])
        else list.push(p)
      }
      const found = new Map<string, number>()
      await Promise.all([...byNode].map(async ([node, list]) => {
        const byTopic = new Map<string, number[]>()
        for (const p of list) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
        const { response } = await this.#cluster.request<ListOffsetsResponse>(node, ApiKey.ListOffsets, () => ({
          replicaId: -1, isolationLevel: 0, timeoutMs: this.#cluster.requestTimeoutMs,
          topics: [...byTopic].map(([name, indexes]) => ({
            name, partitions: indexes.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })),
          })),
        }))
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              if (STALE_METADATA_CODES.has(p.errorCode)) this.#cluster.invalidate(t.name)
              throw wireError(p.errorCode, `offsets of ${t.name}/${p.partitionIndex}`)
            }
            found.set(partitionKey(t.name, p.partitionIndex), p.offset)
          }
        }
      }))
      return partitions.map((p) => {
        const offset = found.get(partitionKey(p.topic, p.partition))
        if (offset === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `no offset came back for ${p.topic}/${p.partition}`)
        return { topic: p.topic, partition: p.partition, offset }
      })
    })
  }

  /** Waits `ms`, or less if `signal` aborts. */
  #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (ms <= 0 || signal?.aborted === true) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = this.#cluster.clock.setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      function done(): void {
        timer.cancel()
        signal?.removeEventListener('abort', done)
        resolve()
      }
    })
  }
}

function errorAnswer(p: FetchRequestPartition, error: SluiceError): FetchedPartition {
  return { topic: p.topic, partition: p.partition, records: EMPTY, highWatermark: -1, logStartOffset: -1, error }
}

/** Retries `fn` while it fails with a retriable SluiceError, up to `attempts` tries, backing off on the cluster's clock. */
async function withRetries<T>(cluster: KafkaCluster, attempts: number, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (!isSluiceError(error) || !error.retriable || attempt + 1 >= attempts) throw error
      await cluster.sleep(cluster.retryBackoffMs * Math.min(8, 2 ** attempt))
    }
  }
}

function transactionsUnsupported(): SluiceError {
  return new SluiceError('UNSUPPORTED_VERSION', "transactions over the Kafka protocol are not supported yet; use Sluice.open (embedded) or guarantee 'at-least-once'")
}
