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
// Fetch sessions (KIP-227, v7+; state and eviction in fetch-sessions.ts): epoch 0 is a full fetch
// that also asks for a session — the answer carries the new session's id, or 0 when the cache has
// no room — and closes the session its sessionId names, if any; epoch -1 is a full fetch without a
// session (closing the one named). Any other epoch is incremental: the session must exist
// (FETCH_SESSION_ID_NOT_FOUND), be at that epoch (INVALID_FETCH_SESSION_EPOCH) and name topics the
// same way (FETCH_SESSION_TOPIC_ID_ERROR across v13); the request's partitions are added to or
// update the session, its forgotten topics leave it, and all of its partitions are fetched, but only
// those with records, a new high watermark or log start offset, or an error are answered. A
// session left with no partitions is closed and the answer is sessionless.
import { SluiceError } from '../../base/errors.ts'
import type {
  FetchRequest, FetchRequestPartition, FetchResponse, FetchResponseFetchableTopicResponse, FetchResponsePartitionData,
} from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { EMPTY_BYTES } from '../../protocol/primitives/reader.ts'
import type { PartitionLog } from '../../storage/partition-log.ts'
import { errorCodeFrom, type ApiHandler, type RequestContext } from '../handler.ts'
import { topicNameById } from '../topic-ids.ts'
import { NO_SESSION_ID, sessionPartitionKey, type FetchSession, type FetchSessionCache, type SessionPartition } from '../fetch-sessions.ts'

const READ_COMMITTED = 1
/** Session epochs of full fetches: 0 asks for a new session, -1 for none. */
const FULL_WITH_SESSION = 0
const SESSIONLESS = -1
const NONE = Object.freeze({ epoch: -1, endOffset: -1 })
const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 })
const NO_SNAPSHOT = Object.freeze({ endOffset: -1, epoch: -1 })

// One requested partition: its log (null after an error) and its answer, filled in each round;
// `cached` is its session state when the fetch is incremental.
interface Entry {
  log: PartitionLog | null
  request: FetchRequestPartition
  response: FetchResponsePartitionData
  topic: string
  topicId: string
  cached: SessionPartition | null
}

/** The Fetch handler. */
export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  async handle(context, request, version) {
    const usesTopicIds = version >= 13
    const isReadCommitted = request.isolationLevel === READ_COMMITTED
    const sessions = context.fetchSessions
    let session: FetchSession | null = null
    const entries: Entry[] = []
    if (request.sessionEpoch === FULL_WITH_SESSION || request.sessionEpoch === SESSIONLESS) {
      if (request.sessionId !== NO_SESSION_ID) sessions.remove(request.sessionId)
      for (const topic of request.topics) {
        const name = usesTopicIds ? topicNameById(context.coordinator.topics, topic.topicId) : topic.topic
        for (const partition of topic.partitions) entries.push(entryFor(context, name, topic.topic, topic.topicId, partition, isReadCommitted, null))
      }
    } else {
      session = sessions.get(request.sessionId) ?? null
      if (session === null) return sessionError('FETCH_SESSION_ID_NOT_FOUND')
      if (session.epoch !== request.sessionEpoch) return sessionError('INVALID_FETCH_SESSION_EPOCH')
      if (session.usesTopicIds !== usesTopicIds) return sessionError('FETCH_SESSION_TOPIC_ID_ERROR')
      updateSession(session, request)
      if (session.partitions.size === 0) {
        sessions.remove(session.id)
        return { throttleTimeMs: 0, errorCode: 0, sessionId: NO_SESSION_ID, responses: [], nodeEndpoints: [] }
      }
      sessions.touch(session)
      session.nextEpoch()
      for (const cached of session.partitions.values()) {
        const name = usesTopicIds ? topicNameById(context.coordinator.topics, cached.topicId) : cached.topic
        entries.push(entryFor(context, name, cached.topic, cached.topicId, cached.request, isReadCommitted, cached))
      }
    }
    const deadlineMs = context.clock.monotonic() + Math.max(0, request.maxWaitMs)
    for (;;) {
      const { bytes, hasError } = await readAll(entries, request.maxBytes)
      const remainingMs = deadlineMs - context.clock.monotonic()
      if (bytes >= request.minBytes || hasError || remainingMs <= 0 || context.signal.aborted) break
      if (!(await waitForAny(entries, remainingMs, context.signal))) break
    }
    if (session !== null) {
      return { throttleTimeMs: 0, errorCode: 0, sessionId: session.id, responses: incrementalAnswer(session, entries), nodeEndpoints: [] }
    }
    const sessionId = request.sessionEpoch === FULL_WITH_SESSION ? newSession(sessions, usesTopicIds, entries) : NO_SESSION_ID
    return { throttleTimeMs: 0, errorCode: 0, sessionId, responses: groupByTopic(entries), nodeEndpoints: [] }
  },
}

function sessionError(name: 'FETCH_SESSION_ID_NOT_FOUND' | 'INVALID_FETCH_SESSION_EPOCH' | 'FETCH_SESSION_TOPIC_ID_ERROR'): FetchResponse {
  return { throttleTimeMs: 0, errorCode: errorCodeOf(name), sessionId: NO_SESSION_ID, responses: [], nodeEndpoints: [] }
}

// The session a full fetch at epoch 0 asked for, remembering what this answer told the client;
// NO_SESSION_ID when the cache has no room. Clients that never use their sessions (@platformatic/
// kafka asks for one on every fetch and ignores the id) cost one small map per fetch until the cache
// is full; then their requests create nothing until a session goes stale.
function newSession(sessions: FetchSessionCache, usesTopicIds: boolean, entries: Entry[]): number {
  const partitions = new Map<string, SessionPartition>()
  for (const { topic, topicId, request, response } of entries) {
    partitions.set(sessionPartitionKey(usesTopicIds, topic, topicId, request.partition), {
      topic, topicId, request, highWatermark: response.highWatermark, logStartOffset: response.logStartOffset,
    })
  }
  return sessions.maybeCreate(usesTopicIds, partitions)?.id ?? NO_SESSION_ID
}

function entryFor(
  context: RequestContext, name: string | null, topic: string, topicId: string, request: FetchRequestPartition,
  isReadCommitted: boolean, cached: SessionPartition | null,
): Entry {
  const response = emptyAnswer(request.partition, isReadCommitted)
  return { log: openLog(context, name, request, response), request, response, topic, topicId, cached }
}

// An incremental request's partitions join the session or update their fetch state there, then its
// forgotten topics leave (Kafka's order: a partition both named and forgotten is forgotten).
function updateSession(session: FetchSession, request: FetchRequest): void {
  const { usesTopicIds } = session
  for (const topic of request.topics) {
    for (const partition of topic.partitions) {
      const key = sessionPartitionKey(usesTopicIds, topic.topic, topic.topicId, partition.partition)
      const cached = session.partitions.get(key)
      if (cached !== undefined) cached.request = partition
      else session.partitions.set(key, { topic: topic.topic, topicId: topic.topicId, request: partition, highWatermark: -1, logStartOffset: -1 })
    }
  }
  for (const forgotten of request.forgottenTopicsData) {
    for (const partition of forgotten.partitions) {
      session.partitions.delete(sessionPartitionKey(usesTopicIds, forgotten.topic, forgotten.topicId, partition))
    }
  }
}

// The partitions an incremental answer carries: those with records, an error, or a high watermark
// or log start offset the client has not been told; their cached state is updated. Partitions
// that returned records move to the end of the session's order, so a partition that fills the
// response limit does not starve the others on the next fetch (Kafka does the same).
function incrementalAnswer(session: FetchSession, entries: Entry[]): FetchResponseFetchableTopicResponse[] {
  const answered: Entry[] = []
  const rotated: Entry[] = []
  for (const entry of entries) {
    const { response } = entry
    const cached = entry.cached!
    let mustAnswer = response.records !== null && response.records.length > 0
    if (mustAnswer) rotated.push(entry)
    if (response.errorCode !== 0) {
      mustAnswer = true
      cached.highWatermark = -1
    } else if (cached.highWatermark !== response.highWatermark || cached.logStartOffset !== response.logStartOffset) {
      mustAnswer = true
      cached.highWatermark = response.highWatermark
      cached.logStartOffset = response.logStartOffset
    }
    if (mustAnswer) answered.push(entry)
  }
  for (const { topic, topicId, request, cached } of rotated) {
    const key = sessionPartitionKey(session.usesTopicIds, topic, topicId, request.partition)
    if (session.partitions.get(key) !== cached) continue // forgotten by a later request meanwhile
    session.partitions.delete(key)
    session.partitions.set(key, cached!)
  }
  return groupByTopic(answered)
}

// Consecutive partitions of one topic share a topic entry, in the entries' order.
function groupByTopic(entries: Entry[]): FetchResponseFetchableTopicResponse[] {
  const responses: FetchResponseFetchableTopicResponse[] = []
  let last: FetchResponseFetchableTopicResponse | undefined
  let lastEntry: Entry | undefined
  for (const entry of entries) {
    if (last === undefined || lastEntry!.topic !== entry.topic || lastEntry!.topicId !== entry.topicId) {
      last = { topic: entry.topic, topicId: entry.topicId, partitions: [] }
      responses.push(last)
    }
    last.partitions.push(entry.response)
    lastEntry = entry
  }
  return responses
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
