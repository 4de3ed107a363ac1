// One member of a classic consumer group as the coordinator tracks it: identity, timeouts, the
// protocols it offered, its assignment, and the pending JoinGroup / SyncGroup answers it awaits.
// The group around it is group.ts; the rules that move members through a rebalance are in
// group-coordinator.ts. Callbacks here are plain resolvers: whoever completes a phase calls them.
import type { TimerHandle } from '../../base/clock.ts'
import type { GroupProtocol, JoinGroupResult, SyncGroupResult } from './types.ts'

/** Assignment bytes of a member that has none. */
export const NO_ASSIGNMENT: Buffer = Buffer.alloc(0)

/** A member of a group and what it is waiting for. */
export class Member {
  /** Mutable only for a static member that rejoins under a new member id (KIP-345). */
  memberId: string
  readonly groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  readonly protocolType: string
  protocols: GroupProtocol[]
  assignment: Buffer = NO_ASSIGNMENT
  /** Resolves this member's pending JoinGroup; null when it is not rejoining. */
  awaitingJoin: ((result: JoinGroupResult) => void) | null = null
  /** Resolves this member's pending SyncGroup; null when it is not waiting for an assignment. */
  awaitingSync: ((result: SyncGroupResult) => void) | null = null
  /** Joined during the current rebalance: expires after the new-member timeout even while waiting. */
  isNew = false
  /** Fires when the member's session (or new-member join) timeout passes without a heartbeat. */
  sessionTimer: TimerHandle | null = null

  constructor(fields: {
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    sessionTimeoutMs: number
    rebalanceTimeoutMs: number
    protocolType: string
    protocols: GroupProtocol[]
  }) {
    this.memberId = fields.memberId
    this.groupInstanceId = fields.groupInstanceId
    this.clientId = fields.clientId
    this.clientHost = fields.clientHost
    this.sessionTimeoutMs = fields.sessionTimeoutMs
    this.rebalanceTimeoutMs = fields.rebalanceTimeoutMs
    this.protocolType = fields.protocolType
    this.protocols = fields.protocols
  }

  /** The metadata this member offered for `protocolName` (empty if it offered none). */
  metadata(protocolName: string): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? NO_ASSIGNMENT
  }

  /** True when `protocols` are exactly what this member offered last (names, order and bytes). */
  matches(protocols: readonly GroupProtocol[]): boolean {
    return protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata))
  }

  /** Cancels the session timer, if any. */
  cancelSessionTimer(): void {
    this.sessionTimer?.cancel()
    this.sessionTimer = null
  }
}
