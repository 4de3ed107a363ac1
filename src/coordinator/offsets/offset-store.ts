// Committed offsets per group / topic / partition, kept in memory and made durable as records of
// the compacted internal topic __consumer_offsets, as Kafka does: one record per committed
// partition (key = group, topic, partition; value = offset, leader epoch, metadata, commit time;
// layouts in offset-records.ts), a tombstone when an offset or a group is deleted, and the whole
// topic read back at open. Compaction keeps the latest record per key, so the topic stays about
// as small as the set of live offsets. A group's records go to partition
// abs(javaHashCode(groupId)) % partitions, Kafka's rule, so the partition count of the topic must
// never change (the Coordinator creates it once).
//
// Who validates what: the group coordinator (../groups/group-offsets.ts) checks generations and
// members; this store only writes and reads. Writes of one group are serialized (each waits for
// the previous one's append), so the in-memory view changes in the order the log holds the
// records, and a group deletion tombstones every offset committed before it.
import { assert } from '../../base/assert.ts'
import type { Clock } from '../../base/clock.ts'
import { SluiceError } from '../../base/errors.ts'
import { buildRecordBatch, forEachBatch, forEachRecord, isControl, isTransactional, lastOffset } from '../../protocol/records/index.ts'
import type { RecordInput } from '../../protocol/records/index.ts'
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, type OffsetCommitValue } from './offset-records.ts'

/** The part of storage's PartitionLog the store uses (one per partition of __consumer_offsets). */
export interface OffsetsLog {
  readonly logStartOffset: number
  /** Loading reads up to here: everything acknowledged (with flush=always, everything fsynced). */
  readonly highWatermark: number
  append(batches: Buffer): Promise<unknown>
  read(offset: number, maxBytes: number): Promise<{ records: Buffer }>
}

/** A committed offset with the partition it belongs to. */
export interface CommittedOffset extends OffsetCommitValue {
  topic: string
  partition: number
}

/** One offset to commit. */
export interface OffsetToCommit {
  topic: string
  partition: number
  offset: number
  leaderEpoch: number
  metadata: string
}

/** Options of OffsetStore.open. */
export interface OffsetStoreOptions {
  /** The partition logs of __consumer_offsets, index = partition number. */
  logs: readonly OffsetsLog[]
  clock: Clock
  /** Bytes asked of the log per read while loading (default 1 MiB; grows for a larger batch). */
  loadReadBytes?: number
}

/** Read sizes stop growing here: no batch of offset commits gets near it. */
const LOAD_READ_BYTES_MAX = 64 * 1024 * 1024

/** Java's String.hashCode: 31 * h + UTF-16 code unit, in 32-bit arithmetic. */
export function javaStringHashCode(value: string): number {
  let hash = 0
  for (let i = 0; i < value.length; i++) hash = (Math.imul(31, hash) + value.charCodeAt(i)) | 0
  return hash
}

/** Kafka's partition of __consumer_offsets for a group: Utils.abs(groupId.hashCode) % partitions. */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  const hash = javaStringHashCode(groupId)
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 instead of overflowing.
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % partitionCount
}

/** Committed offsets of every group, durable in __consumer_offsets. */
export class OffsetStore {
  readonly #logs: readonly OffsetsLog[]
  readonly #clock: Clock
  /** groupId → partition key → committed offset. */
  readonly #groups = new Map<string, Map<string, CommittedOffset>>()
  /** groupId → the settled tail of its write chain. */
  readonly #writes = new Map<string, Promise<void>>()

  private constructor(options: OffsetStoreOptions) {
    assert(options.logs.length > 0, '__consumer_offsets needs at least one partition')
    this.#logs = options.logs
    this.#clock = options.clock
  }

  /** Opens the store, loading every committed offset from the logs. */
  static async open(options: OffsetStoreOptions): Promise<OffsetStore> {
    const store = new OffsetStore(options)
    for (let partition = 0; partition < options.logs.length; partition++) {
      await store.#load(partition, options.loadReadBytes ?? 1024 * 1024)
    }
    return store
  }

  async #load(partition: number, readBytes: number): Promise<void> {
    const log = this.#logs[partition]!
    let offset = log.logStartOffset
    while (offset < log.highWatermark) {
      const { records } = await log.read(offset, readBytes)
      let next = offset
      forEachBatch(records, (pos) => {
        const last = lastOffset(records, pos)
        if (last < offset) return
        next = last + 1
        // TODO(transactions) TxnOffsetCommit will write transactional batches, applied on commit markers.
        if (isControl(records, pos) || isTransactional(records, pos)) return
        forEachRecord(records, pos, (recordOffset, _timestamp, key, value) => {
          if (recordOffset >= offset && key !== null) this.#apply(key, value)
        })
      })
      if (next === offset) {
        // Nothing whole came back: a batch larger than the read size. Ask for more.
        if (readBytes >= LOAD_READ_BYTES_MAX) {
          throw new SluiceError('CORRUPT_MESSAGE', `__consumer_offsets-${partition}: no readable batch at offset ${offset}`)
        }
        readBytes *= 2
        continue
      }
      offset = next
    }
  }

  #apply(keyBytes: Buffer, valueBytes: Buffer | null): void {
    const key = decodeOffsetKey(keyBytes)
    if (key.kind !== 'offset') return
    if (valueBytes === null) {
      this.#forget(key.group, key.topic, key.partition)
      return
    }
    this.#remember(key.group, { topic: key.topic, partition: key.partition, ...decodeOffsetValue(valueBytes) })
  }

  #remember(groupId: string, committed: CommittedOffset): void {
    let offsets = this.#groups.get(groupId)
    if (offsets === undefined) this.#groups.set(groupId, (offsets = new Map()))
    offsets.set(partitionKey(committed.topic, committed.partition), committed)
  }

  #forget(groupId: string, topic: string, partition: number): void {
    const offsets = this.#groups.get(groupId)
    if (offsets === undefined) return
    offsets.delete(partitionKey(topic, partition))
    if (offsets.size === 0) this.#groups.delete(groupId)
  }

  /** Number of partitions of __consumer_offsets. */
  get partitionCount(): number {
    return this.#logs.length
  }

  /** The partition of __consumer_offsets holding `groupId`'s records. */
  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.#logs.length)
  }

  /** Groups with at least one committed offset. */
  groupIds(): string[] {
    return [...this.#groups.keys()]
  }

  /** True when the group has a committed offset. */
  hasOffsets(groupId: string): boolean {
    return this.#groups.has(groupId)
  }

  /** Every committed offset of the group. */
  offsets(groupId: string): CommittedOffset[] {
    return [...(this.#groups.get(groupId)?.values() ?? [])]
  }

  /** The committed offset of one partition, if any. */
  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#groups.get(groupId)?.get(partitionKey(topic, partition))
  }

  /** Durably commits offsets (one batch), then makes them visible; throws the log's SluiceError on failure. */
  commit(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    return this.#serialize(groupId, async () => {
      if (offsets.length === 0) return
      const commitTimestamp = this.#clock.now()
      const committed = offsets.map((o): CommittedOffset => ({
        topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp,
      }))
      await this.#append(groupId, committed.map((c) => ({ key: encodeOffsetKey(groupId, c.topic, c.partition), value: encodeOffsetValue(c) })))
      for (const c of committed) this.#remember(groupId, c)
    })
  }

  /** Durably deletes the committed offsets of `partitions` (those that exist). */
  delete(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    return this.#serialize(groupId, async () => {
      const present = partitions.filter((p) => this.get(groupId, p.topic, p.partition) !== undefined)
      await this.#tombstone(groupId, present)
    })
  }

  /** Durably deletes every committed offset of the group; resolves with how many there were. */
  deleteGroup(groupId: string): Promise<number> {
    return this.#serialize(groupId, async () => {
      const present = this.offsets(groupId)
      await this.#tombstone(groupId, present)
      return present.length
    })
  }

  async #tombstone(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    if (partitions.length === 0) return
    await this.#append(groupId, partitions.map((p) => ({ key: encodeOffsetKey(groupId, p.topic, p.partition), value: null })))
    for (const p of partitions) this.#forget(groupId, p.topic, p.partition)
  }

  async #append(groupId: string, records: RecordInput[]): Promise<void> {
    const batch = buildRecordBatch(records, { timestamp: this.#clock.now() })
    await this.#logs[this.partitionFor(groupId)]!.append(batch)
  }

  /** Runs `task` after the group's earlier writes settle; its outcome goes to the caller only. */
  #serialize<T>(groupId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#writes.get(groupId) ?? Promise.resolve()
    const run = previous.then(task)
    // The chain must survive a failed write (the caller sees the failure through `run`).
    const tail = run.then(() => undefined, () => undefined)
    this.#writes.set(groupId, tail)
    // Drop the chain once idle so groups that stopped writing cost nothing; `tail` never rejects.
    void tail.then(() => {
      if (this.#writes.get(groupId) === tail) this.#writes.delete(groupId)
    })
    return run
  }

  /** Resolves when every write issued so far has settled. */
  async drain(): Promise<void> {
    await Promise.all(this.#writes.values())
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`
}
