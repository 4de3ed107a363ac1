// A BytesStore split into time segments, the base of window and session stores (as in Kafka
// Streams). Each key carries a time (its `timeOf`: a window's start, a session's end); the key goes to
// segment floor(time / segmentIntervalMs), and each segment is one store of a BytesStoreProvider
// (memory, or a named database in an LMDB directory) called `<name>.<segment id>`.
//
// Retention: the store tracks stream time, the largest time put so far. A key whose time is below
// stream time - retentionMs + 1 has expired: a put of it is dropped (and counted), reads and scans
// no longer see it, and once every time a segment can hold has expired the segment is dropped
// whole, one provider.drop instead of a delete per key. Stream time never goes back; after a reopen
// it is recomputed from the newest segment.
//
// Reads of one key go to its segment; scans merge the live segments' ranges in key order (a key lives
// in exactly one segment, so there is nothing to deduplicate). Window and session stores pass a time
// range too, and only segments overlapping it are read. A scan reads the segments that existed when
// it started (a write to a segment created later is not seen by it); otherwise scans are weakly
// consistent like the segments' own iterators.
import { isSluiceError, SluiceError } from '../../base/errors.ts'
import type { BytesStore, BytesStoreProvider, KeyValue } from './key-value-store.ts'
import { checkKey, compareBytes, storeClosed } from './store-keys.ts'

/** How a segmented store is made. */
export interface SegmentedStoreOptions {
  /** The store's name; its segments are `<name>.<segment id>` in the provider. */
  name: string
  provider: BytesStoreProvider
  /** How long a time stays readable behind stream time. */
  retentionMs: number
  /** The time span of one segment (Kafka Streams' default: max(retentionMs / 2, 60 s)). */
  segmentIntervalMs: number
  /** The time of an encoded key (throws CORRUPT_MESSAGE when the key does not follow the layout). */
  timeOf(key: Buffer): number
}

/** Kafka Streams' default segment interval for a retention period. */
export function defaultSegmentIntervalMs(retentionMs: number): number {
  return Math.max(Math.floor(retentionMs / 2), 60_000)
}

/** A BytesStore of time-carrying keys, kept in droppable time segments. */
export class SegmentedBytesStore implements BytesStore {
  readonly name: string
  readonly retentionMs: number
  readonly segmentIntervalMs: number
  readonly #provider: BytesStoreProvider
  readonly #timeOf: (key: Buffer) => number
  /** Live segments by id, and their ids in ascending order. */
  readonly #segments = new Map<number, BytesStore>()
  #ids: number[] = []
  #streamTimeMs = Number.MIN_SAFE_INTEGER
  #droppedBelowId = Number.MIN_SAFE_INTEGER
  #expiredPuts = 0
  #writes = 0
  #isOpen = true
  readonly #view: MergeView = { check: () => this.#checkOpen(), writes: () => this.#writes }

  constructor(options: SegmentedStoreOptions) {
    if (!(options.retentionMs > 0) || !(options.segmentIntervalMs > 0) || !Number.isSafeInteger(options.retentionMs) || !Number.isSafeInteger(options.segmentIntervalMs)) {
      throw new SluiceError('INVALID_CONFIG', `store '${options.name}': retentionMs and segmentIntervalMs must be positive whole milliseconds, got ${options.retentionMs} and ${options.segmentIntervalMs}`)
    }
    this.name = options.name
    this.retentionMs = options.retentionMs
    this.segmentIntervalMs = options.segmentIntervalMs
    this.#provider = options.provider
    this.#timeOf = options.timeOf
    this.#reopenSegments()
  }

  get isOpen(): boolean {
    return this.#isOpen
  }

  /** The largest time put so far (Number.MIN_SAFE_INTEGER before the first put). */
  get streamTimeMs(): number {
    return this.#streamTimeMs
  }

  /** The oldest time still readable: stream time - retention + 1. */
  get minLiveTimeMs(): number {
    return this.#streamTimeMs === Number.MIN_SAFE_INTEGER ? Number.MIN_SAFE_INTEGER : this.#streamTimeMs - this.retentionMs + 1
  }

  /** Puts dropped because their time had already expired. */
  get expiredPuts(): number {
    return this.#expiredPuts
  }

  /** Ids of the live segments, ascending (for tests and metrics). */
  get segmentIds(): readonly number[] {
    return this.#ids
  }

  /**
   * True (and counted in expiredPuts) when a put at `time` would be dropped as expired. Typed stores
   * ask first, so late records cost neither serialization nor a changelog record.
   */
  rejectExpired(time: number): boolean {
    this.#checkOpen()
    if (time >= this.minLiveTimeMs) return false
    this.#expiredPuts++
    return true
  }

  get(key: Buffer): Buffer | undefined {
    this.#checkOpen()
    checkKey(this.name, key)
    const time = this.#timeOf(key)
    if (time < this.minLiveTimeMs) return undefined
    return this.#segments.get(this.#segmentId(time))?.get(key)
  }

  put(key: Buffer, value: Buffer): void {
    this.#checkOpen()
    checkKey(this.name, key)
    const time = this.#timeOf(key)
    if (time > this.#streamTimeMs) this.#streamTimeMs = time
    if (time < this.minLiveTimeMs) {
      this.#expiredPuts++
      return
    }
    this.#writes++
    this.#segment(this.#segmentId(time)).put(key, value)
    this.#dropExpiredSegments()
  }

  delete(key: Buffer): void {
    this.#checkOpen()
    checkKey(this.name, key)
    this.#writes++
    this.#segments.get(this.#segmentId(this.#timeOf(key)))?.delete(key)
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  range(from?: Buffer, to?: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.rangeWithin(from, to, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  }

  /**
   * Entries with from <= key <= to (inclusive, undefined = open) and a live time in
   * [timeFromMs, timeToMs], in key order, reading only the segments that overlap the time range.
   */
  rangeWithin(from: Buffer | undefined, to: Buffer | undefined, timeFromMs: number, timeToMs: number): IterableIterator<KeyValue<Buffer, Buffer>> {
    this.#checkOpen()
    if (from !== undefined) checkKey(this.name, from)
    if (to !== undefined) checkKey(this.name, to)
    const low = Math.max(timeFromMs, this.minLiveTimeMs)
    const segments: BytesStore[] = []
    if (low <= timeToMs) {
      const firstId = this.#segmentId(low)
      const lastId = this.#segmentId(timeToMs)
      for (const id of this.#ids) if (id >= firstId && id <= lastId) segments.push(this.#segments.get(id) as BytesStore)
    }
    return new MergedRange(segments, from, to, this.#view, (key) => {
      const time = this.#timeOf(key)
      return time >= low && time <= timeToMs && time >= this.minLiveTimeMs
    })
  }

  all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.range()
  }

  approximateCount(): number {
    this.#checkOpen()
    let count = 0
    for (const segment of this.#segments.values()) count += segment.approximateCount()
    return count
  }

  async flush(): Promise<void> {
    this.#checkOpen()
    await Promise.all([...this.#segments.values()].map((segment) => segment.flush()))
    await this.#provider.flush()
  }

  async close(): Promise<void> {
    if (!this.#isOpen) return
    try {
      for (const segment of this.#segments.values()) await segment.close()
    } finally {
      this.#isOpen = false
      this.#segments.clear()
      this.#ids = []
    }
  }

  #segmentId(time: number): number {
    return Math.floor(time / this.segmentIntervalMs)
  }

  #segment(id: number): BytesStore {
    const existing = this.#segments.get(id)
    if (existing !== undefined) return existing
    const segment = this.#provider.open(`${this.name}.${id}`)
    this.#segments.set(id, segment)
    // Segments are few (retention / interval + 1); an insertion into a sorted array is plenty.
    let at = this.#ids.length
    while (at > 0 && (this.#ids[at - 1] as number) > id) at--
    this.#ids.splice(at, 0, id)
    return segment
  }

  /** Drops every segment whose newest possible time has expired. Cheap when nothing changed. */
  #dropExpiredSegments(): void {
    // Segment id s holds times [s * interval, (s + 1) * interval - 1]; its last time is live exactly
    // when s >= floor(minLive / interval), the segment of the oldest live time.
    const liveFrom = this.#segmentId(this.minLiveTimeMs)
    if (liveFrom <= this.#droppedBelowId) return
    this.#droppedBelowId = liveFrom
    while (this.#ids.length > 0 && (this.#ids[0] as number) < liveFrom) {
      const id = this.#ids.shift() as number
      this.#segments.delete(id)
      this.#provider.drop(`${this.name}.${id}`)
    }
  }

  /** Opens the segments a persistent provider already holds and recomputes stream time from the newest. */
  #reopenSegments(): void {
    const prefix = `${this.name}.`
    const ids: number[] = []
    for (const name of this.#provider.names()) {
      if (!name.startsWith(prefix)) continue
      const rest = name.slice(prefix.length)
      if (/^-?\d+$/.test(rest)) ids.push(Number(rest))
    }
    ids.sort((a, b) => a - b)
    for (const id of ids) this.#segment(id)
    for (let i = this.#ids.length - 1; i >= 0 && this.#streamTimeMs === Number.MIN_SAFE_INTEGER; i--) {
      for (const { key } of (this.#segments.get(this.#ids[i] as number) as BytesStore).all()) {
        const time = this.#timeOf(key)
        if (time > this.#streamTimeMs) this.#streamTimeMs = time
      }
    }
    this.#dropExpiredSegments()
  }

  #checkOpen(): void {
    if (!this.#isOpen) throw storeClosed(this.name)
  }
}

/** What a MergedRange reads of its segmented store. */
interface MergeView {
  check(): void
  /** Counts puts and deletes; a change means buffered heads may be stale. */
  writes(): number
}

/**
 * Merges the ranges of disjoint segments into one in key order, keeping entries `isLive` accepts.
 * It buffers one head entry per segment; when the store was written since, the heads may be stale
 * (deleted, or a new key now sits before one), so every segment's range is opened again just past
 * the last key returned. A segment dropped by retention meanwhile simply ends: all it held expired.
 */
class MergedRange implements IterableIterator<KeyValue<Buffer, Buffer>> {
  readonly #segments: BytesStore[]
  readonly #sources: Array<Iterator<KeyValue<Buffer, Buffer>> | null>
  readonly #heads: Array<KeyValue<Buffer, Buffer> | null>
  readonly #from: Buffer | undefined
  readonly #to: Buffer | undefined
  readonly #view: MergeView
  readonly #isLive: (key: Buffer) => boolean
  #writesSeen: number
  #last: Buffer | null = null
  #isDone = false

  constructor(segments: BytesStore[], from: Buffer | undefined, to: Buffer | undefined, view: MergeView, isLive: (key: Buffer) => boolean) {
    this.#segments = segments
    this.#from = from
    this.#to = to
    this.#view = view
    this.#isLive = isLive
    this.#writesSeen = view.writes()
    this.#sources = segments.map(() => null)
    this.#heads = segments.map(() => null)
    for (let i = 0; i < segments.length; i++) this.#open(i)
  }

  [Symbol.iterator](): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this
  }

  next(): IteratorResult<KeyValue<Buffer, Buffer>> {
    if (this.#isDone) return DONE
    this.#view.check()
    const writes = this.#view.writes()
    if (writes !== this.#writesSeen) {
      this.#writesSeen = writes
      for (let i = 0; i < this.#segments.length; i++) this.#open(i)
    }
    for (;;) {
      // A handful of segments: a linear pick of the smallest head beats a heap.
      let best = -1
      for (let i = 0; i < this.#heads.length; i++) {
        const head = this.#heads[i]
        if (head != null && (best === -1 || compareBytes(head.key, (this.#heads[best] as KeyValue<Buffer, Buffer>).key) < 0)) best = i
      }
      if (best === -1) return this.return()
      const entry = this.#heads[best] as KeyValue<Buffer, Buffer>
      this.#last = entry.key
      this.#pull(best)
      if (this.#isLive(entry.key)) return { value: entry, done: false }
    }
  }

  return(): IteratorResult<KeyValue<Buffer, Buffer>> {
    if (!this.#isDone) {
      this.#isDone = true
      for (const source of this.#sources) source?.return?.()
    }
    return DONE
  }

  /** (Re)opens segment i's range just past the last key returned, and buffers its head. */
  #open(i: number): void {
    this.#sources[i]?.return?.()
    this.#sources[i] = null
    this.#heads[i] = null
    const segment = this.#segments[i] as BytesStore
    if (!segment.isOpen) return
    this.#sources[i] = segment.range(this.#last ?? this.#from, this.#to)
    this.#pull(i)
  }

  #pull(i: number): void {
    const segment = this.#segments[i] as BytesStore
    const source = this.#sources[i]
    this.#heads[i] = null
    if (source == null || !segment.isOpen) return
    try {
      let step = source.next()
      // A reopened range starts at the last key returned (bounds are inclusive): skip it.
      while (step.done !== true && this.#last !== null && compareBytes(step.value.key, this.#last) <= 0) step = source.next()
      if (step.done !== true) this.#heads[i] = step.value
    } catch (error) {
      // Only a segment closed by a drop is expected here; anything else is rethrown.
      if (!(isSluiceError(error, 'CLOSED') && !segment.isOpen)) throw error
    }
  }
}

const DONE: IteratorResult<never> = { value: undefined, done: true }
