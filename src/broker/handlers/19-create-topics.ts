// CreateTopics (key 19), v0-7: creates topics in the registry, one result per topic, in request
// order. Versions: v1 added validateOnly and errorMessage; v2 throttleTimeMs; v3 nothing new; v4
// lets numPartitions / replicationFactor be -1 (broker defaults); v5 (flexible) returns the created
// topic's partition count, replication factor and configs (KIP-525); v6 may answer
// THROTTLING_QUOTA_EXCEEDED (never here: there are no quotas); v7 returns the topic id.
// Outcomes, as Kafka: TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS,
// INVALID_REPLICATION_FACTOR (this single node keeps one replica), INVALID_CONFIG, INVALID_REQUEST
// (a name twice in one request, or an assignment given together with a count),
// INVALID_REPLICA_ASSIGNMENT (a replica other than this node). There is no create-topic policy, so
// POLICY_VIOLATION is never answered. timeoutMs is ignored: creation completes before the answer.
import type { TopicConfigInput } from '../../coordinator/topics/topic-config.ts'
import { describeTopicConfig, validateTopicConfig } from '../../coordinator/topics/topic-config.ts'
import type {
  CreateTopicsRequest, CreateTopicsRequestCreatableTopic, CreateTopicsResponse, CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'
import { wireTopicId } from '../topic-ids.ts'
import { failure, outcomeOf, type Outcome } from './error-outcome.ts'
import { topicConfigEntries, wireConfigEntries, type WireConfigEntry } from './topic-config-entries.ts'

/** The CreateTopics handler. */
export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  async handle(context, request, version) {
    const counts = new Map<string, number>()
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1)
    const topics: CreateTopicsResponseCreatableTopicResult[] = []
    // One at a time: the registry serializes changes anyway, and results keep the request's order.
    for (const topic of request.topics) {
      if (counts.get(topic.name)! > 1) {
        topics.push(result(topic.name, failure('INVALID_REQUEST', `topic '${topic.name}' appears more than once in the request`)))
        continue
      }
      topics.push(await create(context, topic, request.validateOnly && version >= 1, version))
    }
    return { throttleTimeMs: 0, topics }
  },
}

async function create(context: RequestContext, topic: CreateTopicsRequestCreatableTopic, validateOnly: boolean, version: number): Promise<CreateTopicsResponseCreatableTopicResult> {
  const registry = context.coordinator.topics
  let partitions = topic.numPartitions
  let replicationFactor = topic.replicationFactor
  if (topic.assignments.length > 0) {
    if (partitions !== -1 || replicationFactor !== -1) {
      return result(topic.name, failure('INVALID_REQUEST', 'both numPartitions or replicationFactor and replica assignments were set'))
    }
    const invalid = assignmentProblem(topic, context.broker.nodeId)
    if (invalid !== null) return result(topic.name, failure('INVALID_REPLICA_ASSIGNMENT', invalid))
    partitions = topic.assignments.length
    replicationFactor = 1
  }
  const config: Record<string, TopicConfigInput> = {}
  for (const { name, value } of topic.configs) {
    if (value === null) return result(topic.name, failure('INVALID_CONFIG', `null value not supported for topic config '${name}'`))
    config[name] = value
  }
  try {
    const listing = await registry.create(topic.name, { partitions, replicationFactor, config, validateOnly })
    if (version < 5) return result(topic.name, { errorCode: 0, errorMessage: null })
    // A validate-only answer shows what the topic would get: the request's configs over the broker's defaults.
    const configs = validateOnly
      ? wireConfigEntries(describeTopicConfig(validateTopicConfig(config, { allowSmallSegments: true }), registry.brokerDefaults), { brokerDefaults: registry.brokerDefaults })
      : topicConfigEntries(registry, topic.name)
    return {
      ...result(topic.name, { errorCode: 0, errorMessage: null }),
      topicId: validateOnly ? ZERO_UUID : wireTopicId(listing.topicId), numPartitions: listing.partitions, replicationFactor: 1,
      configs: configs.map(toCreatedConfig),
    }
  } catch (error) {
    return result(topic.name, outcomeOf(error))
  }
}

/** Why a manual assignment cannot be honoured, or null: partitions 0..n-1, each on this node alone. */
function assignmentProblem(topic: CreateTopicsRequestCreatableTopic, nodeId: number): string | null {
  const indexes = topic.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b)
  if (indexes.some((index, i) => index !== i)) return `partition indexes must be consecutive from 0, got ${indexes.join(', ')}`
  const bad = topic.assignments.find((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId)
  if (bad !== undefined) return `partition ${bad.partitionIndex} is assigned to brokers [${bad.brokerIds.join(', ')}]; this single-node cluster has only broker ${nodeId}`
  return null
}

function result(name: string, outcome: Outcome): CreateTopicsResponseCreatableTopicResult {
  return {
    name, topicId: ZERO_UUID, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage,
    topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null,
  }
}

function toCreatedConfig(entry: WireConfigEntry): { name: string; value: string; readOnly: boolean; configSource: number; isSensitive: boolean } {
  return { name: entry.name, value: entry.value, readOnly: false, configSource: entry.configSource, isSensitive: false }
}
