// Requests and results of the group coordinator's API: the shapes the embedded client passes and
// the Kafka wire handlers (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// OffsetDelete, ListGroups, DescribeGroups, DeleteGroups) will translate to and from. Outcomes are
// Kafka error names in `errorCode`, absent on success; nothing here throws for a Kafka outcome.
import type { ErrorCode } from '../../base/errors.ts'

/** The Kafka error names group calls answer with (all of them are base/errors.ts' ErrorCode now). */
export type GroupErrorCode = ErrorCode

/** A partition of a topic. */
export interface TopicPartition {
  topic: string
  partition: number
}

/** Kafka's classic group states, spelled as DescribeGroups / ListGroups report them. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

/** One protocol a member can speak (for consumers: an assignor name and its subscription bytes). */
export interface GroupProtocol {
  name: string
  metadata: Buffer
}

/** JoinGroup: enter the group or rejoin it for the next generation. */
export interface JoinGroupRequest {
  groupId: string
  /** '' for a member joining for the first time. */
  memberId: string
  /** Static membership (KIP-345): a stable id that survives restarts of the member. */
  groupInstanceId?: string | null
  clientId: string
  clientHost?: string
  sessionTimeoutMs: number
  /** How long the coordinator waits for members to rejoin (JoinGroup v0: the session timeout). */
  rebalanceTimeoutMs?: number
  protocolType: string
  protocols: GroupProtocol[]
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id and must rejoin with it (KIP-394). */
  requireKnownMemberId?: boolean
}

/** A member as the leader sees it in its JoinGroup result. */
export interface JoinGroupMember {
  memberId: string
  groupInstanceId: string | null
  metadata: Buffer
}

/** JoinGroup's answer, resolved when the join phase of the rebalance completes. */
export interface JoinGroupResult {
  errorCode?: ErrorCode
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  memberId: string
  /** Every member with its metadata for the chosen protocol, for the leader only; [] for the others. */
  members: JoinGroupMember[]
}

/** SyncGroup: the leader hands in assignments; every member receives its own. */
export interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId?: string | null
  protocolType?: string | null
  protocolName?: string | null
  /** From the leader only: memberId → assignment bytes. */
  assignments?: Array<{ memberId: string; assignment: Buffer }>
}

/** SyncGroup's answer, resolved when the leader's assignment arrived. */
export interface SyncGroupResult {
  errorCode?: ErrorCode
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}

/** Heartbeat, LeaveGroup member and OffsetCommit identify a member by these. */
export interface MemberIdentity {
  groupId: string
  memberId: string
  generationId: number
  groupInstanceId?: string | null
}

/** LeaveGroup: one or more members (by member id, or by instance id with memberId '') leave. */
export interface LeaveGroupRequest {
  groupId: string
  members: Array<{ memberId: string; groupInstanceId?: string | null }>
}

/** LeaveGroup's answer: a group-level error, and one per member. */
export interface LeaveGroupResult {
  errorCode?: ErrorCode
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode?: ErrorCode }>
}

/** One row of ListGroups. */
export interface GroupListing {
  groupId: string
  protocolType: string
  groupState: GroupState
}

/** A member as DescribeGroups shows it; metadata and assignment only while the group is Stable. */
export interface MemberDescription {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  memberMetadata: Buffer
  memberAssignment: Buffer
}

/** One group of DescribeGroups; an unknown group is reported as Dead with no members, as Kafka does. */
export interface GroupDescription {
  groupId: string
  errorCode?: ErrorCode
  groupState: GroupState
  protocolType: string
  /** The chosen protocol (assignor), '' unless Stable. */
  protocolData: string
  members: MemberDescription[]
}

/** One partition's offset to commit. */
export interface OffsetCommitEntry {
  topic: string
  partition: number
  offset: number
  leaderEpoch?: number
  metadata?: string | null
}

/** OffsetCommit: `generationId` -1 and memberId '' for a group that does not use group membership. */
export interface OffsetCommitRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId?: string | null
  offsets: OffsetCommitEntry[]
}

/** Per-partition outcome of a commit or an offset delete. */
export interface PartitionResult {
  topic: string
  partition: number
  errorCode?: ErrorCode
}

/** A committed offset as OffsetFetch reports it; offset -1 when none is committed. */
export interface FetchedOffset {
  topic: string
  partition: number
  offset: number
  leaderEpoch: number
  metadata: string
  errorCode?: ErrorCode
}

/** OffsetFetch's answer. */
export interface OffsetFetchResult {
  errorCode?: ErrorCode
  offsets: FetchedOffset[]
}

/** OffsetDelete's answer. */
export interface OffsetDeleteResult {
  errorCode?: ErrorCode
  partitions: PartitionResult[]
}
