// ListOffsets (key 2), v0-10: an offset per partition for a timestamp — -2 earliest (log start
// offset), -1 latest (the high watermark; with no transactions the last stable offset is the same,
// so isolationLevel changes nothing), -3 the record with the largest timestamp (KIP-734, v7+),
// -4 earliest local (v8+, KIP-405: the log start offset, there is no remote tier), -5 earliest
// pending upload (v9+: nothing is ever pending upload here, so no offset), or else the first record
// whose timestamp is at or after the one given. Versions: v0 answers a list of old-style offsets
// (at most maxNumOffsets of them); v1 one offset and its timestamp; v2 isolationLevel; v4 leader
// epochs; v6 flexible; v10 timeoutMs. The lookup is coordinator.listOffsets (coordinator/list-offsets.ts).
import type {
  ListOffsetsRequest, ListOffsetsRequestPartition, ListOffsetsResponse, ListOffsetsResponsePartitionResponse,
  ListOffsetsResponseTopicResponse,
} from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import type { OffsetSpec } from '../../coordinator/list-offsets.ts'
import { errorCodeFrom, type ApiHandler, type RequestContext } from '../handler.ts'

const EARLIEST_LOCAL = -4
const EARLIEST_PENDING_UPLOAD = -5

/** The ListOffsets handler. */
export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 10,
  async handle(context, request, version) {
    const topics: ListOffsetsResponseTopicResponse[] = []
    const lookups: Promise<void>[] = []
    for (const topic of request.topics) {
      const partitions: ListOffsetsResponsePartitionResponse[] = []
      topics.push({ name: topic.name, partitions })
      for (const partition of topic.partitions) {
        const response: ListOffsetsResponsePartitionResponse = {
          partitionIndex: partition.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1,
        }
        partitions.push(response)
        lookups.push(lookup(context, topic.name, partition, version, response))
      }
    }
    await Promise.all(lookups)
    return { throttleTimeMs: 0, topics }
  },
}

async function lookup(context: RequestContext, topic: string, partition: ListOffsetsRequestPartition, version: number, response: ListOffsetsResponsePartitionResponse): Promise<void> {
  if (partition.currentLeaderEpoch > 0) {
    response.errorCode = errorCodeOf('UNKNOWN_LEADER_EPOCH')
    return
  }
  const timestamp = partition.timestamp
  if (timestamp === EARLIEST_PENDING_UPLOAD) return
  const spec: OffsetSpec = timestamp === EARLIEST_LOCAL ? 'earliest' : { timestamp }
  try {
    const found = await context.coordinator.listOffsets(topic, partition.partitionIndex, spec)
    if (found.offset < 0) return
    // Each version carries only its own fields: the codec refuses a non-default value it cannot write.
    if (version === 0) {
      if (partition.maxNumOffsets > 0) response.oldStyleOffsets = [found.offset]
      return
    }
    response.offset = found.offset
    response.timestamp = found.timestamp
    if (version >= 4) response.leaderEpoch = 0
  } catch (error) {
    response.errorCode = errorCodeFrom(error)
  }
}
