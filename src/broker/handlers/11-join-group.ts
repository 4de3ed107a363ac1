// JoinGroup (key 11), v0-9: enters a member into a group (or rejoins it for the next generation)
// and answers when the join phase of the rebalance completes, so the promise may stay pending for
// up to the rebalance timeout; the connection layer keeps answers in order. Versions: v1 added
// rebalanceTimeoutMs (v0 uses the session timeout for both); v2 throttleTimeMs; v3 nothing new on
// the wire; v4 a new member first gets MEMBER_ID_REQUIRED with its id and rejoins with it
// (KIP-394); v5 groupInstanceId (static membership, KIP-345); v6 flexible; v7 protocolType in the
// answer and a nullable protocolName; v8 a reason (logged by Kafka, ignored here); v9
// skipAssignment (always false: the leader assigns). The group state machine is
// coordinator/groups/group-coordinator.ts; this maps the wire to it and back.
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The JoinGroup handler. */
export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  async handle(context, request, version) {
    const result = await context.coordinator.groups.joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: version >= 5 ? request.groupInstanceId : null,
      clientId: context.clientId ?? '',
      clientHost: context.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: version >= 4,
    })
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode === undefined ? 0 : errorCodeOf(result.errorCode),
      generationId: result.generationId,
      protocolType: result.protocolType,
      // Before v7 the name is not nullable: an error answer carries ''.
      protocolName: version >= 7 ? result.protocolName : result.protocolName ?? '',
      leader: result.leader,
      skipAssignment: false,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    }
  },
}
