// The client side of a consumer group, for both transports: one loop per member that joins
// (JoinGroup), computes assignments when it leads (with the chosen assignor), syncs (SyncGroup),
// hands partitions to the consumer through onAssigned / onRevoked / onLost, heartbeats on the Clock
// and rejoins when the coordinator says a rebalance started. Eager assignors revoke everything
// before each join; with cooperative-sticky (KIP-429) only partitions that move are revoked, after
// the sync, followed by one more rebalance that hands them to their new owner. The coordinator is
// reached through GroupOps (transport.ts): coordinator/groups/ in-process, or kafka/kafka-groups.ts
// over the network; subscription and assignment bytes are consumer-protocol.ts.
//
// Concurrency: the loop (#run) is the only caller of JoinGroup/SyncGroup. Heartbeats run on a
// timer beside it and only raise flags (#rejoinRequested) and wake it; the next heartbeat is
// scheduled once the previous one is answered (at once in-process, after a round trip remotely). Listener calls go through
// OwnedPartitions (assignors/owned-partitions.ts) one at a time, so stop() revokes after whatever
// callback is running. Every timer is cancelled by stop(); nothing polls.
import type { Clock, TimerHandle } from '../base/clock.ts'
import { SluiceError, type ErrorCode } from '../base/errors.ts'
import type { FetchedOffset, OffsetCommitEntry, PartitionResult } from '../coordinator/groups/types.ts'
import type { Assignor, RebalanceProtocol } from './assignors/assignor.ts'
import { assignGroup } from './assignors/group-assignment.ts'
import { OwnedPartitions, type PartitionsListener } from './assignors/owned-partitions.ts'
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, encodeSubscription } from './consumer-protocol.ts'
import type { Answer, GroupOps } from './transport.ts'
import type { TopicPartition } from './types.ts'

export type { PartitionsListener }

/** Settings of a GroupMembership; timeouts carry Kafka's consumer defaults. */
export interface GroupMembershipOptions {
  /** The group coordinator: coordinator/groups' GroupCoordinator in-process, kafka/kafka-groups.ts remotely. */
  groups: GroupOps
  groupId: string
  topics: readonly string[]
  /** Assignors in preference order; cooperative rebalancing only if every one supports it (as Kafka). */
  assignors: readonly Assignor[]
  clock: Clock
  /** Partitions of a topic (0 when it does not exist), for the leader's assignment. */
  partitionCounts: (topic: string) => number
  /** Called before each join to bring partitionCounts up to date (a remote cluster's metadata); failures are ignored. */
  refreshPartitionCounts?: () => Promise<void>
  onAssigned: PartitionsListener
  /** Called with partitions this member gives up; commit their offsets here. */
  onRevoked: PartitionsListener
  /** Called with partitions this member lost without a clean hand-over (they may already be someone else's): do not commit. Default: onRevoked. */
  onLost?: PartitionsListener
  /** Told about a listener that threw (the rebalance goes on, as in Kafka) and about a fatal group error (the loop stops). */
  onError?: (error: unknown) => void
  clientId?: string
  /** Static membership (KIP-345): a stable id; such a member does not leave the group on stop() by default. */
  groupInstanceId?: string | null
  /** session.timeout.ms (default 45000). */
  sessionTimeoutMs?: number
  /** heartbeat.interval.ms (default 3000). */
  heartbeatIntervalMs?: number
  /** max.poll.interval.ms, sent as the rebalance timeout (default 300000). */
  rebalanceTimeoutMs?: number
  /** First wait after a retriable error, doubling up to 1 s (retry.backoff.ms, default 100). */
  retryBackoffMs?: number
}

/** Errors after which retrying cannot help: the loop stops and reports them. */
const FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INCONSISTENT_GROUP_PROTOCOL', 'INVALID_SESSION_TIMEOUT', 'GROUP_MAX_SIZE_REACHED', 'INVALID_GROUP_ID', 'FENCED_INSTANCE_ID',
  'UNKNOWN_SERVER_ERROR', 'INVALID_REQUEST',
])
const BACKOFF_MS_MAX = 1000
/** Immediate rejoins after errors before the loop starts backing off. */
const AGAIN_IN_A_ROW_MAX = 3

type Outcome = 'done' | 'again' | 'retry' | 'fatal'

/** One consumer's membership of a group: join/sync/heartbeat loop and rebalance listeners. */
export class GroupMembership {
  readonly #options: GroupMembershipOptions
  readonly #protocol: RebalanceProtocol
  readonly #timing: { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number; retryBackoffMs: number }
  readonly #owned: OwnedPartitions
  #memberId = ''
  #generationId = -1
  #isStopping = false
  #stopDone: Promise<void> | null = null
  /** JoinGroup is outstanding: heartbeats would carry a generation the coordinator is replacing. */
  #isJoining = false
  #rejoinRequested = true
  #failure: SluiceError | null = null
  #heartbeatTimer: TimerHandle | null = null
  /** Wakes the loop from an idle wait or a backoff. */
  #wake: (() => void) | null = null
  #wakeTimer: TimerHandle | null = null
  #loop: Promise<void> | null = null
  /** Resolves when stop() begins: the loop stops waiting for the coordinator then. */
  #stopped: Promise<null>
  #signalStopped!: (value: null) => void
  #firstAssignment: { promise: Promise<void>; resolve: () => void; reject: (error: SluiceError) => void }

  constructor(options: GroupMembershipOptions) {
    if (options.assignors.length === 0) throw new SluiceError('INVALID_ARGUMENT', 'a consumer group member needs at least one assignor')
    this.#options = options
    this.#protocol = options.assignors.every((a) => a.supportedProtocols.includes('cooperative')) ? 'cooperative' : 'eager'
    this.#owned = new OwnedPartitions(this.#protocol, options)
    this.#timing = {
      sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
      retryBackoffMs: options.retryBackoffMs ?? 100,
    }
    this.#stopped = new Promise<null>((resolve) => { this.#signalStopped = resolve })
    let resolve!: () => void
    let reject!: (error: SluiceError) => void
    const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
    // The caller may never await start(); a fatal error also goes to onError, so this is not lost.
    promise.catch(() => undefined)
    this.#firstAssignment = { promise, resolve, reject }
  }

  /** The partitions this member owns now. */
  get assignment(): TopicPartition[] {
    return this.#owned.partitions
  }

  /** The generation of the last completed join, -1 before one. */
  get generationId(): number {
    return this.#generationId
  }

  /** This member's id ('' until the coordinator gave one). */
  get memberId(): string {
    return this.#memberId
  }

  /** 'cooperative' when every assignor supports it, else 'eager'. */
  get rebalanceProtocol(): RebalanceProtocol {
    return this.#protocol
  }

  /** The fatal error that stopped the loop, if any. */
  get failure(): SluiceError | null {
    return this.#failure
  }

  /** Joins the group; resolves after the first assignment was handed to onAssigned, rejects on a fatal group error. */
  start(): Promise<void> {
    this.#loop ??= this.#run()
    return this.#firstAssignment.promise
  }

  /** Asks for a rebalance (e.g. the leader saw partitions added to a subscribed topic). */
  requestRejoin(): void {
    this.#rejoinRequested = true
    this.#wakeUp()
  }

  /**
   * Leaves the group: revokes what this member owns (onRevoked, or onLost if its generation is no
   * longer valid), then LeaveGroup unless `leave` is false (default: leave unless static), and
   * cancels every timer.
   */
  stop(options: { leave?: boolean } = {}): Promise<void> {
    this.#stopDone ??= this.#stop(options.leave ?? (this.#options.groupInstanceId == null))
    return this.#stopDone
  }

  async #stop(leave: boolean): Promise<void> {
    this.#isStopping = true
    this.#signalStopped(null)
    this.#cancelHeartbeat()
    this.#wakeUp()
    await this.#owned.releaseAll(this.#generationId >= 0)
    if (leave && this.#memberId !== '') {
      // Also answers our JoinGroup/SyncGroup if one is outstanding, which lets the loop end.
      const left = this.#options.groups.leaveGroup({ groupId: this.#options.groupId, members: [{ memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId ?? null }] })
      // Remotely the leave is a request: wait for it, so a close that follows does not cut it off.
      // Leaving is a courtesy (the session timeout removes a member that did not), so a failed one is not an error.
      if (isPromise(left)) await left.catch(() => undefined)
    }
    this.#firstAssignment.resolve()
    await this.#loop
    this.#cancelHeartbeat() // a heartbeat in flight during the awaits may have rescheduled
  }

  /** Commits offsets as this member; ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID also make it rejoin (as Kafka's CommitFailedException). */
  async commit(offsets: readonly OffsetCommitEntry[]): Promise<PartitionResult[]> {
    // Not in a generation: the commit would be refused (or, in an Empty group, taken as a commit
    // from outside the group); answer as the coordinator would answer an unknown member.
    if (this.#generationId < 0) return offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: 'UNKNOWN_MEMBER_ID' }))
    const generationId = this.#generationId
    const results = await this.#options.groups.commitOffsets({
      groupId: this.#options.groupId,
      generationId,
      memberId: this.#memberId,
      groupInstanceId: this.#options.groupInstanceId ?? null,
      offsets: [...offsets],
    })
    const failed = results.find((r) => r.errorCode === 'ILLEGAL_GENERATION' || r.errorCode === 'UNKNOWN_MEMBER_ID')?.errorCode
    // Reset only if no rebalance replaced that generation meanwhile.
    if (failed !== undefined && this.#generationId === generationId) this.#resetGeneration(failed === 'UNKNOWN_MEMBER_ID')
    return results
  }

  /** The group's committed offsets of `partitions` (offset -1 where none is committed). */
  async committed(partitions: readonly TopicPartition[]): Promise<FetchedOffset[]> {
    const fetched = await this.#options.groups.fetchOffsets(this.#options.groupId, partitions)
    if (fetched.errorCode !== undefined) {
      throw new SluiceError(fetched.errorCode, `consumer group '${this.#options.groupId}': fetching committed offsets failed: ${fetched.errorCode}`)
    }
    return fetched.offsets
  }

  // ---- the loop ----

  async #run(): Promise<void> {
    let backoffMs = this.#timing.retryBackoffMs
    let againInARow = 0
    while (!this.#isStopping && this.#failure === null) {
      if (!this.#rejoinRequested) {
        await this.#sleep(null)
        continue
      }
      const outcome = await this.#rebalanceOnce()
      if (outcome === 'fatal') return
      if (outcome === 'done') {
        backoffMs = this.#timing.retryBackoffMs
        againInARow = 0
        continue
      }
      // Rejoining at once is right after one error; after several in a row the coordinator is
      // answering without waiting, and an immediate retry would spin: back off on the clock.
      if (outcome === 'again' && ++againInARow <= AGAIN_IN_A_ROW_MAX) continue
      await this.#sleep(backoffMs)
      backoffMs = Math.min(backoffMs * 2, BACKOFF_MS_MAX)
    }
  }

  /** One join + sync round: 'done', 'again' (rejoin at once), 'retry' (after a backoff), 'fatal'. */
  async #rebalanceOnce(): Promise<Outcome> {
    const { groups, groupId } = this.#options
    this.#rejoinRequested = false
    if (this.#options.refreshPartitionCounts !== undefined) {
      // Stale counts only make the leader assign fewer partitions until the next rebalance.
      await this.#options.refreshPartitionCounts().catch(() => undefined)
    }
    await this.#owned.beforeJoin(this.#generationId >= 0, (p) => this.#options.topics.includes(p.topic) && p.partition < this.#options.partitionCounts(p.topic))
    if (this.#isStopping) return 'done'

    this.#isJoining = true
    const joined = await this.#unlessStopped(groups.joinGroup({
      groupId,
      memberId: this.#memberId,
      groupInstanceId: this.#options.groupInstanceId ?? null,
      clientId: this.#options.clientId ?? 'sluice',
      sessionTimeoutMs: this.#timing.sessionTimeoutMs,
      rebalanceTimeoutMs: this.#timing.rebalanceTimeoutMs,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: this.#protocols(),
      // Get a member id before waiting in the join phase, so stop() can always leave.
      requireKnownMemberId: true,
    }))
    this.#isJoining = false
    if (joined === null || this.#isStopping) return 'done'
    if (joined.errorCode !== undefined) {
      if (joined.errorCode === 'MEMBER_ID_REQUIRED') this.#memberId = joined.memberId
      return this.#onError(joined.errorCode)
    }
    this.#memberId = joined.memberId
    this.#generationId = joined.generationId
    this.#scheduleHeartbeat()

    const assignments = joined.leader === joined.memberId
      ? assignGroup(this.#options.assignors, joined.protocolName ?? '', joined.members, this.#options.partitionCounts)
      : undefined
    const synced = await this.#unlessStopped(groups.syncGroup({
      groupId,
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: this.#options.groupInstanceId ?? null,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: joined.protocolName,
      assignments,
    }))
    if (synced === null || this.#isStopping) return 'done'
    if (synced.errorCode !== undefined) return this.#onError(synced.errorCode)
    if (this.#rejoinRequested && this.#generationId !== joined.generationId) return 'done' // reset meanwhile by a heartbeat
    let assigned: TopicPartition[]
    try {
      assigned = decodeAssignment(synced.assignment).partitions
    } catch (error) {
      // The leader (another client) sent bytes we cannot read: rejoining would get the same.
      this.#fail('INVALID_REQUEST', error)
      return 'fatal'
    }
    // Cooperative: what we gave up goes to its new owner in a follow-up rebalance (KIP-429).
    if (await this.#owned.apply(assigned)) this.#rejoinRequested = true
    this.#firstAssignment.resolve()
    return 'done'
  }

  #protocols(): Array<{ name: string; metadata: Buffer }> {
    return this.#options.assignors.map((assignor) => ({
      name: assignor.name,
      metadata: encodeSubscription({
        topics: [...this.#options.topics],
        userData: assignor.subscriptionUserData({ generationId: this.#generationId }),
        ownedPartitions: this.#protocol === 'cooperative' ? this.#owned.partitions : [],
        generationId: this.#generationId,
        rackId: null,
      }),
    }))
  }

  /** What an error from JoinGroup or SyncGroup means for the loop. */
  #onError(errorCode: ErrorCode): Outcome {
    this.#rejoinRequested = true
    switch (errorCode) {
      case 'MEMBER_ID_REQUIRED':
      case 'REBALANCE_IN_PROGRESS':
        return 'again'
      case 'UNKNOWN_MEMBER_ID':
        this.#resetGeneration(true)
        return 'again'
      case 'ILLEGAL_GENERATION':
        this.#resetGeneration(false)
        return 'again'
      default:
        if (!FATAL.has(errorCode)) return 'retry'
        this.#fail(errorCode)
        return 'fatal'
    }
  }

  #fail(errorCode: ErrorCode, cause?: unknown): void {
    this.#cancelHeartbeat()
    // Whatever this member owns is no longer its to commit: stop() will report it lost.
    this.#generationId = -1
    this.#failure = new SluiceError(errorCode, `consumer group '${this.#options.groupId}': ${errorCode}`, { retriable: false, cause })
    this.#firstAssignment.reject(this.#failure)
    this.#options.onError?.(this.#failure)
  }

  /** Our generation (and with `memberToo` our member id) is no longer valid: what we own is lost at the next join. */
  #resetGeneration(memberToo: boolean): void {
    this.#generationId = -1
    if (memberToo) this.#memberId = ''
    this.requestRejoin()
  }

  // ---- heartbeats ----

  #scheduleHeartbeat(): void {
    this.#cancelHeartbeat()
    if (this.#isStopping || this.#failure !== null) return
    this.#heartbeatTimer = this.#options.clock.setTimeout(() => this.#heartbeat(), this.#timing.heartbeatIntervalMs)
  }

  #heartbeat(): void {
    this.#heartbeatTimer = null
    if (this.#isStopping) return
    // While JoinGroup waits the coordinator expects no heartbeat (and ours would name the old generation).
    if (this.#isJoining || this.#generationId < 0) {
      this.#scheduleHeartbeat()
      return
    }
    const generationId = this.#generationId
    const answer = this.#options.groups.heartbeat({
      groupId: this.#options.groupId,
      memberId: this.#memberId,
      generationId,
      groupInstanceId: this.#options.groupInstanceId ?? null,
    })
    // In-process the answer is there at once and the next heartbeat is scheduled right away, as
    // before; remotely it comes after a round trip (a failed request counts as no answer).
    whenAnswered(answer, (result) => this.#onHeartbeat(result?.errorCode, generationId))
  }

  #onHeartbeat(errorCode: ErrorCode | undefined, generationId: number): void {
    if (this.#isStopping) return
    // A rebalance completed while the heartbeat was in flight: its answer is about the old generation.
    if (generationId === this.#generationId) {
      if (errorCode === 'REBALANCE_IN_PROGRESS') this.requestRejoin()
      else if (errorCode === 'ILLEGAL_GENERATION') this.#resetGeneration(false)
      else if (errorCode === 'UNKNOWN_MEMBER_ID') this.#resetGeneration(true)
      else if (errorCode === 'FENCED_INSTANCE_ID') {
        this.#fail(errorCode)
        this.#wakeUp()
        return
      }
      // Other errors (COORDINATOR_NOT_AVAILABLE) are retried at the next interval.
    }
    this.#scheduleHeartbeat()
  }

  #cancelHeartbeat(): void {
    this.#heartbeatTimer?.cancel()
    this.#heartbeatTimer = null
  }

  // ---- waiting ----

  /** Waits for a wake-up (rejoin request, stop) or `ms` on the clock (null: no timeout). */
  #sleep(ms: number | null): Promise<void> {
    if (this.#isStopping || this.#failure !== null) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#wake = resolve
      if (ms !== null) this.#wakeTimer = this.#options.clock.setTimeout(() => this.#wakeUp(), ms)
    })
  }

  #wakeUp(): void {
    this.#wakeTimer?.cancel()
    this.#wakeTimer = null
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  /**
   * The coordinator's answer, or null once stop() began: a member that stops without leaving
   * (static, or simulating a crash) gets no answer to a pending JoinGroup until the group's
   * timeouts remove it, and must not wait for that.
   */
  #unlessStopped<T>(answer: Promise<T>): Promise<T | null> {
    return Promise.race([answer, this.#stopped])
  }
}


function isPromise<T>(value: Answer<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function'
}

/** Calls `fn` with the answer: synchronously when it is already there, else when it arrives (undefined if it fails). */
function whenAnswered<T>(answer: Answer<T>, fn: (value: T | undefined) => void): void {
  if (!isPromise(answer)) {
    fn(answer)
    return
  }
  answer.then(fn, () => fn(undefined))
}
