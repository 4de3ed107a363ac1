// ListGroups (key 16), v0-5: every group this coordinator knows, with its protocol type. Versions:
// v1 added throttleTimeMs; v2 nothing new on the wire; v3 flexible; v4 statesFilter and each
// group's state (KIP-518; states match case-insensitively, an empty filter matches all); v5
// typesFilter and each group's type (KIP-848: every group here is "classic", so a filter without
// it matches nothing).
import type { GroupState } from '../../coordinator/groups/types.ts'
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/index.ts'
import type { ApiHandler } from '../handler.ts'

const STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']

/** The ListGroups handler. */
export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(context, request, version) {
    const statesFilter = version >= 4 ? request.statesFilter.map((s) => s.toLowerCase()) : []
    const typesFilter = version >= 5 ? request.typesFilter.map((t) => t.toLowerCase()) : []
    if (typesFilter.length > 0 && !typesFilter.includes('classic')) return { throttleTimeMs: 0, errorCode: 0, groups: [] }
    // An unknown state name matches no group, so a filter made only of those lists nothing.
    const states = STATES.filter((s) => statesFilter.includes(s.toLowerCase()))
    if (statesFilter.length > 0 && states.length === 0) return { throttleTimeMs: 0, errorCode: 0, groups: [] }
    const listings = context.coordinator.groups.listGroups({ states })
    return {
      throttleTimeMs: 0, errorCode: 0,
      groups: listings.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.groupState, groupType: 'classic' })),
    }
  },
}
