// Metadata (key 3), v0-12: this broker, the cluster id, and the topics asked for (all of them for a
// null list, or an empty one in v0), each partition led by this node with replicas = isr = [node]
// and leader epoch 0 (an offline partition: LEADER_NOT_AVAILABLE, leader -1, offlineReplicas [node]). Versions: v1 added controllerId, isInternal, rack and null = all topics; v2
// clusterId; v4 allowAutoTopicCreation; v5 offlineReplicas; v7 leaderEpoch; v8 authorized
// operations (answered "not provided": there are no ACLs yet); v9 flexible; v10 topic ids (stable
// UUIDs from the registry, sent in Kafka's base64url form), v12 lookups by id only.
// Auto-creation: an unknown topic is created with the broker's defaults when the broker allows it
// (Kafka's auto.create.topics.enable) and the request does (v4+; earlier versions always ask);
// otherwise UNKNOWN_TOPIC_OR_PARTITION. A bad name answers INVALID_TOPIC_EXCEPTION.
import { isSluiceError } from '../../base/errors.ts'
import type { MetadataRequest, MetadataResponse, MetadataResponsePartition, MetadataResponseTopic } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import { errorCodeFrom, type ApiHandler, type RequestContext } from '../handler.ts'
import { topicNameById, wireTopicId } from '../topic-ids.ts'

/** Kafka's "authorized operations not requested/provided" value. */
const OPERATIONS_UNKNOWN = -2147483648

/** The Metadata handler. */
export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  async handle(context, request, version) {
    const registry = context.coordinator.topics
    const node = context.broker.nodeId
    const topics: MetadataResponseTopic[] = []
    const isAll = request.topics === null || (version === 0 && request.topics.length === 0)
    if (isAll) {
      for (const listing of registry.list({ includeInternal: true })) topics.push(describe(context, listing.name))
    } else {
      const mayCreate = context.broker.autoCreateTopics && request.allowAutoTopicCreation
      for (const wanted of request.topics!) {
        if (wanted.name === null) {
          const name = topicNameById(registry, wanted.topicId)
          topics.push(name !== null ? describe(context, name) : unknownTopic(null, wanted.topicId, errorCodeOf('UNKNOWN_TOPIC_ID')))
          continue
        }
        const errorCode = registry.has(wanted.name) ? 0 : mayCreate ? await create(context, wanted.name) : errorCodeOf('UNKNOWN_TOPIC_OR_PARTITION')
        topics.push(errorCode === 0 ? describe(context, wanted.name) : unknownTopic(wanted.name, ZERO_UUID, errorCode))
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: node, host: context.broker.advertisedHost, port: context.broker.advertisedPort, rack: null }],
      clusterId: context.broker.clusterId, controllerId: node, topics, clusterAuthorizedOperations: OPERATIONS_UNKNOWN,
    }
  },
}

// Creates a topic with the broker's defaults; 0, or the error code to answer.
async function create(context: RequestContext, name: string): Promise<number> {
  try {
    await context.coordinator.topics.create(name)
    return 0
  } catch (error) {
    // Created by a concurrent request in the meantime: exactly what was asked.
    if (isSluiceError(error, 'TOPIC_ALREADY_EXISTS')) return 0
    return errorCodeFrom(error)
  }
}

function describe(context: RequestContext, name: string): MetadataResponseTopic {
  const registry = context.coordinator.topics
  const node = context.broker.nodeId
  const count = registry.partitionCount(name)
  const partitions: MetadataResponsePartition[] = []
  for (let p = 0; p < count; p++) {
    if (isOffline(context, name, p)) {
      // Its only replica's log is offline (a storage error): no leader, as Kafka reports a
      // partition whose log dir failed, so clients stop sending there and retry later.
      partitions.push({ errorCode: LEADER_NOT_AVAILABLE, partitionIndex: p, leaderId: -1, leaderEpoch: 0, replicaNodes: [node], isrNodes: [], offlineReplicas: [node] })
      continue
    }
    partitions.push({ errorCode: 0, partitionIndex: p, leaderId: node, leaderEpoch: 0, replicaNodes: [node], isrNodes: [node], offlineReplicas: [] })
  }
  return {
    errorCode: 0, name, topicId: wireTopicId(registry.topicId(name)), isInternal: registry.isInternal(name),
    partitions, topicAuthorizedOperations: OPERATIONS_UNKNOWN,
  }
}

const LEADER_NOT_AVAILABLE = errorCodeOf('LEADER_NOT_AVAILABLE')

function isOffline(context: RequestContext, topic: string, partition: number): boolean {
  try {
    // Offline since it opened (the registry throws), or since a storage error while serving.
    return context.coordinator.partition(topic, partition).isOffline
  } catch (error) {
    // A topic being created is listed before its logs are open: its partitions have no leader
    // yet, which is what Kafka answers for partitions still being created.
    if (isSluiceError(error, 'KAFKA_STORAGE_ERROR') || isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return true
    throw error
  }
}

function unknownTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_UNKNOWN }
}
