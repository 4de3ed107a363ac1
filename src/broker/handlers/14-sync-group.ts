// SyncGroup (key 14), v0-5: the leader hands in every member's assignment and each member receives
// its own; the answer waits until the leader's assignment arrived (the connection layer keeps
// answers in order). Versions: v1 added throttleTimeMs; v2 nothing new on the wire; v3
// groupInstanceId; v4 flexible; v5 protocolType and protocolName in both directions (a mismatch
// with the group's is INCONSISTENT_GROUP_PROTOCOL). The state machine is
// coordinator/groups/group-coordinator.ts.
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The SyncGroup handler. */
export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(context, request, version) {
    const result = await context.coordinator.groups.syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      protocolType: version >= 5 ? request.protocolType : null,
      protocolName: version >= 5 ? request.protocolName : null,
      assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    })
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode === undefined ? 0 : errorCodeOf(result.errorCode),
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    }
  },
}
