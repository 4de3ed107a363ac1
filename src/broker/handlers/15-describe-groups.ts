// DescribeGroups (key 15), v0-5: each group's state, protocol and members (member metadata and
// assignments only while Stable, as Kafka); an unknown group is answered as Dead with no members
// and no error, as Kafka's classic coordinator does. Versions: v1 added throttleTimeMs; v2 nothing
// new on the wire; v3 includeAuthorizedOperations and authorizedOperations (-2147483648 when not
// asked; with no ACLs, every group operation when asked, as Kafka without an authorizer); v4
// groupInstanceId of each member; v5 flexible.
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'
import { OPERATIONS_UNKNOWN } from './60-describe-cluster.ts'

/** Group operations Kafka reports without an authorizer (AclOperation codes): READ 3, DELETE 6, DESCRIBE 8. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8)

/** The DescribeGroups handler. */
export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(context, request, version) {
    const operations = version >= 3 && request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_UNKNOWN
    return {
      throttleTimeMs: 0,
      groups: context.coordinator.groups.describeGroups(request.groups).map((g) => ({
        errorCode: g.errorCode === undefined ? 0 : errorCodeOf(g.errorCode),
        groupId: g.groupId, groupState: g.groupState, protocolType: g.protocolType, protocolData: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
          memberMetadata: m.memberMetadata, memberAssignment: m.memberAssignment,
        })),
        authorizedOperations: operations,
      })),
    }
  },
}
