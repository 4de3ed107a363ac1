// DeleteRecords (key 21), v0-2: advances partitions' log start offsets (whole segments below are
// deleted) and answers each partition's new low watermark. Versions: v1 nothing new on the wire;
// v2 flexible. Offset -1 means "up to the high watermark", as Kafka. Outcomes per partition:
// UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE (below -1 or past the high watermark),
// INVALID_TOPIC_EXCEPTION (internal topics: their records are the coordinator's state),
// KAFKA_STORAGE_ERROR; the low watermark is -1 on error. timeoutMs is ignored.
import type { DeleteRecordsRequest, DeleteRecordsResponse, DeleteRecordsResponsePartitionResult } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { errorCodeFrom, type ApiHandler, type RequestContext } from '../handler.ts'

/** The DeleteRecords handler. */
export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request) {
    const topics: DeleteRecordsResponse['topics'] = []
    for (const topic of request.topics) {
      const partitions = await Promise.all(topic.partitions.map((p) => deleteBefore(context, topic.name, p.partitionIndex, p.offset)))
      topics.push({ name: topic.name, partitions })
    }
    return { throttleTimeMs: 0, topics }
  },
}

async function deleteBefore(context: RequestContext, topic: string, partitionIndex: number, offset: number): Promise<DeleteRecordsResponsePartitionResult> {
  const fail = (name: string): DeleteRecordsResponsePartitionResult => ({ partitionIndex, lowWatermark: -1, errorCode: errorCodeOf(name) })
  try {
    const log = context.coordinator.partition(topic, partitionIndex)
    if (context.coordinator.topics.isInternal(topic)) return fail('INVALID_TOPIC_EXCEPTION')
    if (offset < -1) return fail('OFFSET_OUT_OF_RANGE')
    const lowWatermark = await log.deleteRecordsBefore(offset === -1 ? log.highWatermark : offset)
    return { partitionIndex, lowWatermark, errorCode: 0 }
  } catch (error) {
    return { partitionIndex, lowWatermark: -1, errorCode: errorCodeFrom(error) }
  }
}
