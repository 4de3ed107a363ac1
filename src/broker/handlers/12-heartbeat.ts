// Heartbeat (key 12), v0-4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
// rejoin, UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / FENCED_INSTANCE_ID that it is out of the group.
// Versions: v1 added throttleTimeMs; v2 nothing new on the wire; v3 groupInstanceId; v4 flexible.
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The Heartbeat handler. */
export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  handle(context, request, version) {
    const { errorCode } = context.coordinator.groups.heartbeat({
      groupId: request.groupId, memberId: request.memberId, generationId: request.generationId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
    })
    return { throttleTimeMs: 0, errorCode: errorCode === undefined ? 0 : errorCodeOf(errorCode) }
  },
}
