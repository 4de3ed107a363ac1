// DeleteGroups (key 42), v0-2: removes Empty groups and their committed offsets, one result per
// group. Versions: v1 nothing new on the wire; v2 flexible. Outcomes: GROUP_ID_NOT_FOUND,
// NON_EMPTY_GROUP (members remain), COORDINATOR_NOT_AVAILABLE (offsets could not be tombstoned).
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The DeleteGroups handler. */
export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request) {
    const results = await context.coordinator.groups.deleteGroups(request.groupsNames)
    return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode === undefined ? 0 : errorCodeOf(r.errorCode) })) }
  },
}
