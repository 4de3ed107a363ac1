// Incremental fetch sessions (KIP-227), the broker's side: a bounded per-broker cache of sessions,
// each remembering the partitions a client fetches (their fetch state) and the high watermark and
// log start offset last sent for each, so an incremental Fetch names only the partitions that
// changed and is answered with only the partitions that have something new. 01-fetch.ts decides
// which kind of request it has and builds the answers; this file holds the state and its rules.
//
// Bounds and eviction, as Kafka's FetchSessionCache for non-follower sessions:
// `maxSessions` slots (max.incremental.fetch.session.cache.slots, 1000). When all are taken, a new
// session evicts the least recently used one if it went unused for `evictionMs`
// (min.incremental.fetch.session.eviction.ms, 120 s); else the smallest session older than
// `evictionMs` if the new one has more partitions; else no session is created (sessionId 0, and the
// client keeps sending full fetches). A session's size is bounded by what its requests name.
//
// State lives per broker, keyed by the listener's BrokerInfo object (one per startBroker) until
// RequestContext carries per-broker state (broker/README.md): connections of one broker share it.
import type { Clock } from '../base/clock.ts'
import { Random } from '../base/random.ts'
import type { FetchRequestPartition } from '../protocol/messages/index.ts'

/** Kafka's max.incremental.fetch.session.cache.slots default. */
export const FETCH_SESSIONS_MAX_DEFAULT = 1000
/** Kafka's min.incremental.fetch.session.eviction.ms default. */
export const FETCH_SESSION_EVICTION_MS_DEFAULT = 120_000
/** The session id meaning "no session". */
export const NO_SESSION_ID = 0

/** One partition of a session: what the client last asked for it and what it was last told. */
export interface SessionPartition {
  /** Topic name (sessions before v13) or '' (v13+ name topics by id). */
  topic: string
  /** Wire topic id (v13+), or the zero uuid. */
  topicId: string
  /** The fetch state the client last sent: fetch offset, partitionMaxBytes, epochs. */
  request: FetchRequestPartition
  /** High watermark last sent (-1: never, or after an error, so it is sent again). */
  highWatermark: number
  /** Log start offset last sent. */
  logStartOffset: number
}

/** The key of a partition within a session: by topic id (v13+) or by name. */
export function sessionPartitionKey(usesTopicIds: boolean, topic: string, topicId: string, partition: number): string {
  return `${usesTopicIds ? topicId : topic}:${partition}`
}

/** One client's fetch session. */
export class FetchSession {
  readonly id: number
  /** Whether its requests name topics by id (Fetch v13+); a request of the other kind is refused. */
  readonly usesTopicIds: boolean
  readonly creationMs: number
  lastUsedMs: number
  /** The epoch the next incremental request must carry. */
  epoch = 1
  /** The partitions, in fetch order: those that returned data move to the end (fairness). */
  readonly partitions: Map<string, SessionPartition>

  constructor(id: number, usesTopicIds: boolean, nowMs: number, partitions: Map<string, SessionPartition>) {
    this.id = id
    this.usesTopicIds = usesTopicIds
    this.creationMs = nowMs
    this.lastUsedMs = nowMs
    this.partitions = partitions
  }

  /** Moves on to the next epoch (1 follows 2^31-1: 0 and -1 mean full fetches). */
  nextEpoch(): void {
    this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1
  }
}

/** Options of a FetchSessionCache. */
export interface FetchSessionCacheOptions {
  clock: Clock
  /** Source of session ids (default: seeded from Math.random). */
  random?: Random
  maxSessions?: number
  evictionMs?: number
}

/** The sessions of one broker, bounded, evicting as Kafka does. */
export class FetchSessionCache {
  readonly #clock: Clock
  readonly #random: Random
  readonly #maxSessions: number
  readonly #evictionMs: number
  /** By id, least recently used first (a touch re-inserts). */
  readonly #byLastUse = new Map<number, FetchSession>()
  /** By id, oldest first (creation order never changes). */
  readonly #byCreation = new Map<number, FetchSession>()
  /** Sessions evicted to make room so far. */
  evictions = 0

  constructor(options: FetchSessionCacheOptions) {
    this.#clock = options.clock
    this.#random = options.random ?? new Random()
    this.#maxSessions = options.maxSessions ?? FETCH_SESSIONS_MAX_DEFAULT
    this.#evictionMs = options.evictionMs ?? FETCH_SESSION_EVICTION_MS_DEFAULT
  }

  /** Sessions held now. */
  get size(): number {
    return this.#byLastUse.size
  }

  get(id: number): FetchSession | undefined {
    return this.#byLastUse.get(id)
  }

  /** Closes a session; false when there was none with this id. */
  remove(id: number): boolean {
    this.#byCreation.delete(id)
    return this.#byLastUse.delete(id)
  }

  /** Marks a session used now: it is the last to become stale. */
  touch(session: FetchSession): void {
    session.lastUsedMs = this.#clock.monotonic()
    this.#byLastUse.delete(session.id)
    this.#byLastUse.set(session.id, session)
  }

  /** A new session over `partitions` when there is room or room can be made by eviction; else null. */
  maybeCreate(usesTopicIds: boolean, partitions: Map<string, SessionPartition>): FetchSession | null {
    if (this.#maxSessions <= 0) return null
    const nowMs = this.#clock.monotonic()
    if (this.#byLastUse.size >= this.#maxSessions && !this.#tryEvict(partitions.size, nowMs)) return null
    const session = new FetchSession(this.#newId(), usesTopicIds, nowMs, partitions)
    this.#byLastUse.set(session.id, session)
    this.#byCreation.set(session.id, session)
    return session
  }

  // Kafka's FetchSessionCache.tryEvict for a non-privileged session: a stale session goes first;
  // otherwise the smallest session past its protected first `evictionMs`, if smaller than the new one.
  #tryEvict(size: number, nowMs: number): boolean {
    const leastRecent = this.#byLastUse.values().next().value
    if (leastRecent !== undefined && nowMs - leastRecent.lastUsedMs > this.#evictionMs) return this.#evict(leastRecent)
    let smallest: FetchSession | undefined
    for (const session of this.#byCreation.values()) {
      // Creation order: once one is still protected, all after it are too.
      if (nowMs - session.creationMs <= this.#evictionMs) break
      if (smallest === undefined || session.partitions.size < smallest.partitions.size ||
        (session.partitions.size === smallest.partitions.size && session.id < smallest.id)) smallest = session
    }
    return smallest !== undefined && smallest.partitions.size < size && this.#evict(smallest)
  }

  #evict(session: FetchSession): boolean {
    this.remove(session.id)
    this.evictions++
    return true
  }

  // A random positive id not in use (ids are not guessable counters, as Kafka's).
  #newId(): number {
    for (;;) {
      const id = this.#random.uint32() & 0x7fffffff
      if (id !== NO_SESSION_ID && !this.#byLastUse.has(id)) return id
    }
  }
}
