// CreatePartitions (key 37), v0-3: raises topics' partition counts, one result per topic in request
// order. Versions: v1 nothing new on the wire; v2 flexible; v3 may answer THROTTLING_QUOTA_EXCEEDED
// (never here: no quotas). Outcomes: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (the count
// must grow, up to the registry's limit), INVALID_REPLICA_ASSIGNMENT (assignments must name one
// entry per new partition, each on this node alone), INVALID_REQUEST (a topic twice, or an
// internal topic). validateOnly checks all of that and changes nothing; timeoutMs is ignored.
import { PARTITIONS_MAX } from '../../coordinator/topics/topic-registry.ts'
import type { CreatePartitionsRequest, CreatePartitionsRequestTopic, CreatePartitionsResponse } from '../../protocol/messages/index.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'
import { failure, OK, outcomeOf, type Outcome } from './error-outcome.ts'

/** The CreatePartitions handler. */
export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  async handle(context, request) {
    const counts = new Map<string, number>()
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1)
    const results: CreatePartitionsResponse['results'] = []
    for (const topic of request.topics) {
      const outcome = counts.get(topic.name)! > 1
        ? failure('INVALID_REQUEST', `topic '${topic.name}' appears more than once in the request`)
        : await grow(context, topic, request.validateOnly)
      results.push({ name: topic.name, ...outcome })
    }
    return { throttleTimeMs: 0, results }
  },
}

async function grow(context: RequestContext, topic: CreatePartitionsRequestTopic, validateOnly: boolean): Promise<Outcome> {
  const registry = context.coordinator.topics
  if (!registry.has(topic.name)) return failure('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic: '${topic.name}'`)
  const current = registry.partitionCount(topic.name)
  if (topic.assignments !== null) {
    const node = context.broker.nodeId
    if (topic.assignments.length !== topic.count - current) {
      return failure('INVALID_REPLICA_ASSIGNMENT', `increasing the partition count by ${topic.count - current} needs that many assignments, got ${topic.assignments.length}`)
    }
    if (topic.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== node)) {
      return failure('INVALID_REPLICA_ASSIGNMENT', `every new partition must be assigned to broker ${node} alone: this cluster has one broker`)
    }
  }
  if (validateOnly) {
    // The registry's own checks, without the change.
    if (registry.isInternal(topic.name)) return failure('INVALID_REQUEST', `topic '${topic.name}' is internal to Sluice: its partition count is fixed`)
    if (topic.count <= current) return failure('INVALID_PARTITIONS', `topic '${topic.name}' has ${current} partitions; the new count must be larger, got ${topic.count}`)
    if (topic.count > PARTITIONS_MAX) return failure('INVALID_PARTITIONS', `partition count must be between 1 and ${PARTITIONS_MAX}, got ${topic.count}`)
    return OK
  }
  try {
    await registry.createPartitions(topic.name, topic.count)
    return OK
  } catch (error) {
    return outcomeOf(error)
  }
}
