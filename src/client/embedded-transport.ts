// The embedded transport: the client API's calls go straight to an in-process Coordinator, with no
// sockets and no copies beyond what the log itself makes. A fetch over several partitions reads each
// without waiting first; only when none has data does it wait on all of them at once (each log's
// waitForAppend) and stop at the first that gets some, so an idle consumer costs no CPU.
// Transactions go to the coordinator's transaction coordinator (atomic commits, coordinator/transactions/).
import { SluiceError, isSluiceError } from '../base/errors.ts'
import type { Coordinator } from '../coordinator/coordinator.ts'
import type { Acks, FetchRequestPartition, FetchedPartition, ProduceResult, TransactionCommitRequest, TransactionCommitResult, Transport } from './transport.ts'
import type { SeekTarget } from './types.ts'

/** The Transport that calls a Coordinator in the same process. */
export class EmbeddedTransport implements Transport {
  readonly #coordinator: Coordinator
  readonly #autoCreateTopics: boolean
  readonly #defaultPartitions: number

  constructor(coordinator: Coordinator, options: { autoCreateTopics: boolean; defaultPartitions: number }) {
    this.#coordinator = coordinator
    this.#autoCreateTopics = options.autoCreateTopics
    this.#defaultPartitions = options.defaultPartitions
  }

  async partitionCount(topic: string, options: { create?: boolean } = {}): Promise<number> {
    const topics = this.#coordinator.topics
    if (topics.has(topic)) return topics.partitionCount(topic)
    if (options.create === true && this.#autoCreateTopics) {
      try {
        await this.#coordinator.topics.create(topic, { partitions: this.#defaultPartitions })
      } catch (error) {
        // Two callers may race to create the same topic; the loser uses the winner's.
        if (!isSluiceError(error, 'TOPIC_ALREADY_EXISTS')) throw error
      }
      return topics.partitionCount(topic)
    }
    throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${topic}'`)
  }

  async initProducerId(current?: { producerId: number; producerEpoch: number }): Promise<{ producerId: number; producerEpoch: number }> {
    return this.#coordinator.producerIds.initProducerId(current ?? {})
  }

  async produce(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<ProduceResult> {
    const result = await this.#coordinator.produce(topic, partition, batch, { acks })
    return { baseOffset: result.baseOffset, logAppendTime: result.logAppendTime }
  }

  initTransactions(transactionalId: string): Promise<{ producerId: number; producerEpoch: number }> {
    return this.#coordinator.initTransactions(transactionalId)
  }

  commitTransaction(request: TransactionCommitRequest): Promise<TransactionCommitResult[]> {
    return this.#coordinator.commitTransaction(request)
  }

  async fetch(
    partitions: readonly FetchRequestPartition[],
    options: { maxWaitMs: number; minBytes: number; maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedPartition[]> {
    let results = await this.#readAll(partitions, options.maxBytes)
    const bytes = results.reduce((sum, r) => sum + r.records.length, 0)
    if (bytes >= options.minBytes || options.maxWaitMs <= 0 || options.signal?.aborted === true) return results
    if (results.some((r) => r.error !== undefined)) return results
    await this.#waitForAny(partitions, options.maxWaitMs, options.signal)
    results = await this.#readAll(partitions, options.maxBytes)
    return results
  }

  async resolveOffset(topic: string, partition: number, target: SeekTarget): Promise<number> {
    const log = this.#coordinator.partition(topic, partition)
    if (target === 'beginning') return log.logStartOffset
    if (target === 'end') return log.highWatermark
    if (typeof target === 'number') return target
    // Kafka's rule: the first record at or after the time; past the last record, the end.
    const found = await this.#coordinator.listOffsets(topic, partition, { timestamp: target.timestamp })
    return found.offset >= 0 ? found.offset : log.highWatermark
  }

  /** Reads each partition once, within `maxBytes` overall (the first partition always gets one batch). */
  async #readAll(partitions: readonly FetchRequestPartition[], maxBytes: number): Promise<FetchedPartition[]> {
    const out: FetchedPartition[] = []
    let budget = maxBytes
    for (const p of partitions) {
      if (budget <= 0 && out.some((r) => r.records.length > 0)) break
      try {
        const log = this.#coordinator.partition(p.topic, p.partition)
        if (p.offset < log.logStartOffset || p.offset > log.highWatermark) {
          throw new SluiceError('OFFSET_OUT_OF_RANGE', `offset ${p.offset} is outside ${p.topic}/${p.partition}'s range [${log.logStartOffset}, ${log.highWatermark}]`)
        }
        const read = await log.read(p.offset, Math.max(1, Math.min(p.maxBytes, budget)))
        budget -= read.records.length
        out.push({ topic: p.topic, partition: p.partition, records: read.records, highWatermark: read.highWatermark, logStartOffset: read.logStartOffset })
      } catch (error) {
        if (!isSluiceError(error)) throw error
        out.push({ topic: p.topic, partition: p.partition, records: EMPTY, highWatermark: -1, logStartOffset: -1, error })
      }
    }
    return out
  }

  /** Resolves when any partition has data past its requested offset, the time is up, or `signal` aborts. */
  async #waitForAny(partitions: readonly FetchRequestPartition[], maxWaitMs: number, signal: AbortSignal | undefined): Promise<void> {
    const stop = new AbortController()
    const onAbort = (): void => stop.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await Promise.race(
        partitions.map((p) => this.#coordinator.partition(p.topic, p.partition).waitForAppend(p.offset, maxWaitMs, stop.signal)),
      )
    } finally {
      stop.abort()
      signal?.removeEventListener('abort', onAbort)
    }
  }
}

const EMPTY = Buffer.alloc(0)
