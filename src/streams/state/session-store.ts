// Session stores: (record key, session [start, end]) -> value, the state of session windows. The
// runtime finds the sessions a new record touches (findSessions with the inactivity gap), merges
// them, removes the old ones and puts the merged one. Same construction as window-store.ts: typed
// facade, optional changelog, SegmentedBytesStore segmented by session *end* (retention counts from
// a session's end, stream time is the largest end). Layout (time-keys.ts): escaped key, end, start,
// so one key's sessions sort by end time and a search starts at the earliest end it can match.
import { SluiceError } from '../../base/errors.ts'
import type { Serde } from '../serdes/serde.ts'
import { ChangeLoggingStore, type ChangeLoggingOptions, type ChangelogSink } from './change-logging-store.ts'
import type { BytesStore, BytesStoreProvider, KeyValue } from './key-value-store.ts'
import { defaultSegmentIntervalMs, SegmentedBytesStore } from './segmented-store.ts'
import { checkTime, decodeSessionKey, encodeSessionKey, sessionEndOf } from './time-keys.ts'

/** A session's time span, both ends inclusive (a single event is a session with start = end). */
export interface SessionWindow {
  startMs: number
  endMs: number
}

/** One session of one key, as a session store returns it. */
export interface SessionEntry<K, V> {
  key: K
  startMs: number
  endMs: number
  value: V
}

/** Options of a session store. */
export interface SessionStoreOptions<K, V> {
  name: string
  /** Where the segments live: an InMemoryStoreProvider or an LmdbEnvironment. */
  provider: BytesStoreProvider
  keySerde: Serde<K>
  valueSerde: Serde<V>
  /** How long a session stays readable after its end, behind stream time (at least gap + grace). */
  retentionMs: number
  /** Time span of one segment; default max(retentionMs / 2, 60 s). */
  segmentIntervalMs?: number
  /** Records every change to this sink (the store's changelog topic). */
  changelog?: ChangelogSink
  changelogOptions?: ChangeLoggingOptions
}

/** (key, [start, end]) -> value, in time segments with retention. */
export class SessionStore<K, V> {
  readonly name: string
  /** The bytes store under the serdes (a ChangeLoggingStore when logged): what restore() rebuilds. */
  readonly bytes: BytesStore
  readonly #segments: SegmentedBytesStore
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>

  constructor(options: SessionStoreOptions<K, V>) {
    this.name = options.name
    this.#segments = new SegmentedBytesStore({
      name: options.name,
      provider: options.provider,
      retentionMs: options.retentionMs,
      segmentIntervalMs: options.segmentIntervalMs ?? defaultSegmentIntervalMs(options.retentionMs),
      timeOf: sessionEndOf,
    })
    this.bytes = options.changelog === undefined ? this.#segments : new ChangeLoggingStore(this.#segments, options.changelog, options.changelogOptions)
    this.#keySerde = options.keySerde
    this.#valueSerde = options.valueSerde
  }

  /** The largest session end put so far. */
  get streamTimeMs(): number {
    return this.#segments.streamTimeMs
  }

  /** Puts dropped because the session had already expired. */
  get expiredPuts(): number {
    return this.#segments.expiredPuts
  }

  /** Ids of the live time segments (for tests and metrics). */
  get segmentIds(): readonly number[] {
    return this.#segments.segmentIds
  }

  /** Sets the value of `key`'s session `session` (dropped and counted when already expired). */
  put(key: K, session: SessionWindow, value: V): void {
    checkSession(session)
    if (this.#segments.rejectExpired(session.endMs)) return
    this.bytes.put(encodeSessionKey(this.#keySerde.serialize(key), session.startMs, session.endMs), this.#valueSerde.serialize(value))
  }

  /** Removes `key`'s session `session` (nothing happens when it is absent). */
  remove(key: K, session: SessionWindow): void {
    checkSession(session)
    this.bytes.delete(encodeSessionKey(this.#keySerde.serialize(key), session.startMs, session.endMs))
  }

  /** The value of exactly this session of `key`, or undefined. */
  fetchSession(key: K, startMs: number, endMs: number): V | undefined {
    checkSession({ startMs, endMs })
    const bytes = this.#segments.get(encodeSessionKey(this.#keySerde.serialize(key), startMs, endMs))
    return bytes === undefined ? undefined : this.#valueSerde.deserialize(bytes)
  }

  /**
   * `key`'s sessions with end >= earliestEndMs and start <= latestStartMs, by end ascending: the
   * sessions a record at time t joins when called with (t - gap, t + gap).
   * @example const touching = [...store.findSessions('user-7', t - gapMs, t + gapMs)]
   */
  findSessions(key: K, earliestEndMs: number, latestStartMs: number): IterableIterator<SessionEntry<K, V>> {
    checkTime('earliest session end', earliestEndMs)
    checkTime('latest session start', latestStartMs)
    const keyBytes = this.#keySerde.serialize(key)
    // From (key, end = earliestEnd, start = min) to the key's last session; a session's end has no
    // upper bound, so starts are filtered as we go.
    const from = encodeSessionKey(keyBytes, Number.MIN_SAFE_INTEGER, earliestEndMs)
    const to = encodeSessionKey(keyBytes, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    return this.#decode(this.#segments.rangeWithin(from, to, earliestEndMs, Number.MAX_SAFE_INTEGER), latestStartMs)
  }

  /** Every live session of `key`, by end ascending. */
  fetch(key: K): IterableIterator<SessionEntry<K, V>> {
    return this.findSessions(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  }

  /** Every live session of every key, in (serialized key, end, start) order. */
  all(): IterableIterator<SessionEntry<K, V>> {
    return this.#decode(this.#segments.all(), Number.MAX_SAFE_INTEGER)
  }

  flush(): Promise<void> {
    return this.bytes.flush()
  }

  close(): Promise<void> {
    return this.bytes.close()
  }

  *#decode(entries: IterableIterator<KeyValue<Buffer, Buffer>>, latestStartMs: number): IterableIterator<SessionEntry<K, V>> {
    try {
      for (const { key, value } of entries) {
        const decoded = decodeSessionKey(key)
        if (decoded.startMs > latestStartMs) continue
        yield { key: this.#keySerde.deserialize(decoded.key), startMs: decoded.startMs, endMs: decoded.endMs, value: this.#valueSerde.deserialize(value) }
      }
    } finally {
      entries.return?.()
    }
  }
}

function checkSession(session: SessionWindow): void {
  checkTime('session start', session.startMs)
  checkTime('session end', session.endMs)
  if (session.startMs > session.endMs) throw new SluiceError('INVALID_ARGUMENT', `a session cannot end (${session.endMs}) before it starts (${session.startMs})`)
}
