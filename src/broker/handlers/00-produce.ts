// Produce (key 0), v3-11: append each partition's record batches to its log. Versions: v3 (record
// batch v2, transactionalId) is the floor, as in Kafka 4.0 — v0-2 carry message sets v0/v1, which
// the log does not store, and advertising v3+ is what makes librdkafka use batch v2; v5 added
// logStartOffset, v8 recordErrors/errorMessage, v9 flexible, v10 currentLeader/nodeEndpoints
// (tagged, only for NOT_LEADER_OR_FOLLOWER, never sent here), v11 nothing new on the wire.
//
// The broker never decodes records here: coordinator.produce → PartitionLog.append validates each
// batch header and its CRC-32C and patches the base offset in place (the batches are views into the
// request frame, which nothing else keeps). Outcomes per partition: CORRUPT_MESSAGE (bad CRC, sizes),
// INVALID_RECORD (no batches, or more than one: Kafka takes one batch v2 per partition from clients), MESSAGE_TOO_LARGE (over max.message.bytes), INVALID_REQUIRED_ACKS,
// UNKNOWN_TOPIC_OR_PARTITION (Produce never auto-creates; Metadata does), and the log's idempotence
// answers: OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, and a retried duplicate answered
// NONE with its original offsets. A transactionalId gets UNSUPPORTED_VERSION for every partition
// until transactions exist (InitProducerId refuses transactional ids the same way). acks=0: the
// appends run and are awaited (so reading pauses under load), but no response is sent.
//
// Decompression bombs: a compressed batch that inflates past PRODUCE_DECOMPRESSED_BYTES_MAX (what
// Sluice consumers agree to inflate) is refused with INVALID_RECORD (../decompressed-size.ts says
// how it is measured cheaply). INVALID_RECORD, not CORRUPT_MESSAGE: the batch frame and its CRC are
// sound, it is the records' content the broker refuses, which is how Kafka's log validator answers
// what it finds after decompressing (InvalidRecordException); and INVALID_RECORD is not retriable,
// whereas clients retry CORRUPT_MESSAGE (a RetriableException in Kafka's client), so a producer
// would send the same bomb again until its delivery timeout. Undecodable data met while measuring
// is CORRUPT_MESSAGE, as compression.ts reports it to consumers.
import type { Coordinator } from '../../coordinator/coordinator.ts'
import type {
  ProduceRequest, ProduceResponse, ProduceResponsePartitionProduceResponse, ProduceResponseTopicProduceResponse,
} from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { SluiceError } from '../../base/errors.ts'
import { BATCH_LOG_OVERHEAD, OFFSET_BATCH_LENGTH } from '../../protocol/records/index.ts'
import { errorCodeFrom, type ApiHandler } from '../handler.ts'
import { checkDecompressedSize, mayExceedDecompressedSize } from '../decompressed-size.ts'

const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 })

/** The Produce handler. */
export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 11,
  async handle(context, request) {
    const acks = request.acks
    const refusal = acks !== 0 && acks !== 1 && acks !== -1 ? errorCodeOf('INVALID_REQUIRED_ACKS')
      : request.transactionalId !== null ? errorCodeOf('UNSUPPORTED_VERSION') : 0
    const responses: ProduceResponseTopicProduceResponse[] = []
    const pending: Promise<void>[] = []
    // Every append starts before the first await, in request order, or queues behind the earlier
    // ones of its partition (append): the log sees pipelined requests' batches in the order sent.
    for (const topicData of request.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponse[] = []
      responses.push({ name: topicData.name, partitionResponses })
      for (const data of topicData.partitionData) {
        const response = partitionResponse(data.index)
        partitionResponses.push(response)
        if (refusal !== 0) response.errorCode = refusal
        else pending.push(append(context.coordinator, topicData.name, data.records, acks as 0 | 1 | -1, response))
      }
    }
    if (pending.length > 0) await Promise.all(pending)
    if (acks === 0) return null
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] }
  },
}

function partitionResponse(index: number): ProduceResponsePartitionProduceResponse {
  return {
    index, errorCode: 0, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
    recordErrors: [], errorMessage: null, currentLeader: NO_LEADER,
  }
}

// Partitions with an append waiting behind a decompression measurement: the promise resolves when
// the last queued append there has been handed to the log. Appends to such a partition queue behind
// it, so batches reach the log in the order they came (pipelined idempotent batches out of order
// would be refused); appends elsewhere start at once.
const queuedAppends = new Map<string, Promise<void>>()

// Appends one partition's batches and fills in its response; never rejects except for bugs. The
// append starts synchronously (no await before coordinator.produce) unless the batch must be
// measured first or its partition already has an append queued.
function append(coordinator: Coordinator, topic: string, records: Buffer | null, acks: 0 | 1 | -1, response: ProduceResponsePartitionProduceResponse): Promise<void> {
  const key = `${topic}\u0000${response.index}`
  const ahead = queuedAppends.get(key)
  const mustMeasure = records !== null && coordinator.topics.has(topic) && mayExceedDecompressedSize(records)
  if (ahead === undefined && !mustMeasure) return appendNow(coordinator, topic, records, acks, response)
  // The measurement starts now (gzip runs on the thread pool, beside other requests' measurements);
  // only the append waits for the partition's earlier ones.
  const refusal = mustMeasure
    ? checkDecompressedSize(records, { maxBatchBytes: coordinator.topics.config(topic)['max.message.bytes'] }).then(() => null, (error: unknown) => error)
    : null
  let handedOver!: () => void
  const turn = new Promise<void>((resolve) => { handedOver = resolve })
  queuedAppends.set(key, turn)
  return Promise.all([ahead, refusal]).then(async ([, error]) => {
    // The next append's turn starts in a later microtask, after appendNow below has called the log.
    if (queuedAppends.get(key) === turn) queuedAppends.delete(key)
    handedOver()
    if (error === null) {
      await appendNow(coordinator, topic, records, acks, response)
      return
    }
    response.errorCode = errorCodeFrom(error)
    response.errorMessage = (error as Error).message
  })
}

async function appendNow(coordinator: Coordinator, topic: string, records: Buffer | null, acks: 0 | 1 | -1, response: ProduceResponsePartitionProduceResponse): Promise<void> {
  try {
    if (!coordinator.topics.has(topic)) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${topic}'`)
    if (records === null || records.length === 0) throw new SluiceError('INVALID_RECORD', 'a produce request partition carries no record batch')
    // Kafka's rule for batch v2 from clients: one batch per partition (the log accepts several
    // back to back, which its own writers use). A header that does not fit is left to validation.
    if (records.length >= BATCH_LOG_OVERHEAD && BATCH_LOG_OVERHEAD + records.readInt32BE(OFFSET_BATCH_LENGTH) < records.length) {
      throw new SluiceError('INVALID_RECORD', 'client produce requests should not have more than one record batch per partition')
    }
    const result = await coordinator.produce(topic, response.index, records, { acks })
    response.baseOffset = result.baseOffset
    response.logAppendTimeMs = result.logAppendTime
    response.logStartOffset = result.logStartOffset
  } catch (error) {
    response.errorCode = errorCodeFrom(error)
    response.errorMessage = (error as Error).message
  }
}
