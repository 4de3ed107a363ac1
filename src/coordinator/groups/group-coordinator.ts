// The group coordinator: Kafka's classic consumer-group protocol behind one object, for the embedded
// client now and the broker's JoinGroup / SyncGroup / Heartbeat / LeaveGroup / ListGroups /
// DescribeGroups / DeleteGroups handlers later. This file validates each request the way Kafka's
// GroupCoordinator does and answers with Kafka error names as data; rebalance.ts runs the phases and
// timers, group.ts keeps each group's state. Committed offsets (OffsetCommit / OffsetFetch /
// OffsetDelete, and offset expiry) are in group-offsets.ts, stored by ../offsets/offset-store.ts.
//
// Group metadata (generation, members, assignment) is kept in memory only, unlike Kafka: members
// live in the same process as an embedded coordinator and die with it, and a Kafka client that
// finds its member id unknown after a broker restart simply rejoins. Groups with committed offsets
// come back from __consumer_offsets as Empty groups.
//
// Concurrency: every method runs to completion synchronously except where it awaits the offset
// store; JoinGroup and SyncGroup return promises that rebalance.ts resolves later.
import { randomUUID } from 'node:crypto'
import type { Clock } from '../../base/clock.ts'
import type { ErrorCode } from '../../base/errors.ts'
import type { OffsetStore } from '../offsets/offset-store.ts'
import { Group } from './group.ts'
import { GroupOffsets, type GroupOffsetsConfig } from './group-offsets.ts'
import { Member } from './member.ts'
import { Rebalancer, joinError, syncError } from './rebalance.ts'
import type {
  GroupDescription, GroupListing, GroupState, JoinGroupRequest, JoinGroupResult, LeaveGroupRequest,
  LeaveGroupResult, MemberIdentity, OffsetCommitRequest, OffsetDeleteResult, OffsetFetchResult, PartitionResult,
  SyncGroupRequest, SyncGroupResult, TopicPartition,
} from './types.ts'

/** Settings of the group coordinator; names follow Kafka's broker configs. */
export interface GroupCoordinatorOptions extends Partial<GroupOffsetsConfig> {
  clock: Clock
  offsets: OffsetStore
  /**
   * group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more
   * members (extended while they keep coming, up to the rebalance timeout). Kafka's default is
   * 3000; embedded Sluice defaults to 50 so a consumer starts quickly, while consumers started in
   * the same instant still land in one generation.
   */
  initialRebalanceDelayMs?: number
  /** group.min.session.timeout.ms (default 6000). */
  minSessionTimeoutMs?: number
  /** group.max.session.timeout.ms (default 1800000). */
  maxSessionTimeoutMs?: number
  /** group.max.size (default unlimited). */
  groupMaxSize?: number
  /** How long a brand-new member's JoinGroup may wait before it is dropped (Kafka: 300000). */
  newMemberJoinTimeoutMs?: number
  /** Builds a new member id (default: clientId + '-' + a random UUID, as Kafka). */
  newMemberId?: (clientId: string) => string
}

/** Kafka's classic group coordinator, in-process. */
export class GroupCoordinator {
  readonly #clock: Clock
  readonly #groups = new Map<string, Group>()
  readonly #rebalancer: Rebalancer
  readonly #offsets: GroupOffsets
  readonly #minSessionTimeoutMs: number
  readonly #maxSessionTimeoutMs: number
  readonly #groupMaxSize: number
  readonly #newMemberId: (clientId: string) => string
  #isClosed = false

  constructor(options: GroupCoordinatorOptions) {
    this.#clock = options.clock
    this.#rebalancer = new Rebalancer(options.clock, {
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 50,
      newMemberJoinTimeoutMs: options.newMemberJoinTimeoutMs ?? 300_000,
    })
    this.#minSessionTimeoutMs = options.minSessionTimeoutMs ?? 6000
    this.#maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? 1_800_000
    this.#groupMaxSize = options.groupMaxSize ?? Number.MAX_SAFE_INTEGER
    this.#newMemberId = options.newMemberId ?? ((clientId) => `${clientId}-${randomUUID()}`)
    this.#offsets = new GroupOffsets(options.clock, options.offsets, this.#groups, this.#rebalancer, options)
  }

  // ---- JoinGroup ----

  /** JoinGroup: resolves when the join phase of the rebalance completes (or at once with an error). */
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult> {
    if (this.#isClosed) return Promise.resolve(joinError('COORDINATOR_NOT_AVAILABLE', request.memberId))
    if (request.groupId === '') return Promise.resolve(joinError('INVALID_GROUP_ID', request.memberId))
    if (request.sessionTimeoutMs < this.#minSessionTimeoutMs || request.sessionTimeoutMs > this.#maxSessionTimeoutMs) {
      return Promise.resolve(joinError('INVALID_SESSION_TIMEOUT', request.memberId))
    }
    let group = this.#groups.get(request.groupId)
    if (group === undefined) {
      if (request.memberId !== '') return Promise.resolve(joinError('UNKNOWN_MEMBER_ID', request.memberId))
      group = new Group(request.groupId, this.#clock.now())
      this.#groups.set(request.groupId, group)
    }
    const joined = group
    const promise = new Promise<JoinGroupResult>((resolve) => {
      if (request.memberId === '') this.#joinNewMember(joined, request, resolve)
      else this.#joinKnownMember(joined, request, resolve)
    })
    this.#rebalancer.tryCompleteJoin(joined)
    return promise
  }

  #joinNewMember(group: Group, request: JoinGroupRequest, resolve: (result: JoinGroupResult) => void): void {
    if (!group.supportsProtocols(request.protocolType, request.protocols, null)) return resolve(joinError('INCONSISTENT_GROUP_PROTOCOL'))
    const instanceId = request.groupInstanceId ?? null
    const staticMemberId = instanceId === null ? undefined : group.staticMembers.get(instanceId)
    if (staticMemberId !== undefined) {
      // A static member restarted: it takes over its old membership under a new member id, and the
      // old id is fenced. TODO(KIP-345 optimisation) Kafka skips the rebalance when a follower
      // rejoins a Stable group unchanged; this always rebalances, which is correct but slower.
      const member = group.members.get(staticMemberId)!
      const { awaitingJoin, awaitingSync } = member
      member.awaitingJoin = null
      member.awaitingSync = null
      awaitingJoin?.(joinError('FENCED_INSTANCE_ID', staticMemberId))
      awaitingSync?.(syncError('FENCED_INSTANCE_ID'))
      group.replaceMemberId(member, this.#newMemberId(request.clientId))
      return this.#updateMemberAndRebalance(group, member, request, resolve)
    }
    if (group.members.size + group.pendingMembers.size >= this.#groupMaxSize) return resolve(joinError('GROUP_MAX_SIZE_REACHED'))
    const memberId = this.#newMemberId(request.clientId)
    if (request.requireKnownMemberId === true && instanceId === null) {
      // KIP-394: hand out the id first; the member must rejoin with it within its session timeout.
      group.pendingMembers.set(memberId, this.#clock.setTimeout(() => {
        group.pendingMembers.delete(memberId)
        this.#rebalancer.tryCompleteJoin(group)
      }, request.sessionTimeoutMs))
      return resolve(joinError('MEMBER_ID_REQUIRED', memberId))
    }
    this.#addMemberAndRebalance(group, memberId, request, resolve)
  }

  #joinKnownMember(group: Group, request: JoinGroupRequest, resolve: (result: JoinGroupResult) => void): void {
    const { memberId } = request
    if (!group.supportsProtocols(request.protocolType, request.protocols, memberId)) return resolve(joinError('INCONSISTENT_GROUP_PROTOCOL', memberId))
    const pendingTimer = group.pendingMembers.get(memberId)
    if (pendingTimer !== undefined) {
      pendingTimer.cancel()
      group.pendingMembers.delete(memberId)
      return this.#addMemberAndRebalance(group, memberId, request, resolve)
    }
    if (group.isFenced(request.groupInstanceId, memberId)) return resolve(joinError('FENCED_INSTANCE_ID', memberId))
    const member = group.members.get(memberId)
    if (member === undefined) return resolve(joinError('UNKNOWN_MEMBER_ID', memberId))
    switch (group.state) {
      case 'PreparingRebalance':
        return this.#updateMemberAndRebalance(group, member, request, resolve)
      case 'CompletingRebalance':
        // Same metadata: the member most likely lost our answer; give it again. Else rebalance.
        if (member.matches(request.protocols)) return resolve(this.#currentGeneration(group, memberId))
        return this.#updateMemberAndRebalance(group, member, request, resolve)
      case 'Stable':
        // A leader rejoining forces a rebalance (topic metadata changed); an unchanged follower just
        // gets the current generation and syncs again.
        if (memberId !== group.leaderId && member.matches(request.protocols)) return resolve(this.#currentGeneration(group, memberId))
        return this.#updateMemberAndRebalance(group, member, request, resolve)
      case 'Empty':
      case 'Dead':
        return resolve(joinError('UNKNOWN_MEMBER_ID', memberId))
    }
  }

  #currentGeneration(group: Group, memberId: string): JoinGroupResult {
    return {
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId,
      members: memberId === group.leaderId ? group.currentMemberMetadata() : [],
    }
  }

  #addMemberAndRebalance(group: Group, memberId: string, request: JoinGroupRequest, resolve: (result: JoinGroupResult) => void): void {
    const member = new Member({
      memberId,
      groupInstanceId: request.groupInstanceId ?? null,
      clientId: request.clientId,
      clientHost: request.clientHost ?? '',
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
    })
    member.isNew = true
    member.awaitingJoin = resolve
    group.add(member)
    this.#rebalancer.noteNewMember(group)
    this.#rebalancer.maybePrepareRebalance(group)
    // A new member cannot heartbeat while its JoinGroup waits; if its client vanished, this removes it.
    this.#rebalancer.scheduleSessionExpiry(group, member, this.#rebalancer.newMemberJoinTimeoutMs)
  }

  #updateMemberAndRebalance(group: Group, member: Member, request: JoinGroupRequest, resolve: (result: JoinGroupResult) => void): void {
    // A second JoinGroup from the same member replaces the first, which is told to retry.
    const superseded = member.awaitingJoin
    member.protocols = request.protocols
    member.clientId = request.clientId
    member.sessionTimeoutMs = request.sessionTimeoutMs
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs ?? request.sessionTimeoutMs
    member.awaitingJoin = resolve
    superseded?.(joinError('REBALANCE_IN_PROGRESS', member.memberId))
    this.#rebalancer.maybePrepareRebalance(group)
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup ----

  /** SyncGroup: the leader's call stores the assignment; every member's resolves with its own part. */
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResult> {
    if (this.#isClosed) return Promise.resolve(syncError('COORDINATOR_NOT_AVAILABLE'))
    const group = this.#groups.get(request.groupId)
    if (group === undefined) return Promise.resolve(syncError('UNKNOWN_MEMBER_ID'))
    const error = validateMember(group, request)
    if (error !== undefined) return Promise.resolve(syncError(error))
    if ((request.protocolType != null && request.protocolType !== group.protocolType) ||
        (request.protocolName != null && request.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError('INCONSISTENT_GROUP_PROTOCOL'))
    }
    const member = group.members.get(request.memberId)!
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return Promise.resolve(syncError('UNKNOWN_MEMBER_ID'))
      case 'PreparingRebalance':
        return Promise.resolve(syncError('REBALANCE_IN_PROGRESS'))
      case 'Stable':
        this.#rebalancer.syncReceived(group, member)
        this.#rebalancer.scheduleSessionExpiry(group, member, member.sessionTimeoutMs)
        return Promise.resolve({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment })
      case 'CompletingRebalance': {
        const promise = new Promise<SyncGroupResult>((resolve) => {
          const superseded = member.awaitingSync
          member.awaitingSync = resolve
          superseded?.(syncError('REBALANCE_IN_PROGRESS'))
        })
        this.#rebalancer.syncReceived(group, member)
        if (member.memberId === group.leaderId) {
          // Members the leader left out get an empty assignment; ids not in the group are ignored.
          const assignments = new Map((request.assignments ?? []).map((a) => [a.memberId, a.assignment]))
          this.#rebalancer.completeSync(group, assignments)
        }
        return promise
      }
    }
  }

  /** Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. */
  heartbeat(request: MemberIdentity): { errorCode?: ErrorCode } {
    if (this.#isClosed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE' }
    const group = this.#groups.get(request.groupId)
    if (group === undefined) return { errorCode: 'UNKNOWN_MEMBER_ID' }
    const error = validateMember(group, request)
    if (error !== undefined) return { errorCode: error }
    const member = group.members.get(request.memberId)!
    this.#rebalancer.scheduleSessionExpiry(group, member, member.sessionTimeoutMs)
    return group.state === 'PreparingRebalance' ? { errorCode: 'REBALANCE_IN_PROGRESS' } : {}
  }

  /** LeaveGroup: members leave by member id, or (admin removal) by group instance id with memberId ''. */
  leaveGroup(request: LeaveGroupRequest): LeaveGroupResult {
    if (this.#isClosed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE', members: [] }
    const group = this.#groups.get(request.groupId)
    const members = request.members.map(({ memberId, groupInstanceId = null }) => {
      const errorCode = group === undefined ? 'UNKNOWN_MEMBER_ID' : this.#leave(group, memberId, groupInstanceId)
      return errorCode === undefined ? { memberId, groupInstanceId } : { memberId, groupInstanceId, errorCode }
    })
    return { members }
  }

  #leave(group: Group, memberId: string, groupInstanceId: string | null): ErrorCode | undefined {
    if (memberId === '') {
      const currentId = groupInstanceId === null ? undefined : group.staticMembers.get(groupInstanceId)
      if (currentId === undefined) return 'UNKNOWN_MEMBER_ID'
      this.#rebalancer.removeMemberAndUpdateGroup(group, group.members.get(currentId)!)
      return undefined
    }
    const pendingTimer = group.pendingMembers.get(memberId)
    if (pendingTimer !== undefined) {
      pendingTimer.cancel()
      group.pendingMembers.delete(memberId)
      this.#rebalancer.tryCompleteJoin(group)
      return undefined
    }
    if (group.isFenced(groupInstanceId, memberId)) return 'FENCED_INSTANCE_ID'
    const member = group.members.get(memberId)
    if (member === undefined) return 'UNKNOWN_MEMBER_ID'
    this.#rebalancer.removeMemberAndUpdateGroup(group, member)
    return undefined
  }

  // ---- ListGroups, DescribeGroups, DeleteGroups ----

  /** ListGroups: every live group, optionally only those in `states`. */
  listGroups(filter: { states?: readonly GroupState[] } = {}): GroupListing[] {
    const listings: GroupListing[] = []
    for (const group of this.#groups.values()) {
      if (filter.states !== undefined && filter.states.length > 0 && !filter.states.includes(group.state)) continue
      listings.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state })
    }
    return listings
  }

  /** DescribeGroups: state, protocol and members; metadata and assignments only while Stable (as Kafka). */
  describeGroups(groupIds: readonly string[]): GroupDescription[] {
    return groupIds.map((groupId): GroupDescription => {
      if (this.#isClosed) return { groupId, errorCode: 'COORDINATOR_NOT_AVAILABLE', groupState: 'Dead', protocolType: '', protocolData: '', members: [] }
      const group = this.#groups.get(groupId)
      if (group === undefined) return { groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] }
      const isStable = group.state === 'Stable'
      return {
        groupId,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: isStable ? group.protocolName ?? '' : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: isStable ? m.metadata(group.protocolName!) : Buffer.alloc(0),
          memberAssignment: isStable ? m.assignment : Buffer.alloc(0),
        })),
      }
    })
  }

  /** DeleteGroups: removes empty groups and their committed offsets; NON_EMPTY_GROUP while members remain. */
  async deleteGroups(groupIds: readonly string[]): Promise<Array<{ groupId: string; errorCode?: ErrorCode }>> {
    return Promise.all(groupIds.map(async (groupId): Promise<{ groupId: string; errorCode?: ErrorCode }> => {
      if (this.#isClosed) return { groupId, errorCode: 'COORDINATOR_NOT_AVAILABLE' }
      const group = this.#groups.get(groupId)
      if (group === undefined) return { groupId, errorCode: 'GROUP_ID_NOT_FOUND' }
      if (group.state !== 'Empty') return { groupId, errorCode: 'NON_EMPTY_GROUP' }
      const errorCode = await this.#offsets.deleteGroup(group)
      return errorCode === undefined ? { groupId } : { groupId, errorCode }
    }))
  }

  // ---- offsets (group-offsets.ts) ----

  /** OffsetCommit: validates generation and member unless the group has no members, then stores durably. */
  commitOffsets(request: OffsetCommitRequest): Promise<PartitionResult[]> {
    return this.#offsets.commit(request, this.#isClosed)
  }

  /** OffsetFetch: the committed offsets of `partitions` (offset -1 when none), or all of the group's. */
  fetchOffsets(groupId: string, partitions?: readonly TopicPartition[] | null): OffsetFetchResult {
    if (this.#isClosed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE', offsets: [] }
    return this.#offsets.fetch(groupId, partitions)
  }

  /** OffsetDelete: forgets committed offsets of partitions the group does not consume now. */
  deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<OffsetDeleteResult> {
    if (this.#isClosed) return Promise.resolve({ errorCode: 'COORDINATOR_NOT_AVAILABLE', partitions: [] })
    return this.#offsets.deleteOffsets(groupId, partitions)
  }

  /** Stops every timer and answers pending JoinGroup/SyncGroup calls with COORDINATOR_NOT_AVAILABLE. */
  async close(): Promise<void> {
    if (this.#isClosed) return
    this.#isClosed = true
    for (const group of this.#groups.values()) this.#rebalancer.shutDown(group, 'COORDINATOR_NOT_AVAILABLE')
    await this.#offsets.close()
  }
}

/** Kafka's checks of a member's identity: fenced static member, unknown member, stale generation. */
function validateMember(group: Group, request: MemberIdentity): ErrorCode | undefined {
  if (group.isFenced(request.groupInstanceId, request.memberId)) return 'FENCED_INSTANCE_ID'
  if (!group.members.has(request.memberId)) return 'UNKNOWN_MEMBER_ID'
  if (request.generationId !== group.generationId) return 'ILLEGAL_GENERATION'
  return undefined
}
