// OffsetFetch (key 9), v0-9: a group's committed offsets (-1 with metadata '' where none is).
// Versions: v1 reads offsets kept by the broker rather than ZooKeeper (the same here); v2 added a
// top-level errorCode and `topics: null` for every committed partition; v3 throttleTimeMs; v4
// nothing new on the wire; v5 committedLeaderEpoch; v6 flexible; v7 requireStable (there are no
// pending transactional offsets, so every offset is stable); v8 asks for many groups at once, each
// answered with its own error; v9 KIP-848 member id and epoch (not checked for classic groups).
// A group-level error (the coordinator closing) is the top-level code from v2, and each
// partition's code in v0-v1, which have no top-level field.
import type { TopicPartition } from '../../coordinator/groups/types.ts'
import type { OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponsePartition } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'

type Topics = Array<{ name: string; partitionIndexes: number[] }> | null

interface GroupOffsets {
  errorCode: number
  topics: Array<{ name: string; partitions: OffsetFetchResponsePartition[] }>
}

/** The OffsetFetch handler. */
export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 9,
  handle(context, request, version) {
    if (version >= 8) {
      return {
        throttleTimeMs: 0, topics: [], errorCode: 0,
        groups: request.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(context, g.groupId, g.topics) })),
      }
    }
    const group = fetchGroup(context, request.groupId, request.topics)
    if (version >= 2) return { throttleTimeMs: 0, topics: group.topics, errorCode: group.errorCode, groups: [] }
    // v0-1: no top-level code; a group-level error goes to every partition asked for.
    const topics = group.errorCode === 0 ? group.topics : (request.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: group.errorCode })),
    }))
    return { throttleTimeMs: 0, topics, errorCode: 0, groups: [] }
  },
}

function fetchGroup(context: RequestContext, groupId: string, topics: Topics): GroupOffsets {
  const partitions: TopicPartition[] | null = topics === null ? null : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })))
  const result = context.coordinator.groups.fetchOffsets(groupId, partitions)
  if (result.errorCode !== undefined) return { errorCode: errorCodeOf(result.errorCode), topics: [] }
  // Group by topic, keeping first-seen order (the request's, or the store's for "all").
  const byTopic = new Map<string, OffsetFetchResponsePartition[]>()
  for (const o of result.offsets) {
    let list = byTopic.get(o.topic)
    if (list === undefined) byTopic.set(o.topic, (list = []))
    list.push({
      partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata,
      errorCode: o.errorCode === undefined ? 0 : errorCodeOf(o.errorCode),
    })
  }
  return { errorCode: 0, topics: [...byTopic].map(([name, list]) => ({ name, partitions: list })) }
}
