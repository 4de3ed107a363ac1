// LeaveGroup (key 13), v0-5: members leave a group, which rebalances without them. Versions: v1
// added throttleTimeMs; v2 nothing new on the wire; v3 a batch of members, by member id or (admin
// removal of a static member) by group instance id with memberId '', each with its own error
// (KIP-345); v4 flexible; v5 a reason per member (ignored here). Before v3 one memberId leaves and
// its outcome is the top-level error code.
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The LeaveGroup handler. */
export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  handle(context, request, version) {
    const members = version >= 3
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: request.memberId, groupInstanceId: null }]
    const result = context.coordinator.groups.leaveGroup({ groupId: request.groupId, members })
    const code = (name: string | undefined): number => (name === undefined ? 0 : errorCodeOf(name))
    if (version < 3) {
      return { throttleTimeMs: 0, errorCode: code(result.errorCode ?? result.members[0]?.errorCode), members: [] }
    }
    return {
      throttleTimeMs: 0,
      errorCode: code(result.errorCode),
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: code(m.errorCode) })),
    }
  },
}
