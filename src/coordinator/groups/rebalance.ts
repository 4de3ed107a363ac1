// The mechanics of a classic rebalance, on the injected Clock: starting one (PreparingRebalance),
// the join phase's timers (group.initial.rebalance.delay.ms for an empty group, else the longest
// rebalance timeout, or earlier once every member rejoined), completing it (drop members that did
// not rejoin, bump the generation, pick the protocol, answer every JoinGroup), handing out the
// leader's assignment, session expiry, and the pending-SyncGroup timeout. group-coordinator.ts
// validates requests and calls in here; group.ts holds the state. Every pending JoinGroup/SyncGroup
// answer goes out through respondJoin/respondSync, which also restart that member's session timer.
import { assert } from '../../base/assert.ts'
import type { Clock } from '../../base/clock.ts'
import type { ErrorCode } from '../../base/errors.ts'
import type { Group } from './group.ts'
import { NO_ASSIGNMENT, type Member } from './member.ts'
import type { JoinGroupResult, SyncGroupResult } from './types.ts'

/** Timing settings of rebalances; see GroupCoordinatorOptions for their meaning and defaults. */
export interface RebalanceConfig {
  initialRebalanceDelayMs: number
  newMemberJoinTimeoutMs: number
}

/** A JoinGroup answer carrying only an error. */
export function joinError(errorCode: ErrorCode, memberId = ''): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] }
}

/** A SyncGroup answer carrying only an error. */
export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_ASSIGNMENT }
}

/** Drives groups through rebalances; one per GroupCoordinator. */
export class Rebalancer {
  readonly #clock: Clock
  readonly #config: RebalanceConfig
  /** Groups whose join phase is in its initial delay, which no rejoin can cut short. */
  readonly #initialJoins = new WeakSet<Group>()

  constructor(clock: Clock, config: RebalanceConfig) {
    this.#clock = clock
    this.#config = config
  }

  /** How long a brand-new member's JoinGroup may wait before the member is dropped. */
  get newMemberJoinTimeoutMs(): number {
    return this.#config.newMemberJoinTimeoutMs
  }

  /** Starts a rebalance if the group is in a state that allows one. */
  maybePrepareRebalance(group: Group): void {
    if (group.canRebalance) this.prepareRebalance(group)
  }

  /** Enters PreparingRebalance: cancels a pending assignment and arms the join phase's timer. */
  prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      // The leader's assignment for this generation will never come: tell waiting members to rejoin.
      for (const member of group.members.values()) {
        member.assignment = NO_ASSIGNMENT
        if (member.awaitingSync !== null) this.respondSync(group, member, syncError('REBALANCE_IN_PROGRESS'))
      }
    }
    this.#clearPendingSync(group)
    group.joinTimer?.cancel()
    const fromEmpty = group.state === 'Empty'
    group.transitionTo('PreparingRebalance', this.#clock.now())
    if (fromEmpty) {
      // Kafka's InitialDelayedJoin: wait the delay, and again while new members keep arriving, up to
      // the rebalance timeout, so consumers started together form one generation.
      const delayMs = this.#config.initialRebalanceDelayMs
      group.newMemberAdded = false
      this.#initialJoins.add(group)
      this.#armInitialJoin(group, delayMs, Math.max(group.rebalanceTimeoutMs - delayMs, 0))
    } else {
      group.joinTimer = this.#clock.setTimeout(() => this.completeJoin(group), group.rebalanceTimeoutMs)
    }
  }

  #armInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    group.joinTimer = this.#clock.setTimeout(() => {
      group.joinTimer = null
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false
        const nextDelayMs = Math.min(this.#config.initialRebalanceDelayMs, remainingMs)
        this.#armInitialJoin(group, nextDelayMs, Math.max(remainingMs - nextDelayMs, 0))
      } else {
        this.completeJoin(group)
      }
    }, delayMs)
  }

  /** Ends the join phase now if every member rejoined (never during the initial delay). */
  tryCompleteJoin(group: Group): void {
    if (group.state === 'PreparingRebalance' && !this.#initialJoins.has(group) && group.hasAllMembersJoined) this.completeJoin(group)
  }

  /** Notes a member added while the initial delay runs, so the delay extends once more. */
  noteNewMember(group: Group): void {
    if (this.#initialJoins.has(group)) group.newMemberAdded = true
  }

  /** Ends the join phase: removes members that did not rejoin, starts the next generation, answers JoinGroups. */
  completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return
    group.joinTimer?.cancel()
    group.joinTimer = null
    this.#initialJoins.delete(group)
    // Dynamic members that did not rejoin in time are out; static ones stay until their session
    // expires (KIP-345), so a restarting instance keeps its place.
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === null && member.groupInstanceId === null) group.remove(member.memberId)
    }
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId)
    if (leader !== undefined && leader.awaitingJoin === null) {
      const rejoined = [...group.members.values()].find((m) => m.awaitingJoin !== null)
      if (rejoined !== undefined) group.leaderId = rejoined.memberId
    }
    if (group.members.size > 0 && group.awaitingJoinCount === 0) {
      // Only static members that have not rejoined remain: wait again; their sessions will end it.
      group.joinTimer = this.#clock.setTimeout(() => this.completeJoin(group), group.rebalanceTimeoutMs)
      return
    }
    group.generationId++
    if (group.members.size === 0) {
      group.protocolName = null
      group.transitionTo('Empty', this.#clock.now())
      return
    }
    group.protocolName = group.selectProtocol()
    group.transitionTo('CompletingRebalance', this.#clock.now())
    for (const member of group.members.values()) {
      if (member.awaitingJoin === null) continue
      member.isNew = false
      this.respondJoin(group, member, {
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        memberId: member.memberId,
        members: member.memberId === group.leaderId ? group.currentMemberMetadata() : [],
      })
    }
    // Every member must now send SyncGroup within the rebalance timeout (Kafka 3.2+), or it is
    // removed: otherwise a member lost between JoinGroup and SyncGroup stalls the group for good.
    for (const memberId of group.members.keys()) group.pendingSync.add(memberId)
    group.pendingSyncTimer = this.#clock.setTimeout(() => this.#expirePendingSync(group), group.rebalanceTimeoutMs)
  }

  #expirePendingSync(group: Group): void {
    group.pendingSyncTimer = null
    if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return
    if (group.pendingSync.size === 0) return
    for (const memberId of [...group.pendingSync]) this.#dropMember(group, group.members.get(memberId))
    this.prepareRebalance(group)
  }

  /** Marks that `member` sent SyncGroup for this generation. */
  syncReceived(group: Group, member: Member): void {
    group.pendingSync.delete(member.memberId)
    if (group.pendingSync.size === 0) this.#clearPendingSync(group)
  }

  #clearPendingSync(group: Group): void {
    group.pendingSync.clear()
    group.pendingSyncTimer?.cancel()
    group.pendingSyncTimer = null
  }

  /** Stores the leader's assignment, answers every waiting SyncGroup and makes the group Stable. */
  completeSync(group: Group, assignments: ReadonlyMap<string, Buffer>): void {
    assert(group.state === 'CompletingRebalance', `assignment for ${group.groupId} in state ${group.state}`)
    for (const member of group.members.values()) member.assignment = assignments.get(member.memberId) ?? NO_ASSIGNMENT
    group.transitionTo('Stable', this.#clock.now())
    for (const member of group.members.values()) {
      if (member.awaitingSync === null) continue
      this.respondSync(group, member, { protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment })
    }
  }

  /** Answers the member's pending JoinGroup and restarts its session timer. */
  respondJoin(group: Group, member: Member, result: JoinGroupResult): void {
    const resolve = member.awaitingJoin
    assert(resolve !== null, `no JoinGroup pending for ${member.memberId}`)
    member.awaitingJoin = null
    this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs)
    resolve(result)
  }

  /** Answers the member's pending SyncGroup and restarts its session timer. */
  respondSync(group: Group, member: Member, result: SyncGroupResult): void {
    const resolve = member.awaitingSync
    assert(resolve !== null, `no SyncGroup pending for ${member.memberId}`)
    member.awaitingSync = null
    this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs)
    resolve(result)
  }

  /** (Re)starts the timer that removes `member` unless it heartbeats within `timeoutMs`. */
  scheduleSessionExpiry(group: Group, member: Member, timeoutMs: number): void {
    member.cancelSessionTimer()
    member.sessionTimer = this.#clock.setTimeout(() => {
      member.sessionTimer = null
      if (group.members.get(member.memberId) !== member) return
      // A member waiting on the coordinator cannot heartbeat, so only a new member's join timeout
      // removes it then (KIP-394); answering it restarts its session timer.
      if (!member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null)) return
      this.removeMemberAndUpdateGroup(group, member)
    }, timeoutMs)
  }

  /** Removes a member (left, expired or fenced out) and rebalances or finishes the join phase as the state needs. */
  removeMemberAndUpdateGroup(group: Group, member: Member): void {
    this.#dropMember(group, member)
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group)
        break
      case 'PreparingRebalance':
        this.tryCompleteJoin(group)
        break
      case 'Empty':
      case 'Dead':
        break
    }
  }

  /** Takes a member out, answering whatever it still waits for with UNKNOWN_MEMBER_ID so it starts over. */
  #dropMember(group: Group, member: Member | undefined): void {
    if (member === undefined) return
    const { awaitingJoin, awaitingSync } = member
    member.awaitingJoin = null
    member.awaitingSync = null
    group.remove(member.memberId)
    awaitingJoin?.(joinError('UNKNOWN_MEMBER_ID'))
    awaitingSync?.(syncError('UNKNOWN_MEMBER_ID'))
  }

  /** Answers everything pending with `errorCode` and cancels every timer (coordinator shutdown or group deletion). */
  shutDown(group: Group, errorCode: ErrorCode): void {
    group.cancelTimers()
    this.#initialJoins.delete(group)
    for (const member of group.members.values()) {
      const { awaitingJoin, awaitingSync } = member
      member.awaitingJoin = null
      member.awaitingSync = null
      awaitingJoin?.(joinError(errorCode, member.memberId))
      awaitingSync?.(syncError(errorCode))
    }
  }
}
