// OffsetForLeaderEpoch (key 23), v0-4: the end offset of a leader epoch, which consumers use to
// detect log truncation after a leader change. This broker is the only replica and its leader epoch
// never changes from 0, so every epoch ends at the log end offset: a consumer's position is never
// past it, and no truncation is ever reported. Versions: v1 added leaderEpoch to the answer, v2
// currentLeaderEpoch (a value above 0 is newer than ours: UNKNOWN_LEADER_EPOCH) and throttleTimeMs,
// v3 replicaId, v4 flexible.
import type {
  OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, OffsetForLeaderEpochResponseEpochEndOffset,
  OffsetForLeaderEpochResponseOffsetForLeaderTopicResult,
} from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { errorCodeFrom, type ApiHandler } from '../handler.ts'

/** The OffsetForLeaderEpoch handler. */
export const offsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  handle(context, request) {
    const topics: OffsetForLeaderEpochResponseOffsetForLeaderTopicResult[] = []
    for (const topic of request.topics) {
      const partitions: OffsetForLeaderEpochResponseEpochEndOffset[] = []
      topics.push({ topic: topic.topic, partitions })
      for (const wanted of topic.partitions) {
        const answer: OffsetForLeaderEpochResponseEpochEndOffset = { errorCode: 0, partition: wanted.partition, leaderEpoch: -1, endOffset: -1 }
        partitions.push(answer)
        if (wanted.currentLeaderEpoch > 0) {
          answer.errorCode = errorCodeOf('UNKNOWN_LEADER_EPOCH')
          continue
        }
        try {
          answer.endOffset = context.coordinator.partition(topic.topic, wanted.partition).logEndOffset
          answer.leaderEpoch = 0
        } catch (error) {
          answer.errorCode = errorCodeFrom(error)
        }
      }
    }
    return { throttleTimeMs: 0, topics }
  },
}
