// The persistent bytes store on LMDB (lmdb-js): one named database of an LMDB directory, opened
// through LmdbEnvironment (lmdb-environment.ts), the BytesStoreProvider of that directory.
//
// Writes never touch LMDB directly. lmdb-js commits asynchronously (a write is not readable until its
// batch commits) while the contract promises read-your-writes, so puts and deletes go to an overlay:
// a B+tree of pending writes (a value, or null for a delete) tagged with a generation number. Reads
// look in the overlay first, then LMDB. A write-out (on flush(), or in the background when the
// unwritten bytes pass `pendingBytesMax`) hands every entry of the current generation to lmdb-js as
// async puts/removes, which it batches into one transaction on its write thread; the generation
// number then moves on, so later writes to the same keys stay in the overlay. When the commit lands,
// entries of that generation or older leave the overlay. The overlay therefore also coalesces writes
// per key between flushes: LMDB sees only the last value of a key.
//
// Durability: flush() resolves after the write-out has committed and `db.flushed` (the fsync that
// lmdb-js runs after commit with overlappingSync, its default on Linux) has resolved. Keys are raw
// bytes (keyEncoding 'binary'), compared by LMDB as memcmp, the same order as the in-memory store.
// Iteration merges the overlay and an LMDB range cursor; either side seeks again past the last key
// returned when it changed (overlay version, or a landed commit), so iterators stay weakly consistent.
import type { Database } from 'lmdb'
import { SluiceError } from '../../base/errors.ts'
import { BPlusTree, TreeCursor } from './b-plus-tree.ts'
import type { BytesStore, KeyValue } from './key-value-store.ts'
import { checkKey, checkValue, compareBytes, copyBytes, storeClosed } from './store-keys.ts'

/** A write waiting in the overlay: the value (null = delete) and the generation that wrote it. */
interface Pending {
  value: Buffer | null
  generation: number
}

const EXACT_COUNT_PENDING_MAX = 10_000

/** A persistent, sorted BytesStore in one named database of an LMDB environment. */
export class LmdbStore implements BytesStore {
  readonly name: string
  readonly #db: Database<Buffer, Buffer>
  readonly #path: string
  readonly #pendingBytesMax: number
  readonly #onClose: (store: LmdbStore) => Promise<void>
  readonly #overlay = new BPlusTree<Pending>()
  /** The generation new writes get; write-outs take the current one and move it on. */
  #generation = 1
  #unwrittenBytes = 0
  #unwrittenCount = 0
  /** Changes when a commit lands, so LMDB cursors opened before it seek again. */
  #landedVersion = 0
  /** The newest write-out; commits land in order, so awaiting it awaits all earlier ones. */
  #lastWrite: Promise<void> = Promise.resolve()
  #failure: SluiceError | null = null
  #writesInFlight = 0
  /** Set by retire(): runs once the last in-flight write-out has settled. */
  #onSettled: (() => void) | null = null
  #isOpen = true
  /** What LmdbRangeIterator reads of the store; one object per store, so iterating allocates none. */
  readonly view: StoreView

  /** Use LmdbEnvironment#open or openLmdbStore (lmdb-environment.ts). */
  constructor(name: string, db: Database<Buffer, Buffer>, path: string, pendingBytesMax: number, onClose: (store: LmdbStore) => Promise<void>) {
    this.name = name
    this.#db = db
    this.#path = path
    this.#pendingBytesMax = pendingBytesMax
    this.#onClose = onClose
    this.view = { overlay: this.#overlay, db, landedVersion: () => this.#landedVersion, check: () => this.#checkOpen() }
  }

  get isOpen(): boolean {
    return this.#isOpen
  }

  get(key: Buffer): Buffer | undefined {
    this.#checkOpen()
    checkKey(this.name, key)
    if (this.#overlay.size > 0) {
      const pending = this.#overlay.get(key)
      if (pending !== undefined) return pending.value ?? undefined
    }
    try {
      return this.#db.getBinary(key)
    } catch (error) {
      throw this.#storageError('get', error)
    }
  }

  put(key: Buffer, value: Buffer): void {
    this.#checkOpen()
    checkKey(this.name, key)
    checkValue(this.name, value)
    this.#stage(key, copyBytes(value))
  }

  delete(key: Buffer): void {
    this.#checkOpen()
    checkKey(this.name, key)
    this.#stage(key, null)
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  range(from?: Buffer, to?: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    this.#checkOpen()
    if (from !== undefined) checkKey(this.name, from)
    if (to !== undefined) checkKey(this.name, to)
    return new LmdbRangeIterator(this.view, from, to)
  }

  all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.range()
  }

  /**
   * Entries committed to LMDB, corrected by the pending writes: exact while few writes are pending
   * (each is checked against LMDB), else assuming each pending put adds a key and each delete
   * removes one.
   */
  approximateCount(): number {
    this.#checkOpen()
    try {
      let count = (this.#db.getStats() as { entryCount: number }).entryCount
      const isExact = this.#overlay.size <= EXACT_COUNT_PENDING_MAX
      for (let c = this.#overlay.seek(undefined); c.isValid; c.advance()) {
        const isStored = isExact ? this.#db.getBinary(c.key) !== undefined : c.value.value === null
        if (c.value.value === null && isStored) count--
        else if (c.value.value !== null && !isStored) count++
      }
      return Math.max(0, count)
    } catch (error) {
      throw this.#storageError('count', error)
    }
  }

  async flush(): Promise<void> {
    this.#checkOpen()
    this.#writeOut()
    await this.#lastWrite
    try {
      await this.#db.flushed
    } catch (error) {
      this.#failure ??= this.#storageError('flush', error)
    }
    if (this.#failure !== null) throw this.#failure
  }

  async close(): Promise<void> {
    if (!this.#isOpen) return
    try {
      await this.flush()
    } finally {
      this.#isOpen = false
      await this.#onClose(this)
    }
  }

  /** True while a write-out has been handed to lmdb-js and has not committed yet. */
  get hasWritesInFlight(): boolean {
    return this.#writesInFlight > 0
  }

  /**
   * Closes without writing what is pending, because the store is being dropped; `onSettled` runs
   * when no write-out is in flight any more (at once if none is). Internal to LmdbEnvironment.
   * Returns the promise of the last write-out, which settles after `onSettled` ran.
   */
  retire(onSettled: () => void): Promise<void> {
    this.#isOpen = false
    this.#overlay.clear()
    this.#unwrittenCount = 0
    if (this.#writesInFlight === 0) onSettled()
    else this.#onSettled = onSettled
    return this.#lastWrite
  }

  #stage(key: Buffer, value: Buffer | null): void {
    this.#overlay.set(key, { value, generation: this.#generation }, copyBytes)
    this.#unwrittenCount++
    this.#unwrittenBytes += key.length + (value === null ? 0 : value.length)
    if (this.#unwrittenBytes > this.#pendingBytesMax) this.#writeOut()
  }

  /** Hands the current generation to lmdb-js (one batched async transaction) and starts the next. */
  #writeOut(): void {
    if (this.#unwrittenCount === 0 || this.#failure !== null) return
    const generation = this.#generation++
    this.#unwrittenCount = 0
    this.#unwrittenBytes = 0
    let last: Promise<boolean> | undefined
    try {
      // All puts are issued in this one synchronous loop, so lmdb-js batches them into one commit.
      for (let c = this.#overlay.seek(undefined); c.isValid; c.advance()) {
        const pending = c.value
        if (pending.generation !== generation) continue
        last = pending.value === null ? this.#db.remove(c.key) : this.#db.put(c.key, pending.value)
      }
    } catch (error) {
      this.#failure = this.#storageError('write', error)
      return
    }
    if (last === undefined) return
    this.#writesInFlight++
    this.#lastWrite = last.then(
      () => {
        this.#land(generation)
        this.#settle()
      },
      // Handled, not swallowed: the failure is kept and thrown by every later flush(); the entries
      // stay in the overlay, so reads still see them.
      (error: unknown) => {
        this.#failure ??= this.#storageError('commit', error)
        this.#settle()
      },
    )
  }

  #settle(): void {
    if (--this.#writesInFlight > 0 || this.#onSettled === null) return
    const onSettled = this.#onSettled
    this.#onSettled = null
    onSettled()
  }

  /** A commit of `generation` landed: its entries (and older ones not rewritten since) leave the overlay. */
  #land(generation: number): void {
    this.#landedVersion++
    if (!this.#isOpen) return
    const landed: Buffer[] = []
    for (let c = this.#overlay.seek(undefined); c.isValid; c.advance()) if (c.value.generation <= generation) landed.push(c.key)
    if (landed.length === this.#overlay.size) this.#overlay.clear()
    else for (const key of landed) this.#overlay.delete(key)
  }

  #checkOpen(): void {
    if (!this.#isOpen) throw storeClosed(this.name)
  }

  #storageError(action: string, cause: unknown): SluiceError {
    if (cause instanceof SluiceError) return cause
    const message = cause instanceof Error ? cause.message : String(cause)
    return new SluiceError('KAFKA_STORAGE_ERROR', `state store '${this.name}' in ${this.#path}: ${action} failed: ${message}`, { cause })
  }
}

type LmdbEntry = { key: Buffer; value: Buffer }

/** The parts of an LmdbStore its iterators read. */
interface StoreView {
  readonly overlay: BPlusTree<Pending>
  readonly db: Database<Buffer, Buffer>
  landedVersion(): number
  check(): void
}

/**
 * Merges the overlay (pending writes win; null hides the key) with an LMDB cursor, between inclusive
 * bounds. Each side seeks again just past the last returned key when its source changed.
 */
class LmdbRangeIterator implements IterableIterator<KeyValue<Buffer, Buffer>> {
  readonly #store: StoreView
  readonly #from: Buffer | undefined
  readonly #to: Buffer | undefined
  readonly #cursor = new TreeCursor<Pending>()
  #overlayVersion = -1
  #lmdb: Iterator<LmdbEntry> | null = null
  #lmdbHead: LmdbEntry | null = null
  #landedVersion = -1
  #last: Buffer | null = null
  #isDone = false

  constructor(store: StoreView, from: Buffer | undefined, to: Buffer | undefined) {
    this.#store = store
    this.#from = from
    this.#to = to
    if (from !== undefined && to !== undefined && compareBytes(from, to) > 0) this.#isDone = true
  }

  [Symbol.iterator](): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this
  }

  next(): IteratorResult<KeyValue<Buffer, Buffer>> {
    if (this.#isDone) return DONE
    const store = this.#store
    store.check()
    const overlay = store.overlay
    if (overlay.version !== this.#overlayVersion) {
      this.#overlayVersion = overlay.version
      overlay.seek(this.#last ?? this.#from, this.#last !== null, this.#cursor)
    }
    const landedVersion = store.landedVersion()
    if (landedVersion !== this.#landedVersion) {
      this.#landedVersion = landedVersion
      this.#openLmdb(store.db)
    }
    const to = this.#to
    for (;;) {
      const cursor = this.#cursor
      const overlayKey = cursor.isValid ? cursor.key : null
      const head = this.#lmdbHead
      if (overlayKey === null && head === null) return this.return()
      const order = overlayKey === null ? 1 : head === null ? -1 : compareBytes(overlayKey, head.key)
      const key = order <= 0 ? (overlayKey as Buffer) : (head as LmdbEntry).key
      if (to !== undefined && compareBytes(key, to) > 0) return this.return()
      let value: Buffer | null
      if (order <= 0) {
        value = cursor.value.value
        cursor.advance()
        if (order === 0) this.#advanceLmdb()
      } else {
        value = (head as LmdbEntry).value
        this.#advanceLmdb()
      }
      this.#last = key
      if (value !== null) return { value: { key, value }, done: false }
    }
  }

  return(): IteratorResult<KeyValue<Buffer, Buffer>> {
    this.#isDone = true
    this.#closeLmdb()
    return DONE
  }

  #openLmdb(db: Database<Buffer, Buffer>): void {
    this.#closeLmdb()
    const start = this.#last ?? this.#from
    const range = db.getRange({
      ...(start === undefined ? {} : { start, exclusiveStart: this.#last !== null }),
      ...(this.#to === undefined ? {} : { end: this.#to, inclusiveEnd: true }),
    })
    this.#lmdb = (range as Iterable<LmdbEntry>)[Symbol.iterator]()
    this.#advanceLmdb()
  }

  #advanceLmdb(): void {
    const lmdb = this.#lmdb
    if (lmdb === null) return
    const step = lmdb.next()
    if (step.done === true) {
      this.#lmdbHead = null
      this.#lmdb = null
    } else this.#lmdbHead = step.value
  }

  #closeLmdb(): void {
    this.#lmdb?.return?.()
    this.#lmdb = null
    this.#lmdbHead = null
  }
}

const DONE: IteratorResult<never> = { value: undefined, done: true }
