// Window stores: (record key, window start) -> value, the state of windowed aggregations and of
// stream-stream joins. Built as Kafka Streams builds them: a typed facade (serdes at the edge) over
// a SegmentedBytesStore (time segments in a provider, retention by dropping whole segments), with a
// ChangeLoggingStore between them when the store has a changelog. Key layout: time-keys.ts (record
// key escaped, then the window start, then a sequence number when duplicates are retained).
// Session stores are in session-store.ts; the window math (which windows a record falls in) lives in
// ../windows/.
import { SluiceError } from '../../base/errors.ts'
import type { Serde } from '../serdes/serde.ts'
import { ChangeLoggingStore, type ChangeLoggingOptions, type ChangelogSink } from './change-logging-store.ts'
import type { BytesStore, BytesStoreProvider, KeyValue } from './key-value-store.ts'
import { defaultSegmentIntervalMs, SegmentedBytesStore } from './segmented-store.ts'
import { checkTime, decodeWindowKey, encodeWindowKey, SEQ_BYTES, windowStartOf } from './time-keys.ts'

/** Options of a window store. */
export interface WindowStoreOptions<K, V> {
  name: string
  /** Where the segments live: an InMemoryStoreProvider or an LmdbEnvironment. */
  provider: BytesStoreProvider
  keySerde: Serde<K>
  valueSerde: Serde<V>
  /** How long a window stays readable behind stream time (at least window size + grace). */
  retentionMs: number
  /** Time span of one segment; default max(retentionMs / 2, 60 s), as in Kafka Streams. */
  segmentIntervalMs?: number
  /** Keep every value put for a key and window instead of overwriting (stream-stream joins). */
  retainDuplicates?: boolean
  /** Records every change to this sink (the store's changelog topic). */
  changelog?: ChangelogSink
  changelogOptions?: ChangeLoggingOptions
}

/** One window of one key, as a window store returns it. */
export interface WindowedEntry<K, V> {
  key: K
  windowStartMs: number
  value: V
}

const SEQ_MAX = 0xffffffff

/** (key, window start) -> value, in time segments with retention. */
export class WindowStore<K, V> {
  readonly name: string
  readonly retainsDuplicates: boolean
  /** The bytes store under the serdes (a ChangeLoggingStore when logged): what restore() rebuilds. */
  readonly bytes: BytesStore
  readonly #segments: SegmentedBytesStore
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>

  constructor(options: WindowStoreOptions<K, V>) {
    this.name = options.name
    this.retainsDuplicates = options.retainDuplicates === true
    const hasSeq = this.retainsDuplicates
    this.#segments = new SegmentedBytesStore({
      name: options.name,
      provider: options.provider,
      retentionMs: options.retentionMs,
      segmentIntervalMs: options.segmentIntervalMs ?? defaultSegmentIntervalMs(options.retentionMs),
      timeOf: (key) => windowStartOf(key, hasSeq),
    })
    this.bytes = options.changelog === undefined ? this.#segments : new ChangeLoggingStore(this.#segments, options.changelog, options.changelogOptions)
    this.#keySerde = options.keySerde
    this.#valueSerde = options.valueSerde
  }

  /** The largest window start put so far. */
  get streamTimeMs(): number {
    return this.#segments.streamTimeMs
  }

  /** Puts dropped because their window had already expired. */
  get expiredPuts(): number {
    return this.#segments.expiredPuts
  }

  /** Ids of the live time segments (for tests and metrics). */
  get segmentIds(): readonly number[] {
    return this.#segments.segmentIds
  }

  /**
   * Sets the value of `key`'s window starting at `windowStartMs` (with retained duplicates: adds
   * one more value). A window older than the retention horizon is dropped and counted in expiredPuts.
   */
  put(key: K, value: V, windowStartMs: number): void {
    checkTime('window start', windowStartMs)
    if (this.#segments.rejectExpired(windowStartMs)) return
    const keyBytes = this.#keySerde.serialize(key)
    const valueBytes = this.#valueSerde.serialize(value)
    const seq = this.retainsDuplicates ? this.#nextSeq(keyBytes, windowStartMs) : undefined
    this.bytes.put(encodeWindowKey(keyBytes, windowStartMs, seq), valueBytes)
  }

  /** Removes `key`'s window at `windowStartMs` (every retained duplicate of it). */
  remove(key: K, windowStartMs: number): void {
    checkTime('window start', windowStartMs)
    const keyBytes = this.#keySerde.serialize(key)
    if (!this.retainsDuplicates) {
      this.bytes.delete(encodeWindowKey(keyBytes, windowStartMs))
      return
    }
    const doomed: Buffer[] = []
    for (const { key: encoded } of this.#rangeOf(keyBytes, windowStartMs, windowStartMs)) doomed.push(encoded)
    for (const encoded of doomed) this.bytes.delete(encoded)
  }

  /** The value of `key`'s window at `windowStartMs` (the first one, with retained duplicates). */
  get(key: K, windowStartMs: number): V | undefined {
    checkTime('window start', windowStartMs)
    const keyBytes = this.#keySerde.serialize(key)
    if (!this.retainsDuplicates) {
      const bytes = this.#segments.get(encodeWindowKey(keyBytes, windowStartMs))
      return bytes === undefined ? undefined : this.#valueSerde.deserialize(bytes)
    }
    const iterator = this.#rangeOf(keyBytes, windowStartMs, windowStartMs)
    const first = iterator.next()
    iterator.return?.()
    return first.done === true ? undefined : this.#valueSerde.deserialize(first.value.value)
  }

  /**
   * `key`'s windows with fromMs <= start <= toMs (inclusive), by start ascending (duplicates in
   * the order they were put).
   * @example for (const { windowStartMs, value } of store.fetch('card-42', t - 600_000, t)) total += value
   */
  fetch(key: K, fromMs: number, toMs: number): IterableIterator<{ windowStartMs: number; value: V }> {
    checkTime('fetch from', fromMs)
    checkTime('fetch to', toMs)
    return this.#windows(this.#rangeOf(this.#keySerde.serialize(key), fromMs, toMs))
  }

  /** Every key's windows with fromMs <= start <= toMs, in (serialized key, start) order. */
  fetchAll(fromMs: number, toMs: number): IterableIterator<WindowedEntry<K, V>> {
    checkTime('fetch from', fromMs)
    checkTime('fetch to', toMs)
    return this.#decode(this.#segments.rangeWithin(undefined, undefined, fromMs, toMs))
  }

  /** Every live window, in (serialized key, start) order. */
  all(): IterableIterator<WindowedEntry<K, V>> {
    return this.#decode(this.#segments.all())
  }

  flush(): Promise<void> {
    return this.bytes.flush()
  }

  close(): Promise<void> {
    return this.bytes.close()
  }

  *#windows(entries: IterableIterator<KeyValue<Buffer, Buffer>>): IterableIterator<{ windowStartMs: number; value: V }> {
    try {
      for (const { key: encoded, value } of entries) yield { windowStartMs: windowStartOf(encoded, this.retainsDuplicates), value: this.#valueSerde.deserialize(value) }
    } finally {
      entries.return?.()
    }
  }

  #rangeOf(keyBytes: Buffer, fromMs: number, toMs: number): IterableIterator<KeyValue<Buffer, Buffer>> {
    const hasSeq = this.retainsDuplicates
    return this.#segments.rangeWithin(encodeWindowKey(keyBytes, fromMs, hasSeq ? 0 : undefined), encodeWindowKey(keyBytes, toMs, hasSeq ? SEQ_MAX : undefined), fromMs, toMs)
  }

  /** One past the highest sequence number of the key's window: a seek, and correct after a restart. */
  #nextSeq(keyBytes: Buffer, windowStartMs: number): number {
    let last = -1
    for (const { key } of this.#rangeOf(keyBytes, windowStartMs, windowStartMs)) last = key.readUInt32BE(key.length - SEQ_BYTES)
    if (last === SEQ_MAX) throw new SluiceError('INVALID_ARGUMENT', `window store '${this.name}': more than ${SEQ_MAX} duplicates of one key and window`)
    return last + 1
  }

  *#decode(entries: IterableIterator<KeyValue<Buffer, Buffer>>): IterableIterator<WindowedEntry<K, V>> {
    try {
      for (const { key, value } of entries) {
        const decoded = decodeWindowKey(key, this.retainsDuplicates)
        yield { key: this.#keySerde.deserialize(decoded.key), windowStartMs: decoded.startMs, value: this.#valueSerde.deserialize(value) }
      }
    } finally {
      entries.return?.()
    }
  }
}
