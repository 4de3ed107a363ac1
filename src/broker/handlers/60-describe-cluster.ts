// DescribeCluster (key 60), v0-1: the cluster id and its one node, which is also the controller.
// Versions: v0 is flexible from the start; v1 added endpointType (1 brokers, 2 controllers): this
// single node plays both roles, so either answers it. Another endpoint type is
// UNSUPPORTED_ENDPOINT_TYPE. Authorized operations are "not provided" (-2147483648) unless asked
// for; with no ACLs every cluster operation is allowed, as Kafka answers without an authorizer.
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** Kafka's "authorized operations not requested/provided" value. */
export const OPERATIONS_UNKNOWN = -2147483648
/** Cluster operations Kafka reports without an authorizer (AclOperation codes): CREATE 5, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12, ALTER 7, DESCRIBE 8. */
const CLUSTER_OPERATIONS = [5, 9, 10, 11, 12, 7, 8].reduce((bits, op) => bits | (1 << op), 0)

/** The DescribeCluster handler. */
export const describeClusterHandler: ApiHandler<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  handle(context, request, version) {
    const { broker } = context
    const endpointType = version >= 1 ? request.endpointType : 1
    const base = { throttleTimeMs: 0, endpointType, clusterId: broker.clusterId }
    if (endpointType !== 1 && endpointType !== 2) {
      return {
        ...base, errorCode: errorCodeOf('UNSUPPORTED_ENDPOINT_TYPE'), errorMessage: `unknown endpoint type ${endpointType}`,
        controllerId: -1, brokers: [], clusterAuthorizedOperations: OPERATIONS_UNKNOWN,
      }
    }
    return {
      ...base, errorCode: 0, errorMessage: null, controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_UNKNOWN,
    }
  },
}
