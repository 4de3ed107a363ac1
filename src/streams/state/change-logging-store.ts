// Changelogging: a BytesStore wrapper that records every change of the store it wraps to a
// ChangelogSink, which the runtime implements with a producer to the store's compacted changelog
// topic (key = the store's key bytes, value = the new value, null = tombstone). restore.ts rebuilds a
// store from those records after a crash or on another process.
//
// Coalescing (on by default, like Kafka Streams' record cache): between flushes only the last
// change of each key is kept, and flush() appends them to the sink in key order before flushing the
// wrapped store; a key written 1,000 times between commits costs one changelog record. The wrapped
// store itself is written at once, so reads never need the pending changes. When more than
// `pendingChangesMax` keys wait, they go to the sink early (memory stays bounded; the changelog just
// gets a few more records). Without coalescing each change is appended as it happens.
import { BPlusTree } from './b-plus-tree.ts'
import type { BytesStore, KeyValue } from './key-value-store.ts'
import { copyBytes } from './store-keys.ts'

/** Where a store's changes go: the runtime's producer to the changelog topic. */
export interface ChangelogSink {
  /**
   * Records that `key` now holds `value` (null: the key was deleted). The buffers are valid only
   * during the call: a sink that keeps them must copy them (a producer encodes them at once).
   */
  append(key: Buffer, value: Buffer | null): void
}

/** One record of a changelog topic, as restore() reads it. */
export interface ChangelogRecord {
  key: Buffer
  /** The value, or null for a tombstone (the key was deleted). */
  value: Buffer | null
}

/** Options of ChangeLoggingStore. */
export interface ChangeLoggingOptions {
  /** Keep only the last change per key between flushes (default true). */
  coalesce?: boolean
  /** Pending keys that make the wrapper hand its changes to the sink before flush (default 10,000). */
  pendingChangesMax?: number
}

const PENDING_CHANGES_MAX_DEFAULT = 10_000

/** A BytesStore that records its changes to a changelog. Reads go straight to the wrapped store. */
export class ChangeLoggingStore<S extends BytesStore = BytesStore> implements BytesStore {
  /** The wrapped store; restore() writes here, so restoring never logs again. */
  readonly inner: S
  readonly #sink: ChangelogSink
  readonly #pending: BPlusTree<Buffer | null> | null
  readonly #pendingChangesMax: number

  constructor(inner: S, sink: ChangelogSink, options: ChangeLoggingOptions = {}) {
    this.inner = inner
    this.#sink = sink
    this.#pending = options.coalesce === false ? null : new BPlusTree<Buffer | null>()
    this.#pendingChangesMax = options.pendingChangesMax ?? PENDING_CHANGES_MAX_DEFAULT
  }

  get name(): string {
    return this.inner.name
  }

  get isOpen(): boolean {
    return this.inner.isOpen
  }

  /** Keys whose last change has not reached the sink yet. */
  get pendingChanges(): number {
    return this.#pending?.size ?? 0
  }

  get(key: Buffer): Buffer | undefined {
    return this.inner.get(key)
  }

  put(key: Buffer, value: Buffer): void {
    this.inner.put(key, value) // validates first: a refused write is never logged
    this.#log(key, value)
  }

  delete(key: Buffer): void {
    this.inner.delete(key)
    this.#log(key, null)
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  range(from?: Buffer, to?: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.inner.range(from, to)
  }

  all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.inner.all()
  }

  approximateCount(): number {
    return this.inner.approximateCount()
  }

  /** Hands the pending changes to the sink (in key order), then flushes the wrapped store. */
  async flush(): Promise<void> {
    this.#drain()
    await this.inner.flush()
  }

  async close(): Promise<void> {
    if (!this.inner.isOpen) return
    try {
      this.#drain()
    } finally {
      await this.inner.close()
    }
  }

  #log(key: Buffer, value: Buffer | null): void {
    const pending = this.#pending
    if (pending === null) {
      this.#sink.append(key, value)
      return
    }
    pending.set(key, value === null ? null : copyBytes(value), copyBytes)
    if (pending.size > this.#pendingChangesMax) this.#drain()
  }

  #drain(): void {
    const pending = this.#pending
    if (pending === null || pending.size === 0) return
    const sent: Buffer[] = []
    try {
      for (let c = pending.seek(undefined); c.isValid; c.advance()) {
        this.#sink.append(c.key, c.value)
        sent.push(c.key)
      }
    } catch (error) {
      // Keep what the sink did not take, so the next flush sends it; then report the failure.
      for (const key of sent) pending.delete(key)
      throw error
    }
    pending.clear()
  }
}
