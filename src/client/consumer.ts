// The consumer: reads assigned partitions through a transport's fetch, decodes record batches into
// ConsumerRecords, and keeps a position per partition. Partitions come from a consumer group
// (subscribe + group-membership.ts, with commits) or from the application (assign). Memory is
// bounded by one fetch at a time (fetchMaxBytes over all partitions, maxPartitionFetchBytes each):
// the next fetch starts only when the application has taken the previous one's records.
//
// Concurrency: poll() is the only reader of the fetch path; seek(), rebalances and close() wake a
// fetch that is waiting for data (through an AbortSignal) and the records of a partition whose
// position moved meanwhile are dropped, so a seek always wins over data already in flight.
import type { Clock, TimerHandle } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { CONTROL_FLAG, OFFSET_ATTRIBUTES, lastOffset } from '../protocol/records/batch-header.ts'
import { forEachBatch, forEachRecord } from '../protocol/records/record-batch-reader.ts'
import { partitionKey } from './assignors/assignor.ts'
import type { Transport } from './transport.ts'
import type { ConsumerGroupMetadata, ConsumerOptions, ConsumerRecord, SeekTarget, TopicPartition } from './types.ts'

/** A partition this consumer reads, and where. */
interface Assigned {
  topic: string
  partition: number
  /** Offset of the next record to hand out; undefined until resolved. */
  position: number | undefined
  /** A seek not yet resolved to an offset (timestamps and 'end' need the log). */
  pendingSeek: SeekTarget | undefined
  /** Position after the last record the application took (what a commit stores). */
  consumed: number | undefined
}

/** The part of group-membership.ts the consumer drives. */
export interface MembershipHandle {
  start(): Promise<void>
  stop(): Promise<void>
  commit(offsets: Array<TopicPartition & { offset: number }>): Promise<void>
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>>
  /** The member's group identity now (for transactional offset commits). */
  groupMetadata?(): ConsumerGroupMetadata
}

/** Creates the group membership for a subscribing consumer (provided by Sluice). */
export type MembershipFactory = (
  topics: string[],
  callbacks: {
    onAssigned: (partitions: TopicPartition[]) => Promise<void>
    onRevoked: (partitions: TopicPartition[]) => Promise<void>
    /** Partitions taken away without a clean hand-over (they may be someone else's): no commit. */
    onLost: (partitions: TopicPartition[]) => Promise<void>
    /** A rebalance listener threw or the group failed; the next poll() rethrows it, as Kafka's poll does. */
    onError: (error: unknown) => void
  },
) => MembershipHandle

/**
 * Reads records from topics, as part of a group or from assigned partitions.
 * @example
 * const consumer = sluice.consumer({ group: 'audit', autoOffsetReset: 'earliest' })
 * for await (const record of consumer.subscribe('payments')) console.log(record.value?.toString())
 */
export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly #transport: Transport
  readonly #membershipFactory: MembershipFactory | undefined
  readonly #clock: Clock
  readonly #options: Required<Pick<ConsumerOptions, 'autoOffsetReset' | 'autoCommit' | 'autoCommitIntervalMs' | 'maxPartitionFetchBytes' | 'fetchMaxBytes' | 'fetchMaxWaitMs'>> & ConsumerOptions
  readonly #assigned = new Map<string, Assigned>()
  #membership: MembershipHandle | undefined
  #membershipStarted: Promise<void> | undefined
  #wake = new AbortController()
  #autoCommitTimer: TimerHandle | undefined
  #rotation = 0
  #closed = false
  /** An error from the group (a throwing listener, a fatal group error) for the next poll to raise. */
  #groupError: unknown = undefined

  constructor(transport: Transport, membershipFactory: MembershipFactory | undefined, clock: Clock, options: ConsumerOptions = {}) {
    this.#transport = transport
    this.#membershipFactory = membershipFactory
    this.#clock = clock
    this.#options = {
      ...options,
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      autoCommit: options.autoCommit ?? options.group !== undefined,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
      maxPartitionFetchBytes: options.maxPartitionFetchBytes ?? 1024 * 1024,
      fetchMaxBytes: options.fetchMaxBytes ?? 50 * 1024 * 1024,
      fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
    }
    if (options.autoOffsetReset !== undefined && options.autoOffsetReset !== 'earliest' && options.autoOffsetReset !== 'latest') {
      throw new SluiceError('INVALID_ARGUMENT', `autoOffsetReset must be 'earliest' or 'latest', not '${String(options.autoOffsetReset)}'`)
    }
  }

  /** Joins the consumer group for `topics`; partitions arrive through rebalances. Returns this. */
  subscribe(topics: string | readonly string[]): this {
    this.#checkOpen()
    if (this.#options.group === undefined || this.#membershipFactory === undefined) {
      throw new SluiceError('INVALID_ARGUMENT', 'subscribe() needs a consumer group: sluice.consumer({ group: "name" }), or use assign()')
    }
    if (this.#membership !== undefined) throw new SluiceError('INVALID_ARGUMENT', 'this consumer already subscribed')
    if (this.#assigned.size > 0) throw new SluiceError('INVALID_ARGUMENT', 'a consumer uses either assign() or subscribe(), not both')
    const list = typeof topics === 'string' ? [topics] : [...topics]
    this.#membership = this.#membershipFactory(list, {
      onAssigned: (partitions) => this.#onAssigned(partitions),
      onRevoked: (partitions) => this.#onRevoked(partitions),
      onLost: (partitions) => this.#onLost(partitions),
      onError: (error) => { this.#groupError ??= error },
    })
    return this
  }

  /** Reads exactly these partitions (no group rebalancing); each starts at `offset` or the reset policy. */
  assign(partitions: ReadonlyArray<TopicPartition & { offset?: SeekTarget }>): this {
    this.#checkOpen()
    if (this.#membership !== undefined) throw new SluiceError('INVALID_ARGUMENT', 'a consumer uses either assign() or subscribe(), not both')
    this.#assigned.clear()
    for (const p of partitions) this.#add(p.topic, p.partition, p.offset)
    this.#wakeUp()
    return this
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return [...this.#assigned.values()].map(({ topic, partition }) => ({ topic, partition }))
  }

  /** Moves a partition's position; the next poll reads from there ("rewind time" with a timestamp). */
  seek(topic: string, partition: number, target: SeekTarget): void {
    const entry = this.#assigned.get(partitionKey(topic, partition))
    if (entry === undefined) throw new SluiceError('INVALID_ARGUMENT', `partition ${topic}/${partition} is not assigned to this consumer`)
    if (typeof target === 'number' && (!Number.isSafeInteger(target) || target < 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `cannot seek to offset ${target}`)
    }
    entry.pendingSeek = target
    entry.position = undefined
    this.#wakeUp()
  }

  /**
   * The group identity to pass to a transactional producer's sendOffsets (Kafka's groupMetadata()):
   * memberId '' and generationId -1 until the first rebalance completes. INVALID_ARGUMENT without a group.
   * @example
   * await producer.sendOffsets({ consumer, offsets: [{ topic: 'in', partition: 0, offset: next }] })
   */
  groupMetadata(): ConsumerGroupMetadata {
    const groupId = this.#options.group
    if (groupId === undefined) throw new SluiceError('INVALID_ARGUMENT', 'groupMetadata() needs a consumer group: sluice.consumer({ group: "name" })')
    return this.#membership?.groupMetadata?.() ?? { groupId, memberId: '', generationId: -1, groupInstanceId: null }
  }

  /** Offset of the next record poll() would return for a partition, once known. */
  position(topic: string, partition: number): number | undefined {
    return this.#assigned.get(partitionKey(topic, partition))?.position
  }

  /**
   * The next records: waits up to `timeoutMs` (default fetchMaxWaitMs) for at least one, returns up
   * to one fetch's worth (an empty array on timeout). Returned records count as consumed.
   */
  async poll(options: { timeoutMs?: number } = {}): Promise<ConsumerRecord[]> {
    const records = await this.#nextRecords(options.timeoutMs ?? this.#options.fetchMaxWaitMs)
    for (const record of records) this.#markConsumed(record)
    return records
  }

  /**
   * Yields records one at a time until close(). A record counts as consumed (and so may be
   * committed) once the loop asks for the next one: at-least-once for the loop's body. Leaving the
   * loop (break or throw) leaves the record in hand uncommitted, so it is delivered again. About
   * 3 M records/s here, bound by the async generator itself; poll() hands out whole batches (~6.7 M/s).
   */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    while (!this.#closed) {
      let records: ConsumerRecord[]
      try {
        records = await this.#nextRecords(this.#options.fetchMaxWaitMs)
      } catch (error) {
        if (this.#closed) return
        throw error
      }
      for (const record of records) {
        if (this.#closed) return
        // A seek, revocation or re-assignment since this fetch leaves the partition's position
        // unresolved (or the partition gone): its remaining records here are stale, so the seek
        // wins and a revoked partition is not delivered twice.
        const entry = this.#assigned.get(partitionKey(record.topic, record.partition))
        if (entry === undefined || entry.position === undefined) continue
        yield record
        this.#markConsumed(record)
      }
    }
  }

  async #nextRecords(timeoutMs: number): Promise<ConsumerRecord[]> {
    this.#checkOpen()
    const deadline = this.#clock.monotonic() + timeoutMs
    // Waiting for records keeps the process alive, as a socket would for a networked client; every
    // other timer of the log is background work that must not. It is cancelled when the poll ends,
    // so it only needs to outlast it (the log's own wait timer may fire a little after the deadline).
    const keepAlive = this.#clock.setTimeout(() => {}, 0x7fffffff, { keepAlive: true })
    try {
      await this.#startMembership()
      for (;;) {
        this.#raiseGroupError()
        await this.#resolvePositions()
        const records = await this.#fetchOnce(Math.max(0, deadline - this.#clock.monotonic()))
        if (records.length > 0 || this.#closed || this.#clock.monotonic() >= deadline) return records
      }
    } finally {
      keepAlive.cancel()
    }
  }

  #raiseGroupError(): void {
    if (this.#groupError === undefined) return
    const error = this.#groupError
    this.#groupError = undefined
    throw error
  }

  #markConsumed(record: ConsumerRecord): void {
    const entry = this.#assigned.get(partitionKey(record.topic, record.partition))
    if (entry !== undefined) entry.consumed = record.offset + 1
  }

  /** Commits consumed positions (or the given offsets) for the group. */
  async commit(offsets?: ReadonlyArray<TopicPartition & { offset: number }>): Promise<void> {
    if (this.#membership === undefined) throw new SluiceError('INVALID_ARGUMENT', 'commit() needs a subscribed consumer group')
    const toCommit = offsets !== undefined ? [...offsets] : this.#consumedOffsets(this.assignment())
    if (toCommit.length > 0) await this.#membership.commit(toCommit)
  }

  /**
   * Leaves the group and stops every timer; idempotent. Leaving revokes this member's partitions,
   * which commits what was consumed when auto-commit is on (onRevoked). It does not wait for a
   * first assignment that may never come (a rebalance stuck on another member).
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#autoCommitTimer?.cancel()
    this.#wakeUp()
    if (this.#membership !== undefined) await this.#membership.stop()
    this.#raiseGroupError()
  }

  #checkOpen(): void {
    if (this.#closed) throw new SluiceError('CLOSED', 'consumer is closed')
  }

  #add(topic: string, partition: number, seek: SeekTarget | undefined): void {
    this.#assigned.set(partitionKey(topic, partition), { topic, partition, position: undefined, pendingSeek: seek, consumed: undefined })
  }

  #wakeUp(): void {
    this.#wake.abort()
    this.#wake = new AbortController()
  }

  async #startMembership(): Promise<void> {
    if (this.#membership === undefined) return
    this.#membershipStarted ??= this.#membership.start().then(() => this.#scheduleAutoCommit())
    await this.#membershipStarted
  }

  #scheduleAutoCommit(): void {
    if (!this.#options.autoCommit || this.#closed) return
    this.#autoCommitTimer = this.#clock.setTimeout(() => {
      this.commit()
        // A failed periodic commit is retried at the next interval or on revoke/close; the positions
        // stay in memory, so nothing is lost by skipping one.
        .catch(() => {})
        .finally(() => this.#scheduleAutoCommit())
    }, this.#options.autoCommitIntervalMs)
  }

  async #onAssigned(partitions: TopicPartition[]): Promise<void> {
    for (const p of partitions) if (!this.#assigned.has(partitionKey(p.topic, p.partition))) this.#add(p.topic, p.partition, undefined)
    const committed = await this.#membership!.committed(partitions)
    for (const p of partitions) {
      const entry = this.#assigned.get(partitionKey(p.topic, p.partition))!
      const offset = committed.get(partitionKey(p.topic, p.partition))
      if (offset !== undefined && offset >= 0) entry.pendingSeek = offset
    }
    this.#wakeUp()
    await this.#options.onAssigned?.(partitions)
  }

  async #onRevoked(partitions: TopicPartition[]): Promise<void> {
    await this.#options.onRevoked?.(partitions)
    if (this.#options.autoCommit) {
      const offsets = this.#consumedOffsets(partitions)
      if (offsets.length > 0) await this.#membership!.commit(offsets)
    }
    for (const p of partitions) this.#assigned.delete(partitionKey(p.topic, p.partition))
    this.#wakeUp()
  }

  async #onLost(partitions: TopicPartition[]): Promise<void> {
    await this.#options.onRevoked?.(partitions)
    for (const p of partitions) this.#assigned.delete(partitionKey(p.topic, p.partition))
    this.#wakeUp()
  }

  #consumedOffsets(partitions: readonly TopicPartition[]): Array<TopicPartition & { offset: number }> {
    const out: Array<TopicPartition & { offset: number }> = []
    for (const p of partitions) {
      const consumed = this.#assigned.get(partitionKey(p.topic, p.partition))?.consumed
      if (consumed !== undefined) out.push({ topic: p.topic, partition: p.partition, offset: consumed })
    }
    return out
  }

  /** Turns pending seeks and unknown positions into offsets. */
  async #resolvePositions(): Promise<void> {
    for (const entry of this.#assigned.values()) {
      if (entry.position !== undefined) continue
      const target: SeekTarget = entry.pendingSeek ?? (this.#options.autoOffsetReset === 'earliest' ? 'beginning' : 'end')
      const offset = await this.#transport.resolveOffset(entry.topic, entry.partition, target)
      // A seek that arrived while resolving wins; it is resolved on the next pass.
      if (entry.pendingSeek === target || entry.pendingSeek === undefined) {
        entry.position = offset
        entry.pendingSeek = undefined
      }
    }
  }

  /** One fetch over all positioned partitions; decodes what came back. */
  async #fetchOnce(maxWaitMs: number): Promise<ConsumerRecord[]> {
    const entries = [...this.#assigned.values()].filter((e) => e.position !== undefined)
    if (entries.length === 0) {
      await this.#sleep(maxWaitMs)
      return []
    }
    // Rotate the starting partition so one busy partition cannot starve the rest under fetchMaxBytes.
    const start = this.#rotation++ % entries.length
    const ordered = [...entries.slice(start), ...entries.slice(0, start)]
    const requested = ordered.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.position as number, maxBytes: this.#options.maxPartitionFetchBytes }))
    const fetched = await this.#transport.fetch(requested, {
      maxWaitMs,
      minBytes: 1,
      maxBytes: this.#options.fetchMaxBytes,
      signal: this.#wake.signal,
    })
    const records: ConsumerRecord[] = []
    for (let i = 0; i < fetched.length; i++) {
      const part = fetched[i]!
      const entry = this.#assigned.get(partitionKey(part.topic, part.partition))
      const asked = requested.find((r) => r.topic === part.topic && r.partition === part.partition)
      // Dropped: revoked meanwhile, or seeked since the request went out.
      if (entry === undefined || asked === undefined || entry.position !== asked.offset) continue
      if (part.error !== undefined) {
        if (part.error.code === 'OFFSET_OUT_OF_RANGE') {
          entry.position = undefined
          entry.pendingSeek = this.#options.autoOffsetReset === 'earliest' ? 'beginning' : 'end'
          continue
        }
        throw part.error
      }
      entry.position = decodeInto(records, part.topic, part.partition, part.records, entry.position)
    }
    return records
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const signal = this.#wake.signal
      const timer = this.#clock.setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
      function done(): void {
        timer.cancel()
        signal.removeEventListener('abort', done)
        resolve()
      }
    })
  }
}

/**
 * Appends the records at or after `position` from whole batches in `buf`; returns the new position
 * (after the last batch, so a compacted batch's trailing gap or a control batch is skipped).
 */
function decodeInto(out: ConsumerRecord[], topic: string, partition: number, buf: Buffer, position: number): number {
  let next = position
  forEachBatch(buf, (pos) => {
    const batchLast = lastOffset(buf, pos)
    if (batchLast < next) return
    // Control batches (transaction markers) are for the log's bookkeeping, never for applications.
    if ((buf.readInt16BE(pos + OFFSET_ATTRIBUTES) & CONTROL_FLAG) === 0) {
      const from = next
      forEachRecord(buf, pos, (offset, timestamp, key, value, headers) => {
        // Records without headers share the frozen empty NO_HEADERS: one array less per record.
        if (offset >= from) out.push({ topic, partition, offset, timestamp, key, value, headers })
      })
    }
    next = batchLast + 1
  })
  return next
}

