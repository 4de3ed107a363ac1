// OffsetCommit (key 8), v0-9: stores a group's committed offsets in __consumer_offsets, one error
// per partition. Versions: v0 has no generation or member (a "simple" commit, as generation -1);
// v1 added generationId, memberId and a per-partition commitTimestamp; v2 replaced that timestamp
// with a request-wide retentionTimeMs (v2-v4); v3 throttleTimeMs; v5 dropped retentionTimeMs; v6
// committedLeaderEpoch; v7 groupInstanceId; v8 flexible; v9 KIP-848 member epochs (classic groups
// still pass their generation there). The v1 commit timestamp and the v2-v4 retention time are
// ignored: offsets expire by offsets.retention.ms after the group became Empty (KIP-211), the
// rule Kafka applies since 2.1. Checks (generation, member, partition exists, metadata size) are
// the group coordinator's (coordinator/groups/group-offsets.ts).
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { ApiHandler } from '../handler.ts'

/** The OffsetCommit handler. */
export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  async handle(context, request, version) {
    const offsets = request.topics.flatMap((t) => t.partitions.map((p) => ({
      topic: t.name, partition: p.partitionIndex, offset: p.committedOffset,
      leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata,
    })))
    const results = await context.coordinator.groups.commitOffsets({
      groupId: request.groupId,
      generationId: version >= 1 ? request.generationIdOrMemberEpoch : -1,
      memberId: version >= 1 ? request.memberId : '',
      groupInstanceId: version >= 7 ? request.groupInstanceId : null,
      offsets,
    })
    // Results come back in the order of `offsets`, which is the request's order.
    let i = 0
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const result = results[i++]!
          return { partitionIndex: p.partitionIndex, errorCode: result.errorCode === undefined ? 0 : errorCodeOf(result.errorCode) }
        }),
      })),
    }
  },
}
