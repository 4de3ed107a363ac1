// One classic group: its state machine (Empty → PreparingRebalance → CompletingRebalance → Stable,
// back to PreparingRebalance on any change, Dead when deleted), generation, chosen protocol, leader
// and members. Pure bookkeeping with asserted transitions; the timers and the request rules that
// drive it live in group-coordinator.ts.
import { assert } from '../../base/assert.ts'
import type { TimerHandle } from '../../base/clock.ts'
import type { Member } from './member.ts'
import type { GroupProtocol, GroupState, JoinGroupMember } from './types.ts'

/** States each state may be entered from (Kafka's GroupState.validPreviousStates). */
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
}

/** A consumer (or other classic-protocol) group and its members. */
export class Group {
  readonly groupId: string
  #state: GroupState = 'Empty'
  /** When the group entered its state; null for a group loaded from committed offsets only. */
  stateSinceMs: number | null
  generationId = 0
  /** Set by the first member of an empty group and kept while the group lives (as Kafka does). */
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  /** Members by member id, in join order (the order Kafka picks a new leader in). */
  readonly members = new Map<string, Member>()
  /** KIP-394: member ids handed out with MEMBER_ID_REQUIRED, awaiting their JoinGroup; value = expiry timer. */
  readonly pendingMembers = new Map<string, TimerHandle>()
  /** Static membership: group instance id → current member id. */
  readonly staticMembers = new Map<string, string>()
  /** Members that got their JoinGroup answer but have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>()
  pendingSyncTimer: TimerHandle | null = null
  /** Completes the join phase: the initial delay or the rebalance timeout. */
  joinTimer: TimerHandle | null = null
  /** A member joined during the initial delay, which then extends (group.initial.rebalance.delay.ms). */
  newMemberAdded = false

  constructor(groupId: string, nowMs: number | null) {
    this.groupId = groupId
    this.stateSinceMs = nowMs
  }

  get state(): GroupState {
    return this.#state
  }

  /** Moves to `state`; asserts the move is one Kafka's state machine allows. */
  transitionTo(state: GroupState, nowMs: number): void {
    assert(VALID_PREVIOUS[state].includes(this.#state), `group ${this.groupId}: ${this.#state} → ${state} is not a valid transition`)
    this.#state = state
    this.stateSinceMs = nowMs
  }

  /** True in a state from which a change of membership starts a rebalance. */
  get canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.#state)
  }

  /** Adds a member; the first member of an empty group sets its protocol type, and leads if none does. */
  add(member: Member): void {
    assert(!this.members.has(member.memberId), `member ${member.memberId} already in ${this.groupId}`)
    if (this.members.size === 0) this.protocolType = member.protocolType
    this.members.set(member.memberId, member)
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId)
    this.leaderId ??= member.memberId
  }

  /** Removes a member; a removed leader is succeeded by the oldest remaining member. */
  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId)
    if (member === undefined) return undefined
    member.cancelSessionTimer()
    this.members.delete(memberId)
    this.pendingSync.delete(memberId)
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId)
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null
    return member
  }

  /** Re-keys a static member under a new member id (it restarted and rejoined). */
  replaceMemberId(member: Member, newMemberId: string): void {
    assert(member.groupInstanceId !== null, 'only static members change member id')
    const oldMemberId = member.memberId
    // Rebuild the map so join order (leader succession) is kept.
    const entries = [...this.members.entries()].map(([id, m]): [string, Member] => [id === oldMemberId ? newMemberId : id, m])
    this.members.clear()
    for (const [id, m] of entries) this.members.set(id, m)
    member.memberId = newMemberId
    this.staticMembers.set(member.groupInstanceId, newMemberId)
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId
    if (this.pendingSync.delete(oldMemberId)) this.pendingSync.add(newMemberId)
  }

  /** True when the static member `groupInstanceId` now has a different member id than `memberId`. */
  isFenced(groupInstanceId: string | null | undefined, memberId: string): boolean {
    if (groupInstanceId === null || groupInstanceId === undefined) return false
    const current = this.staticMembers.get(groupInstanceId)
    return current !== undefined && current !== memberId
  }

  /** Members whose JoinGroup is pending. */
  get awaitingJoinCount(): number {
    let n = 0
    for (const member of this.members.values()) if (member.awaitingJoin !== null) n++
    return n
  }

  /** Every member rejoined and no handed-out member id is still outstanding: the join phase can end. */
  get hasAllMembersJoined(): boolean {
    return this.awaitingJoinCount === this.members.size && this.pendingMembers.size === 0
  }

  /** The longest rebalance timeout of the members: how long the join phase may wait. */
  get rebalanceTimeoutMs(): number {
    let timeout = 0
    for (const member of this.members.values()) timeout = Math.max(timeout, member.rebalanceTimeoutMs)
    return timeout
  }

  /**
   * Whether a member offering `protocols` of `protocolType` fits: any protocol works in an empty
   * group; otherwise the type must match and one protocol must be spoken by every other member.
   */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[], memberId: string | null): boolean {
    const others = [...this.members.values()].filter((m) => m.memberId !== memberId)
    if (others.length === 0 && this.#state === 'Empty') return protocolType !== '' && protocols.length > 0
    if (protocolType !== this.protocolType || protocols.length === 0) return false
    return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)))
  }

  /**
   * Kafka's protocol selection: of the protocols every member supports, each member votes for the
   * first one in its own preference order; most votes wins, ties going to the leader's preference.
   */
  selectProtocol(): string {
    const members = [...this.members.values()]
    assert(members.length > 0, 'selecting a protocol needs members')
    const candidates = members[0]!.protocols.map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)))
    assert(candidates.length > 0, `group ${this.groupId} has no common protocol`)
    const votes = new Map<string, number>(candidates.map((name) => [name, 0]))
    for (const member of members) {
      const vote = member.protocols.find((p) => votes.has(p.name))!.name
      votes.set(vote, votes.get(vote)! + 1)
    }
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId)
    const preference = (leader ?? members[0]!).protocols.map((p) => p.name).filter((name) => votes.has(name))
    let best = preference[0]!
    for (const name of preference) if (votes.get(name)! > votes.get(best)!) best = name
    return best
  }

  /** Every member with its metadata for the chosen protocol: what the leader assigns from. */
  currentMemberMetadata(): JoinGroupMember[] {
    assert(this.protocolName !== null, 'metadata of a group without a protocol')
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(this.protocolName!),
    }))
  }

  /** Cancels every timer the group holds (members', pending members', join and pending sync). */
  cancelTimers(): void {
    this.joinTimer?.cancel()
    this.joinTimer = null
    this.pendingSyncTimer?.cancel()
    this.pendingSyncTimer = null
    for (const timer of this.pendingMembers.values()) timer.cancel()
    for (const member of this.members.values()) member.cancelSessionTimer()
  }
}
