// Committed offsets as the group coordinator serves them: OffsetCommit's generation and member
// checks (Kafka's rules, including "simple" commits with generation -1 by groups without members),
// OffsetFetch, OffsetDelete, DeleteGroups' offset removal, and offset expiry (KIP-211: the offsets
// of a group that stayed Empty for offsets.retention.ms are dropped, and an Empty group without
// offsets is forgotten). Writing and loading the records is ../offsets/offset-store.ts; the
// request entry points are in group-coordinator.ts, which owns the `groups` map shared here.
import type { Clock, TimerHandle } from '../../base/clock.ts'
import type { ErrorCode } from '../../base/errors.ts'
import type { OffsetStore, OffsetToCommit } from '../offsets/offset-store.ts'
import { Group } from './group.ts'
import type { Rebalancer } from './rebalance.ts'
import { subscribedTopics } from './subscriptions.ts'
import type {
  OffsetCommitRequest, OffsetDeleteResult, OffsetFetchResult, PartitionResult, TopicPartition,
} from './types.ts'

/** Offset settings of the group coordinator; names follow Kafka's broker configs. */
export interface GroupOffsetsConfig {
  /** offset.metadata.max.bytes: longest commit metadata string, in characters as Kafka counts (default 4096). */
  offsetMetadataBytesMax: number
  /** offsets.retention.ms: how long an Empty group keeps its offsets (default 7 days). */
  offsetsRetentionMs: number
  /** offsets.retention.check.interval.ms: how often expiry runs (default 10 minutes). */
  offsetsRetentionCheckIntervalMs: number
  /** Whether a partition exists; commits to others get UNKNOWN_TOPIC_OR_PARTITION (default: all exist). */
  partitionExists: (topic: string, partition: number) => boolean
}

/** Longest group id a record key can hold (an int16-length string). */
const GROUP_ID_BYTES_MAX = 0x7fff

/** Offset operations of the group coordinator. */
export class GroupOffsets {
  readonly #clock: Clock
  readonly #store: OffsetStore
  readonly #groups: Map<string, Group>
  readonly #rebalancer: Rebalancer
  readonly #config: GroupOffsetsConfig
  #expiryTimer: TimerHandle | null = null
  #expiryRun: Promise<void> | null = null

  constructor(clock: Clock, store: OffsetStore, groups: Map<string, Group>, rebalancer: Rebalancer, config: Partial<GroupOffsetsConfig>) {
    this.#clock = clock
    this.#store = store
    this.#groups = groups
    this.#rebalancer = rebalancer
    this.#config = {
      offsetMetadataBytesMax: config.offsetMetadataBytesMax ?? 4096,
      offsetsRetentionMs: config.offsetsRetentionMs ?? 7 * 24 * 3_600_000,
      offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs ?? 600_000,
      partitionExists: config.partitionExists ?? (() => true),
    }
    // Groups that only left committed offsets behind come back Empty, with no known Empty-since time.
    for (const groupId of store.groupIds()) groups.set(groupId, new Group(groupId, null))
    this.#armExpiry()
  }

  /** OffsetCommit with Kafka's checks; `isClosed` answers COORDINATOR_NOT_AVAILABLE for all. */
  async commit(request: OffsetCommitRequest, isClosed: boolean): Promise<PartitionResult[]> {
    const fail = (errorCode: ErrorCode): PartitionResult[] => request.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }))
    if (isClosed) return fail('COORDINATOR_NOT_AVAILABLE')
    if (Buffer.byteLength(request.groupId) > GROUP_ID_BYTES_MAX) return fail('INVALID_GROUP_ID')
    let group = this.#groups.get(request.groupId)
    if (group === undefined) {
      // No group: a commit outside group management (generation -1) creates an Empty one, as Kafka
      // does; a commit naming a generation comes from a member of a group that no longer exists.
      if (request.generationId >= 0) return fail('ILLEGAL_GENERATION')
      group = new Group(request.groupId, this.#clock.now())
      this.#groups.set(request.groupId, group)
    } else if (group.isFenced(request.groupInstanceId, request.memberId)) {
      return fail('FENCED_INSTANCE_ID')
    } else if (request.generationId < 0 && group.state === 'Empty') {
      // The group only uses Sluice to store offsets.
    } else {
      // Kafka's order: who the member is and which generation it names first, so a stale member
      // learns it must rejoin rather than retry; only then the rebalance in progress.
      const member = group.members.get(request.memberId)
      if (member === undefined) return fail('UNKNOWN_MEMBER_ID')
      if (request.generationId !== group.generationId) return fail('ILLEGAL_GENERATION')
      // The member knows the new generation but has no assignment yet: let it retry after SyncGroup.
      if (group.state === 'CompletingRebalance') return fail('REBALANCE_IN_PROGRESS')
      // A commit proves the member is alive, like a heartbeat.
      this.#rebalancer.scheduleSessionExpiry(group, member, member.sessionTimeoutMs)
    }
    const results: PartitionResult[] = []
    const valid: OffsetToCommit[] = []
    for (const o of request.offsets) {
      const metadata = o.metadata ?? ''
      if (!this.#config.partitionExists(o.topic, o.partition)) {
        results.push({ topic: o.topic, partition: o.partition, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' })
      } else if (metadata.length > this.#config.offsetMetadataBytesMax) {
        results.push({ topic: o.topic, partition: o.partition, errorCode: 'OFFSET_METADATA_TOO_LARGE' })
      } else {
        valid.push({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch ?? -1, metadata })
        results.push({ topic: o.topic, partition: o.partition })
      }
    }
    try {
      await this.#store.commit(request.groupId, valid)
    } catch {
      // The append failed (storage offline): nothing became visible, and the client may retry,
      // which is what Kafka tells it when its offsets log cannot take the write.
      for (const result of results) if (result.errorCode === undefined) result.errorCode = 'COORDINATOR_NOT_AVAILABLE'
    }
    return results
  }

  /** OffsetFetch: committed offsets of `partitions` (-1 when none), or all of the group's. */
  fetch(groupId: string, partitions: readonly TopicPartition[] | null | undefined): OffsetFetchResult {
    if (partitions === null || partitions === undefined) {
      return {
        offsets: this.#store.offsets(groupId).map((c) => ({
          topic: c.topic, partition: c.partition, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata,
        })),
      }
    }
    return {
      offsets: partitions.map(({ topic, partition }) => {
        const c = this.#store.get(groupId, topic, partition)
        return c === undefined
          ? { topic, partition, offset: -1, leaderEpoch: -1, metadata: '' }
          : { topic, partition, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata }
      }),
    }
  }

  /** OffsetDelete: an Empty group forgets any offsets; a consumer group only those of topics it does not subscribe to. */
  async deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<OffsetDeleteResult> {
    const group = this.#groups.get(groupId)
    if (group === undefined) return { errorCode: 'GROUP_ID_NOT_FOUND', partitions: [] }
    // Empty: nothing is consumed. A consumer group: the topics its members subscribe to (all of
    // them if a subscription is unreadable). Any other non-empty group: refuse, as Kafka does.
    let isConsumed: (topic: string) => boolean
    if (group.state === 'Empty') isConsumed = () => false
    else if (group.protocolType === 'consumer') {
      const subscribed = subscribedTopics(group)
      isConsumed = (topic) => subscribed === null || subscribed.has(topic)
    } else return { errorCode: 'NON_EMPTY_GROUP', partitions: [] }
    const results: PartitionResult[] = partitions.map(({ topic, partition }) =>
      isConsumed(topic) ? { topic, partition, errorCode: 'GROUP_SUBSCRIBED_TO_TOPIC' } : { topic, partition })
    const deletable = partitions.filter((p) => !isConsumed(p.topic))
    try {
      await this.#store.delete(groupId, deletable)
    } catch {
      // As for commits: nothing was forgotten, the client may retry.
      return { errorCode: 'COORDINATOR_NOT_AVAILABLE', partitions: [] }
    }
    this.#forgetIfUnused(group)
    return { partitions: results }
  }

  /** DeleteGroups for one Empty group: marks it Dead, forgets it, tombstones its offsets. */
  async deleteGroup(group: Group): Promise<ErrorCode | undefined> {
    group.transitionTo('Dead', this.#clock.now())
    this.#rebalancer.shutDown(group, 'COORDINATOR_NOT_AVAILABLE')
    this.#groups.delete(group.groupId)
    try {
      await this.#store.deleteGroup(group.groupId)
      return undefined
    } catch {
      // The group is gone from memory but its offsets are not: a retry of DeleteGroups finds it
      // missing, while OffsetFetch still shows the offsets; report it so the caller can see that.
      return 'COORDINATOR_NOT_AVAILABLE'
    }
  }

  /** An Empty group with no offsets left is forgotten (Kafka marks it Dead). */
  #forgetIfUnused(group: Group): void {
    if (group.state !== 'Empty' || this.#store.hasOffsets(group.groupId) || this.#groups.get(group.groupId) !== group) return
    group.transitionTo('Dead', this.#clock.now())
    this.#groups.delete(group.groupId)
  }

  #armExpiry(): void {
    this.#expiryTimer = this.#clock.setTimeout(() => {
      this.#expiryRun = this.#expire().finally(() => {
        this.#expiryRun = null
        if (this.#expiryTimer !== null) this.#armExpiry()
      })
    }, this.#config.offsetsRetentionCheckIntervalMs)
  }

  /** Drops offsets of groups Empty for longer than the retention, then unused Empty groups. */
  async #expire(): Promise<void> {
    const now = this.#clock.now()
    for (const group of [...this.#groups.values()]) {
      if (group.state !== 'Empty') continue
      const expired = this.#store.offsets(group.groupId)
        .filter((c) => (group.stateSinceMs ?? c.commitTimestamp) + this.#config.offsetsRetentionMs <= now)
      try {
        await this.#store.delete(group.groupId, expired)
      } catch {
        // Storage is offline: keep everything and try again at the next interval.
        continue
      }
      this.#forgetIfUnused(group)
    }
  }

  /** Stops expiry and waits for a run in progress. */
  async close(): Promise<void> {
    this.#expiryTimer?.cancel()
    this.#expiryTimer = null
    await this.#expiryRun
    await this.#store.drain()
  }
}
