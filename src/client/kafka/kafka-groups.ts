// Consumer group calls over the wire, routed to the group's coordinator (FindCoordinator, cached by
// the cluster) and retried on NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS /
// COORDINATOR_NOT_AVAILABLE and lost connections: JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit and OffsetFetch for a member (GroupOps, driven by ../group-membership.ts), plus
// ListGroups, DescribeGroups and DeleteGroups for the admin API (kafka-admin.ts).
//
// A member's JoinGroup and SyncGroup wait for the whole group (up to the rebalance timeout), and a
// Kafka broker reads a connection's next request only after answering the last one; so each member
// sends those two on a connection of its own, while heartbeats, commits and LeaveGroup use the
// shared one and are never stuck behind a rebalance. A member's calls answer a coordinator that
// cannot be reached with COORDINATOR_NOT_AVAILABLE (a retriable outcome the member's loop backs off
// on) instead of rejecting; the admin calls reject with the SluiceError.
import { SluiceError, isSluiceError, type ErrorCode } from '../../base/errors.ts'
import type {
  FetchedOffset, GroupDescription, GroupListing, GroupState, JoinGroupRequest, JoinGroupResult, LeaveGroupRequest, LeaveGroupResult,
  MemberIdentity, OffsetCommitRequest, OffsetFetchResult, PartitionResult, SyncGroupRequest, SyncGroupResult,
} from '../../coordinator/groups/types.ts'
import {
  ApiKey, type DeleteGroupsResponse, type DescribeGroupsResponse, type HeartbeatResponse, type JoinGroupResponse, type LeaveGroupResponse,
  type ListGroupsResponse, type OffsetCommitResponse, type OffsetFetchResponse, type SyncGroupResponse,
} from '../../protocol/messages/index.ts'
import { partitionKey } from '../assignors/assignor.ts'
import type { GroupOps } from '../transport.ts'
import type { TopicPartition } from '../types.ts'
import type { BrokerConnection } from './connection.ts'
import type { KafkaCluster } from './cluster.ts'
import { COORDINATOR_CODES, errorCodeName } from './wire-errors.ts'

/** Tries of one group request across coordinator moves and lost connections. */
const GROUP_ATTEMPTS = 4
const NOT_COORDINATOR = 16
const COORDINATOR_NOT_AVAILABLE = 15
const STATES: ReadonlySet<string> = new Set<GroupState>(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'])

/** How a group request is sent: on the shared connection, or on a member's own. */
type Via = (node: number) => Promise<BrokerConnection>

/** Group calls to a cluster's group coordinators. */
export class KafkaGroups {
  readonly #cluster: KafkaCluster

  constructor(cluster: KafkaCluster) {
    this.#cluster = cluster
  }

  /** The calls of one group member, with its own connection for JoinGroup/SyncGroup; close() drops it. */
  member(): GroupOps & { close(): void } {
    return new MemberGroupOps(this.#cluster, this)
  }

  /**
   * Sends a request to `groupId`'s coordinator and returns the answer, finding the coordinator again
   * and retrying while the answer's group-level code (`codeOf`) says it moved or is loading, or the
   * connection failed. After the last try the answer (or error) is the caller's to report.
   */
  async toCoordinator<Response>(
    groupId: string, apiKey: number, body: (version: number) => unknown, codeOf: (response: Response, version: number) => number,
    options: { timeoutMs?: number; via?: Via } = {},
  ): Promise<{ version: number; response: Response }> {
    for (let attempt = 0; ; attempt++) {
      const isLast = attempt + 1 >= GROUP_ATTEMPTS
      try {
        const node = await this.#cluster.coordinator(groupId)
        const connection = await (options.via ?? ((n: number) => this.#cluster.connection(n)))(node)
        const answer = await connection.request<Response>(apiKey, body, options)
        const code = codeOf(answer.response, answer.version)
        if (!COORDINATOR_CODES.has(code) || isLast) return answer
        if (code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE) this.#cluster.forgetCoordinator(groupId)
      } catch (error) {
        if (!isSluiceError(error) || !error.retriable || isLast) throw error
        this.#cluster.forgetCoordinator(groupId)
        if ((error.code as string) === 'NETWORK_EXCEPTION') this.#cluster.invalidate()
      }
      await this.#cluster.sleep(this.#cluster.retryBackoffMs * 2 ** attempt)
    }
  }

  async fetchOffsets(groupId: string, partitions: readonly TopicPartition[] | null): Promise<OffsetFetchResult> {
    const topics = partitions === null ? null : groupByTopic(partitions).map(([name, indexes]) => ({ name, partitionIndexes: indexes }))
    const { version, response } = await this.toCoordinator<OffsetFetchResponse>(groupId, ApiKey.OffsetFetch, (v) => (v >= 8
      ? { groupId: '', topics: [], requireStable: false, groups: [{ groupId, memberId: null, memberEpoch: -1, topics }] }
      : { groupId, topics: topics ?? (v >= 2 ? null : []), groups: [], requireStable: false }),
    (r, v) => (v >= 8 ? (r.groups[0]?.errorCode ?? 0) : r.errorCode))
    const group = version >= 8 ? response.groups[0] : { errorCode: response.errorCode, topics: response.topics }
    if (group === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `OffsetFetch for group '${groupId}' came back without the group`)
    if (group.errorCode !== 0) return { errorCode: errorCodeName(group.errorCode), offsets: [] }
    const offsets: FetchedOffset[] = []
    for (const t of group.topics) {
      for (const p of t.partitions) {
        offsets.push({
          topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata ?? '',
          ...(p.errorCode !== 0 && { errorCode: errorCodeName(p.errorCode) }),
        })
      }
    }
    return { offsets }
  }

  async commitOffsets(request: OffsetCommitRequest, via?: Via): Promise<PartitionResult[]> {
    const byTopic = new Map<string, OffsetCommitRequest['offsets']>()
    for (const o of request.offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    const { response } = await this.toCoordinator<OffsetCommitResponse>(request.groupId, ApiKey.OffsetCommit, (v) => ({
      groupId: request.groupId,
      generationIdOrMemberEpoch: request.generationId,
      memberId: request.memberId,
      groupInstanceId: v >= 7 ? (request.groupInstanceId ?? null) : null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '',
        })),
      })),
    }), firstPartitionCode, via === undefined ? {} : { via })
    const codes = new Map<string, number>()
    for (const t of response.topics) for (const p of t.partitions) codes.set(partitionKey(t.name, p.partitionIndex), p.errorCode)
    return request.offsets.map((o) => {
      const code = codes.get(partitionKey(o.topic, o.partition))
      if (code === undefined) return { topic: o.topic, partition: o.partition, errorCode: 'UNKNOWN_SERVER_ERROR' }
      return code === 0 ? { topic: o.topic, partition: o.partition } : { topic: o.topic, partition: o.partition, errorCode: errorCodeName(code) }
    })
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const { response } = await this.toCoordinator<DescribeGroupsResponse>(groupId, ApiKey.DescribeGroups,
      () => ({ groups: [groupId], includeAuthorizedOperations: false }), (r) => r.groups[0]?.errorCode ?? 0)
    const g = response.groups[0]
    if (g === undefined) throw new SluiceError('UNKNOWN_SERVER_ERROR', `DescribeGroups for group '${groupId}' came back without the group`)
    return {
      groupId,
      ...(g.errorCode !== 0 && { errorCode: errorCodeName(g.errorCode) }),
      groupState: groupState(g.groupState),
      protocolType: g.protocolType,
      protocolData: g.protocolData,
      members: g.members.map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        memberMetadata: m.memberMetadata, memberAssignment: m.memberAssignment,
      })),
    }
  }

  async deleteGroup(groupId: string): Promise<{ errorCode?: ErrorCode }> {
    const { response } = await this.toCoordinator<DeleteGroupsResponse>(groupId, ApiKey.DeleteGroups,
      () => ({ groupsNames: [groupId] }), (r) => r.results[0]?.errorCode ?? 0)
    const code = response.results[0]?.errorCode ?? -1
    return code === 0 ? {} : { errorCode: errorCodeName(code) }
  }

  /** Every group of every broker (each coordinates its own share of the groups). */
  async listGroups(): Promise<GroupListing[]> {
    await this.#cluster.refreshMetadata([])
    const out = new Map<string, GroupListing>()
    await Promise.all(this.#cluster.brokers.map(async (broker) => {
      const { version, response } = await this.#cluster.request<ListGroupsResponse>(broker.nodeId, ApiKey.ListGroups, () => ({ statesFilter: [], typesFilter: [] }))
      if (response.errorCode !== 0) throw new SluiceError(errorCodeName(response.errorCode), `ListGroups on broker ${broker.nodeId}: ${errorCodeName(response.errorCode)}`, { retriable: COORDINATOR_CODES.has(response.errorCode) })
      for (const g of response.groups) {
        // Before v4 the answer has no state: DescribeGroups tells it.
        const state = version >= 4 ? groupState(g.groupState) : (await this.describeGroup(g.groupId)).groupState
        out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, groupState: state })
      }
    }))
    return [...out.values()]
  }
}

/** One member's GroupOps: JoinGroup/SyncGroup on its own connection to the coordinator, the rest shared. */
class MemberGroupOps implements GroupOps {
  readonly #cluster: KafkaCluster
  readonly #groups: KafkaGroups
  #own: { node: number; connection: Promise<BrokerConnection> } | null = null
  /** The last JoinGroup's rebalance timeout: SyncGroup may wait as long for the leader's assignment. */
  #rebalanceTimeoutMs = 300_000
  #closed = false

  constructor(cluster: KafkaCluster, groups: KafkaGroups) {
    this.#cluster = cluster
    this.#groups = groups
  }

  /** The member's own connection to `node`, reopened when the coordinator moved or it broke. */
  readonly #via: Via = async (node) => {
    if (this.#closed) throw new SluiceError('CLOSED', 'this consumer left its group')
    const own = this.#own
    if (own !== null && own.node === node) {
      const c = await own.connection.catch(() => null)
      if (c !== null && !c.isClosed) return c
    }
    if (own !== null) void own.connection.then((c) => this.#cluster.closeDedicated(c), () => undefined)
    const connection = this.#cluster.openDedicated(node)
    this.#own = { node, connection }
    return connection
  }

  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult> {
    const rebalanceTimeoutMs = request.rebalanceTimeoutMs ?? request.sessionTimeoutMs
    this.#rebalanceTimeoutMs = rebalanceTimeoutMs
    try {
      const { response: r } = await this.#groups.toCoordinator<JoinGroupResponse>(request.groupId, ApiKey.JoinGroup, (v) => ({
        groupId: request.groupId, sessionTimeoutMs: request.sessionTimeoutMs, rebalanceTimeoutMs, memberId: request.memberId,
        groupInstanceId: v >= 5 ? (request.groupInstanceId ?? null) : null, protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })), reason: null,
      }), (res) => res.errorCode, { via: this.#via, timeoutMs: rebalanceTimeoutMs + this.#cluster.requestTimeoutMs })
      return {
        ...(r.errorCode !== 0 && { errorCode: errorCodeName(r.errorCode) }),
        generationId: r.generationId, protocolType: r.protocolType, protocolName: r.protocolName, leader: r.leader, memberId: r.memberId,
        members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
      }
    } catch (error) {
      return { errorCode: unreachable(error), generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: request.memberId, members: [] }
    }
  }

  async syncGroup(request: SyncGroupRequest): Promise<SyncGroupResult> {
    try {
      const { response: r } = await this.#groups.toCoordinator<SyncGroupResponse>(request.groupId, ApiKey.SyncGroup, (v) => ({
        groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
        groupInstanceId: v >= 3 ? (request.groupInstanceId ?? null) : null,
        protocolType: v >= 5 ? (request.protocolType ?? null) : null, protocolName: v >= 5 ? (request.protocolName ?? null) : null,
        assignments: (request.assignments ?? []).map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      }), (res) => res.errorCode, { via: this.#via, timeoutMs: this.#rebalanceTimeoutMs + this.#cluster.requestTimeoutMs })
      return { ...(r.errorCode !== 0 && { errorCode: errorCodeName(r.errorCode) }), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment }
    } catch (error) {
      return { errorCode: unreachable(error), protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }
    }
  }

  async heartbeat(request: MemberIdentity): Promise<{ errorCode?: ErrorCode }> {
    try {
      const { response } = await this.#groups.toCoordinator<HeartbeatResponse>(request.groupId, ApiKey.Heartbeat, (v) => ({
        groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
        groupInstanceId: v >= 3 ? (request.groupInstanceId ?? null) : null,
      }), (r) => r.errorCode)
      return response.errorCode === 0 ? {} : { errorCode: errorCodeName(response.errorCode) }
    } catch (error) {
      return { errorCode: unreachable(error) }
    }
  }

  async leaveGroup(request: LeaveGroupRequest): Promise<LeaveGroupResult> {
    const { version, response } = await this.#groups.toCoordinator<LeaveGroupResponse>(request.groupId, ApiKey.LeaveGroup, (v) => (v >= 3
      ? { groupId: request.groupId, memberId: '', members: request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, reason: null })) }
      : { groupId: request.groupId, memberId: request.members[0]?.memberId ?? '', members: [] }),
    (r) => r.errorCode)
    const code = (c: number): { errorCode?: ErrorCode } => (c === 0 ? {} : { errorCode: errorCodeName(c) })
    if (version < 3) {
      return { ...code(0), members: request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, ...code(response.errorCode) })) }
    }
    return { ...code(response.errorCode), members: response.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, ...code(m.errorCode) })) }
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<PartitionResult[]> {
    try {
      return await this.#groups.commitOffsets(request)
    } catch (error) {
      const errorCode = unreachable(error)
      return request.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }))
    }
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartition[] | null): Promise<OffsetFetchResult> {
    try {
      return await this.#groups.fetchOffsets(groupId, partitions ?? null)
    } catch (error) {
      return { errorCode: unreachable(error), offsets: [] }
    }
  }

  close(): void {
    this.#closed = true
    const own = this.#own
    this.#own = null
    if (own !== null) void own.connection.then((c) => this.#cluster.closeDedicated(c), () => undefined)
  }
}

/** The error code a member's loop sees for a coordinator it could not reach (a bug still throws). */
function unreachable(error: unknown): ErrorCode {
  if (!isSluiceError(error)) throw error
  // A refusal that is not about reaching the coordinator (UNSUPPORTED_VERSION) is the member's to report as it is.
  return error.retriable || error.code === 'CLOSED' ? 'COORDINATOR_NOT_AVAILABLE' : error.code
}

function firstPartitionCode(response: OffsetCommitResponse): number {
  for (const t of response.topics) for (const p of t.partitions) if (COORDINATOR_CODES.has(p.errorCode)) return p.errorCode
  return 0
}

function groupByTopic(partitions: readonly TopicPartition[]): Array<[string, number[]]> {
  const byTopic = new Map<string, number[]>()
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
  return [...byTopic]
}

/**
 * A group state as Sluice names it. KIP-848 groups report 'Assigning'/'Reconciling' (an assignment
 * under way, as CompletingRebalance) and an unknown group may be 'Unknown' or '' (as Dead).
 */
function groupState(state: string): GroupState {
  if (STATES.has(state)) return state as GroupState
  if (state === 'Assigning' || state === 'Reconciling') return 'CompletingRebalance'
  return 'Dead'
}
