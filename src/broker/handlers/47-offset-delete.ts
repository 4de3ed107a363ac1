// OffsetDelete (key 47), v0: forgets a group's committed offsets for partitions it does not consume
// now (KIP-496). Outcomes: top-level GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (a non-consumer group with
// members), COORDINATOR_NOT_AVAILABLE; per partition GROUP_SUBSCRIBED_TO_TOPIC (a member still
// subscribes to the topic) and UNKNOWN_TOPIC_OR_PARTITION (no such partition, as Kafka checks
// before asking the group coordinator). v0 is the only version.
import type { TopicPartition } from '../../coordinator/groups/types.ts'
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The OffsetDelete handler. */
export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  async handle(context, request) {
    const registry = context.coordinator.topics
    const exists = (topic: string, partition: number): boolean => registry.has(topic) && partition >= 0 && partition < registry.partitionCount(topic)
    const known: TopicPartition[] = request.topics.flatMap((t) => t.partitions
      .filter((p) => exists(t.name, p.partitionIndex)).map((p) => ({ topic: t.name, partition: p.partitionIndex })))
    const result = await context.coordinator.groups.deleteOffsets(request.groupId, known)
    if (result.errorCode !== undefined) return { errorCode: errorCodeOf(result.errorCode), throttleTimeMs: 0, topics: [] }
    const codes = new Map(result.partitions.map((r) => [`${r.partition}:${r.topic}`, r.errorCode === undefined ? 0 : errorCodeOf(r.errorCode)]))
    const unknown = errorCodeOf('UNKNOWN_TOPIC_OR_PARTITION')
    return {
      errorCode: 0, throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(`${p.partitionIndex}:${t.name}`) ?? unknown })),
      })),
    }
  },
}
