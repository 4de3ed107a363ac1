// The transaction coordinator of the embedded log: transactional ids mapped to producer ids with
// fencing epochs, and atomic commits of batches to several partitions plus a group's offsets, built
// as a redo log in __transaction_state (transaction-log.ts). A commit runs: checks (commit-checks.ts)
// → the intent record, fsynced: the COMMIT POINT → apply (append every write, commit the offsets,
// fsync what the logs' flush policy left unsynced) → a completion record. A crash after the commit
// point leaves a prepare-commit record that `open` re-applies; writes already in a log are answered
// as duplicates by its producer state (the batches are idempotent-producer batches), offsets are
// simply committed again. What a crash at each step leaves is in README.md.
//
// Concurrency: calls for one transactional id run one at a time, in arrival order (a chain per id),
// so an epoch bump waits for a commit in progress, and a commit for a fenced epoch fails after the
// commit that precedes it. Apply starts every partition append in one synchronous turn: no other
// append to those partitions can come between them, and a log with flush interval/none makes its
// part visible in that same turn; a flush=always log shows it after its own fsync, so a reader may
// see one partition's part up to an fsync before another's (no LSO yet: see README.md).
import { assert } from '../../base/assert.ts'
import type { Clock } from '../../base/clock.ts'
import { SluiceError, isSluiceError } from '../../base/errors.ts'
import type { GroupCoordinator } from '../groups/group-coordinator.ts'
import type { OffsetsLog, OffsetStore } from '../offsets/offset-store.ts'
import { PRODUCER_EPOCH_EXHAUSTED, type ProducerIdAndEpoch, type ProducerIds } from '../producers/producer-ids.ts'
import type { TopicRegistry } from '../topics/topic-registry.ts'
import { BATCHES_REMEMBERED } from '../../storage/producer-state.ts'
import type { PartitionLog } from '../../storage/partition-log.ts'
import { checkOffsets, checkWrites } from './commit-checks.ts'
import { TransactionLog } from './transaction-log.ts'
import type { TransactionOffsets, TransactionStateValue, TransactionWrite } from './transaction-records.ts'

/** Name of the internal topic holding transactional ids and commit intents. */
export const TRANSACTION_STATE_TOPIC = '__transaction_state'
/** Its partitions: one process gains nothing from Kafka's 50; one log also groups the fsyncs of concurrent commits. */
export const TRANSACTION_STATE_TOPIC_PARTITIONS = 1
/** Its segment size and largest record: an intent (the whole commit) must fit in one record. */
export const TRANSACTION_STATE_SEGMENT_BYTES = 16 * 1024 * 1024

/** Batches per partition per commit at most: a re-apply is recognised as a duplicate only within the log's memory of a producer's last batches. */
export const TRANSACTION_BATCHES_PER_PARTITION_MAX = BATCHES_REMEMBERED

/** commitTransaction's request: the batches and offsets to commit as one. */
export interface CommitTransactionRequest {
  transactionalId: string
  producerId: number
  producerEpoch: number
  writes: TransactionWrite[]
  offsets?: TransactionOffsets
}

/** Where one write of a commit landed (a re-applied write reports the original offsets). */
export interface CommittedWrite {
  topic: string
  partition: number
  baseOffset: number
  lastOffset: number
  /** The log's time for LogAppendTime topics, else -1. */
  logAppendTime: number
}

/** What the transaction coordinator needs of the Coordinator around it. */
export interface TransactionHost {
  clock: Clock
  topics: TopicRegistry
  groups: GroupCoordinator
  offsets: OffsetStore
  producerIds: ProducerIds
  /** Appends to a partition (the Coordinator's produce); must start the log append before returning. */
  append(topic: string, partition: number, batches: Buffer): Promise<{ baseOffset: number; lastOffset: number; logAppendTime: number }>
  /** The partition log of __consumer_offsets holding a group's offsets (synced before completion). */
  offsetsLog(groupId: string): PartitionLog
  /** The logs of __transaction_state, creating the topic first when `create` (null when absent and not created). */
  stateLogs(create: boolean): Promise<readonly OffsetsLog[] | null>
  onWarning?: (message: string) => void
  /** Test hook: awaited after an intent is durable, before it is applied (crash tests stop the process here). */
  onCommitPoint?: (transactionalId: string) => void | Promise<void>
}

interface IdState {
  value: TransactionStateValue
}

/** Transactional ids, epochs and atomic commits, durable in __transaction_state. */
export class TransactionCoordinator {
  readonly #host: TransactionHost
  readonly #ids = new Map<string, IdState>()
  readonly #chains = new Map<string, Promise<void>>()
  #log: TransactionLog | null = null
  #opening: Promise<TransactionLog> | null = null
  #isClosed = false

  private constructor(host: TransactionHost) {
    this.#host = host
  }

  /** Loads __transaction_state if it exists and re-applies every intent a crash left unapplied. */
  static async open(host: TransactionHost): Promise<TransactionCoordinator> {
    const coordinator = new TransactionCoordinator(host)
    const logs = await host.stateLogs(false)
    if (logs !== null) await coordinator.#load(logs)
    for (const [transactionalId, state] of coordinator.#ids) {
      if (state.value.phase !== 'prepare-commit') continue
      try {
        await coordinator.#apply(transactionalId, state)
      } catch (error) {
        // Stays pending: the next initTransactions or commit of this id, or the next open, retries.
        host.onWarning?.(`transaction '${transactionalId}' is committed but could not be applied yet: ${(error as Error).message}`)
      }
    }
    return coordinator
  }

  async #load(logs: readonly OffsetsLog[]): Promise<TransactionLog> {
    const { log, states } = await TransactionLog.open(logs, this.#host.clock)
    for (const [transactionalId, value] of states) this.#ids.set(transactionalId, { value })
    this.#log = log
    return log
  }

  /** The log, creating __transaction_state on first use (Kafka too creates it on first need). */
  #stateLog(): Promise<TransactionLog> {
    if (this.#log !== null) return Promise.resolve(this.#log)
    this.#opening ??= (async () => {
      const logs = await this.#host.stateLogs(true)
      assert(logs !== null, '__transaction_state exists once created')
      return this.#log ?? this.#load(logs)
    })().finally(() => { this.#opening = null })
    return this.#opening
  }

  /**
   * InitProducerId for a transactional id: the first call allocates a producer id (epoch 0), each
   * later one returns the same id with the epoch bumped, which fences the previous holder (its
   * commits get PRODUCER_FENCED). A commit of the id left unapplied by a failure is applied first.
   */
  initTransactions(transactionalId: string): Promise<ProducerIdAndEpoch> {
    if (typeof transactionalId !== 'string' || transactionalId === '') {
      return Promise.reject(new SluiceError('INVALID_REQUEST', 'a transactional id must be a non-empty string'))
    }
    return this.#serialized(transactionalId, async () => {
      const log = await this.#stateLog()
      const state = this.#ids.get(transactionalId)
      if (state?.value.phase === 'prepare-commit') await this.#apply(transactionalId, state)
      let next: ProducerIdAndEpoch
      if (state === undefined || state.value.producerEpoch >= PRODUCER_EPOCH_EXHAUSTED) {
        next = { producerId: await this.#host.producerIds.allocateProducerId(), producerEpoch: 0 }
      } else {
        next = { producerId: state.value.producerId, producerEpoch: state.value.producerEpoch + 1 }
      }
      const value: TransactionStateValue = { ...next, phase: 'ready', updatedMs: this.#host.clock.now() }
      await log.write(transactionalId, value)
      this.#ids.set(transactionalId, { value })
      return next
    })
  }

  /** The producer id and epoch a transactional id holds now, if any. */
  producerOf(transactionalId: string): ProducerIdAndEpoch | undefined {
    const value = this.#ids.get(transactionalId)?.value
    return value === undefined ? undefined : { producerId: value.producerId, producerEpoch: value.producerEpoch }
  }

  /**
   * Commits `writes` and `offsets` atomically: checks everything, writes the intent (fsynced: from
   * then on the commit happens, even across a crash), applies it, and marks it complete. Resolves
   * with where each write landed; throws SluiceError. An error thrown after the commit point says
   * so in its message: the commit is then completed by the next call for this id or the next open.
   */
  commitTransaction(request: CommitTransactionRequest): Promise<CommittedWrite[]> {
    if (this.#isClosed) return Promise.reject(new SluiceError('CLOSED', 'the transaction coordinator is closed'))
    return this.#serialized(request.transactionalId, async () => {
      const state = this.#ids.get(request.transactionalId)
      if (state === undefined) {
        throw new SluiceError('INVALID_PRODUCER_ID_MAPPING', `transactional id '${request.transactionalId}' is unknown: call initTransactions first`)
      }
      if (request.producerId !== state.value.producerId || request.producerEpoch !== state.value.producerEpoch) {
        throw new SluiceError('PRODUCER_FENCED', `transactional id '${request.transactionalId}' is held by producer ${state.value.producerId} epoch ${state.value.producerEpoch}; producer ${request.producerId} epoch ${request.producerEpoch} is fenced`)
      }
      const log = await this.#stateLog()
      if (state.value.phase === 'prepare-commit') await this.#apply(request.transactionalId, state)
      checkWrites(this.#host.topics, request.writes, request.producerId, request.producerEpoch)
      if (request.offsets !== undefined) checkOffsets(this.#host.topics, this.#host.groups, request.offsets)
      if (request.writes.length === 0 && (request.offsets?.offsets.length ?? 0) === 0) return []
      const intent: TransactionStateValue = {
        producerId: request.producerId, producerEpoch: request.producerEpoch, phase: 'prepare-commit', updatedMs: this.#host.clock.now(),
        intent: request.offsets === undefined ? { writes: request.writes } : { writes: request.writes, offsets: request.offsets },
      }
      const bytes = TransactionLog.recordBytes(request.transactionalId, intent)
      if (bytes > TRANSACTION_STATE_SEGMENT_BYTES) {
        throw new SluiceError('RECORD_LIST_TOO_LARGE', `transaction of ${bytes} bytes exceeds the ${TRANSACTION_STATE_SEGMENT_BYTES}-byte limit of one commit; commit more often`)
      }
      // The intent record copies the batches, so the logs may patch the request's buffers in place.
      await log.write(request.transactionalId, intent)
      state.value = intent
      await this.#host.onCommitPoint?.(request.transactionalId)
      try {
        return await this.#apply(request.transactionalId, state, request.writes)
      } catch (error) {
        const code = isSluiceError(error) ? error.code : 'KAFKA_STORAGE_ERROR'
        throw new SluiceError(code, `transaction '${request.transactionalId}' is committed (durable) but not yet fully applied; it completes on the next call for this id or at the next open: ${(error as Error).message}`, { cause: error })
      }
    })
  }

  /**
   * Applies a prepare-commit state: every append started in this synchronous turn, then offsets,
   * then an fsync of what the logs' flush policy left unsynced, then the completion record.
   * `writes` are the request's own buffers (else the intent's, decoded from the log).
   */
  async #apply(transactionalId: string, state: IdState, writes?: TransactionWrite[]): Promise<CommittedWrite[]> {
    const intent = state.value.intent
    assert(state.value.phase === 'prepare-commit' && intent !== undefined, 'only a prepare-commit state is applied')
    const host = this.#host
    const present = (writes ?? intent.writes).filter((w) => {
      if (host.topics.has(w.topic) && w.partition < host.topics.partitionCount(w.topic)) return true
      // Only a topic deleted after the commit point gets here; its records went with it.
      host.onWarning?.(`transaction '${transactionalId}': ${w.topic}/${w.partition} no longer exists; its part of the commit is dropped`)
      return false
    })
    const appends = present.map((w) => host.append(w.topic, w.partition, w.batches))
    const settled = await Promise.allSettled(appends)
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const results = settled.map((s, i): CommittedWrite => {
      const r = (s as PromiseFulfilledResult<{ baseOffset: number; lastOffset: number; logAppendTime: number }>).value
      return { topic: present[i]!.topic, partition: present[i]!.partition, baseOffset: r.baseOffset, lastOffset: r.lastOffset, logAppendTime: r.logAppendTime }
    })
    const offsets = intent.offsets
    if (offsets !== undefined && offsets.offsets.length > 0) {
      const live = offsets.offsets.filter((o) => host.topics.has(o.topic))
      await host.offsets.commit(offsets.groupId, live.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: -1, metadata: o.metadata ?? '' })))
    }
    // The completion record must not outlive data a power loss could take back: sync first.
    const toSync = present.map((w) => host.topics.partition(w.topic, w.partition))
    if (offsets !== undefined && offsets.offsets.length > 0) toSync.push(host.offsetsLog(offsets.groupId))
    await Promise.all(toSync.filter((l) => l.config.flush !== 'always').map((l) => l.flush()))
    const log = await this.#stateLog()
    const complete: TransactionStateValue = { producerId: state.value.producerId, producerEpoch: state.value.producerEpoch, phase: 'complete', updatedMs: host.clock.now() }
    await log.write(transactionalId, complete)
    state.value = complete
    return results
  }

  /** Waits for every call in progress; later commits get CLOSED. */
  async close(): Promise<void> {
    this.#isClosed = true
    await Promise.all(this.#chains.values())
  }

  /** Runs `task` after the id's earlier calls settle; its outcome goes to the caller only. */
  #serialized<T>(transactionalId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(transactionalId) ?? Promise.resolve()
    const run = previous.then(task)
    const tail = run.then(() => undefined, () => undefined)
    this.#chains.set(transactionalId, tail)
    // Drop the chain once idle so ids that stopped committing cost nothing; `tail` never rejects.
    void tail.then(() => {
      if (this.#chains.get(transactionalId) === tail) this.#chains.delete(transactionalId)
    })
    return run
  }
}
