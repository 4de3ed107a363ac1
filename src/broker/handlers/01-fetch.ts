// Fetch (key 1), v4-17: whole record batches from each partition's log, as stored (never decoded).
// Versions: v4 (batch v2, isolation level, last stable offset, aborted transactions) is the floor,
// as in Kafka 4.0 — v0-3 answer with message sets v0/v1, which the log does not hold; v5 added
// logStartOffset, v7 fetch sessions (KIP-227), v9 currentLeaderEpoch, v11 rackId and
// preferredReadReplica, v12 flexible plus the tagged divergingEpoch/currentLeader/snapshotId, v13
// topic ids instead of names, v15 replicaState, v16 nodeEndpoints, v17 replicaDirectoryId.
//
// Long poll: the partitions are read; if fewer than minBytes came back the handler waits, up to
// maxWaitMs, for the high watermark of any of them to move (PartitionLog.waitForAppend: one timer
// per partition, no polling), then reads again. The wait ends early when the connection closes. A
// partition error (unknown topic, OFFSET_OUT_OF_RANGE, a storage error) answers at once, as Kafka.
// Sizes: each partition gets at most partitionMaxBytes and the response at most maxBytes, except
// that the first partition with data always returns its first whole batch (KIP-74).
//
// Isolation: without transactions every record is committed, so the last stable offset is the
// high watermark for both READ_UNCOMMITTED and READ_COMMITTED, and no transaction was aborted.
// An empty partition carries zero-length records, not null (librdkafka 2.0 rejects -1).
//
// Fetch sessions: this broker keeps none. A full fetch asking for a new session (epoch 0) gets
// sessionId 0, which tells the client no session was created — Kafka's own answer when its session
// cache is full — so the client keeps sending full fetches. A sessionless fetch has epoch -1. Any
// other epoch names a session we never created: FETCH_SESSION_ID_NOT_FOUND, as Kafka answers for an
// evicted session; the client then starts over with a full fetch.
import { SluiceError } from '../../base/errors.ts'
import type {
  FetchRequest, FetchRequestPartition, FetchResponse, FetchResponseFetchableTopicResponse, FetchResponsePartitionData,
} from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { EMPTY_BYTES } from '../../protocol/primitives/reader.ts'
import type { PartitionLog } from '../../storage/partition-log.ts'
import { errorCodeFrom, type ApiHandler, type RequestContext } from '../handler.ts'
import { topicNameById } from '../topic-ids.ts'

const READ_COMMITTED = 1
const FULL_FETCH_EPOCHS = new Set([0, -1])
const NONE = Object.freeze({ epoch: -1, endOffset: -1 })
const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 })
const NO_SNAPSHOT = Object.freeze({ endOffset: -1, epoch: -1 })

// One requested partition: its log (null after an error) and its answer, filled in each round.
interface Entry {
  log: PartitionLog | null
  request: FetchRequestPartition
  response: FetchResponsePartitionData
}

/** The Fetch handler. */
export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  async handle(context, request, version) {
    if (!FULL_FETCH_EPOCHS.has(request.sessionEpoch) || request.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf('FETCH_SESSION_ID_NOT_FOUND'), sessionId: 0, responses: [], nodeEndpoints: [] }
    }
    const isReadCommitted = request.isolationLevel === READ_COMMITTED
    const responses: FetchResponseFetchableTopicResponse[] = []
    const entries: Entry[] = []
    for (const topic of request.topics) {
      const name = version >= 13 ? topicNameById(context.coordinator.topics, topic.topicId) : topic.topic
      const partitions: FetchResponsePartitionData[] = []
      responses.push({ topic: topic.topic, topicId: topic.topicId, partitions })
      for (const partition of topic.partitions) {
        const response = emptyAnswer(partition.partition, isReadCommitted)
        partitions.push(response)
        entries.push({ log: openLog(context, name, partition, response), request: partition, response })
      }
    }
    const deadlineMs = context.clock.monotonic() + Math.max(0, request.maxWaitMs)
    for (;;) {
      const { bytes, hasError } = await readAll(entries, request.maxBytes)
      const remainingMs = deadlineMs - context.clock.monotonic()
      if (bytes >= request.minBytes || hasError || remainingMs <= 0 || context.signal.aborted) break
      if (!(await waitForAny(entries, remainingMs, context.signal))) break
    }
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses, nodeEndpoints: [] }
  },
}

function emptyAnswer(partitionIndex: number, isReadCommitted: boolean): FetchResponsePartitionData {
  return {
    partitionIndex, errorCode: 0, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
    divergingEpoch: NONE, currentLeader: NO_LEADER, snapshotId: NO_SNAPSHOT,
    abortedTransactions: isReadCommitted ? [] : null, preferredReadReplica: -1, records: EMPTY_BYTES,
  }
}

// The partition's log, or null with the error filled in (unknown topic id/name/partition, offline,
// a leader epoch newer than ours: this broker's leader epoch is always 0).
function openLog(context: RequestContext, name: string | null, partition: FetchRequestPartition, response: FetchResponsePartitionData): PartitionLog | null {
  if (name === null) {
    response.errorCode = errorCodeOf('UNKNOWN_TOPIC_ID')
    return null
  }
  if (partition.currentLeaderEpoch > 0) {
    response.errorCode = errorCodeOf('UNKNOWN_LEADER_EPOCH')
    return null
  }
  try {
    return context.coordinator.partition(name, partition.partition)
  } catch (error) {
    response.errorCode = errorCodeFrom(error)
    return null
  }
}

// One round: reads every healthy partition within the size limits; returns the bytes read and
// whether some partition failed (which answers the fetch at once).
async function readAll(entries: Entry[], responseBytesMax: number): Promise<{ bytes: number; hasError: boolean }> {
  let bytes = 0
  let hasError = false
  for (const entry of entries) {
    const { log, request, response } = entry
    if (log === null) {
      hasError = true
      continue
    }
    const highWatermark = log.highWatermark
    response.highWatermark = highWatermark
    response.lastStableOffset = highWatermark
    response.logStartOffset = log.logStartOffset
    response.records = EMPTY_BYTES
    const offset = request.fetchOffset
    try {
      if (offset < log.logStartOffset || offset > log.logEndOffset) {
        throw new SluiceError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${log.logStartOffset}, ${log.logEndOffset}]`)
      }
      const budget = Math.min(request.partitionMaxBytes, responseBytesMax - bytes)
      if (offset >= highWatermark || (budget <= 0 && bytes > 0)) continue
      const { records } = await log.read(offset, Math.max(1, budget))
      // Only the first partition with data may exceed the limits (by its first batch).
      if (bytes > 0 && records.length > budget) continue
      response.records = records
      bytes += records.length
    } catch (error) {
      response.errorCode = errorCodeFrom(error)
      response.highWatermark = response.lastStableOffset = response.logStartOffset = -1
      entry.log = null
      hasError = true
    }
  }
  return { bytes, hasError }
}

// Waits until the high watermark of any partition moves past what this fetch has seen; false on
// timeout or when the connection closed. The other partitions' waits are released at once.
async function waitForAny(entries: Entry[], timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const round = new AbortController()
  const onAbort = (): void => round.abort()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const waits = entries.filter((e) => e.log !== null)
      .map(({ log, request }) => log!.waitForAppend(Math.max(request.fetchOffset, log!.highWatermark), timeoutMs, round.signal))
    return waits.length > 0 && await Promise.race(waits)
  } finally {
    signal.removeEventListener('abort', onAbort)
    round.abort()
  }
}
