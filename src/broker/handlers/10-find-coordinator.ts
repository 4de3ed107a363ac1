// FindCoordinator (key 10), v0-6: which node coordinates a group (always this one). Versions: v1
// added keyType, throttleTimeMs and errorMessage; v2 nothing new on the wire; v3 flexible; v4 asks
// for many keys at once (coordinatorKeys) and answers one entry per key; v5 may answer
// TRANSACTION_ABORTABLE; v6 adds the share-group key type (2). Key types: group (0) → this node;
// transaction (1) → COORDINATOR_NOT_AVAILABLE until transactions exist (clients retry it); any
// other → INVALID_REQUEST. The node's host and port are the advertised ones.
import type { FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from '../../protocol/messages/index.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'
import { failure, OK, type Outcome } from './error-outcome.ts'

/** Kafka's coordinator key types. */
export const CoordinatorType = { GROUP: 0, TRANSACTION: 1, SHARE: 2 } as const

/** The FindCoordinator handler. */
export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  handle(context, request, version) {
    const keyType = version >= 1 ? request.keyType : CoordinatorType.GROUP
    if (version >= 4) {
      return {
        // The v0-3 single-key fields keep their defaults: the encoder refuses anything else.
        throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0,
        coordinators: request.coordinatorKeys.map((key) => find(context, key, keyType)),
      }
    }
    const found = find(context, request.key, keyType)
    return {
      throttleTimeMs: 0, errorCode: found.errorCode, errorMessage: found.errorMessage,
      nodeId: found.nodeId, host: found.host, port: found.port, coordinators: [],
    }
  },
}

function find(context: RequestContext, key: string, keyType: number): FindCoordinatorResponseCoordinator {
  const outcome: Outcome = keyType === CoordinatorType.GROUP
    ? OK
    : keyType === CoordinatorType.TRANSACTION
      ? failure('COORDINATOR_NOT_AVAILABLE', 'transactions are not supported yet')
      : failure('INVALID_REQUEST', `unsupported coordinator key type ${keyType}`)
  if (outcome.errorCode !== 0) return { key, nodeId: -1, host: '', port: -1, ...outcome }
  const { broker } = context
  return { key, nodeId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, ...outcome }
}
