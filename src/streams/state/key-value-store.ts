// The key-value store contract every state store implements, and the shape shared by its
// implementations. Stores work on bytes (`BytesStore`): serdes sit at the edge, in a typed facade
// (typed-key-value-store.ts), as in Kafka Streams, so one store implementation serves every key
// and value type, a changelog records exactly the bytes a store holds, and the key order is the
// byte order of the serialized key everywhere (in memory, in LMDB, in the changelog's restore).
// Implementations: in-memory-store.ts (B+tree), lmdb-store.ts; window and session stores build on
// this contract (segmented-store.ts); changelogging wraps it (change-logging-store.ts).

/** One entry of a store. */
export interface KeyValue<K, V> {
  key: K
  value: V
}

/**
 * A sorted key-value store. Reads and writes are synchronous and see every earlier write (read your
 * writes); `flush` makes them durable where the store has a disk. Keys iterate in ascending order.
 *
 * Iterators are weakly consistent (like Java's ConcurrentSkipListMap): writes made while one is
 * open do not break it; it returns each key at most once, in strictly ascending order, and sees a
 * write ahead of its position. Finish an iterator or leave its loop with `break` (which closes it).
 * Buffers a store returns may be its own memory: read them, never modify them.
 */
export interface KeyValueStore<K, V> {
  /** The store's name (unique within its app: it names the changelog topic too). */
  readonly name: string
  /** False after close(). Every other call then throws SluiceError('CLOSED'). */
  readonly isOpen: boolean
  /** The value at `key`, or undefined. */
  get(key: K): V | undefined
  /** Sets `key` to `value`. Stores copy what they keep: the caller may reuse its buffers. */
  put(key: K, value: V): void
  /** Removes `key` (nothing happens when it is absent). */
  delete(key: K): void
  /** `put` of each entry, in order. */
  putAll(entries: Iterable<KeyValue<K, V>>): void
  /** Entries with from <= key <= to (both inclusive; an undefined bound is open) in key order. */
  range(from?: K, to?: K): IterableIterator<KeyValue<K, V>>
  /** Every entry in key order. */
  all(): IterableIterator<KeyValue<K, V>>
  /** The number of entries: exact in memory, an estimate for stores with a disk. */
  approximateCount(): number
  /** Resolves when every earlier write is durable (a no-op in memory). */
  flush(): Promise<void>
  /** Flushes, then releases the store. Idempotent. */
  close(): Promise<void>
}

/** The form every store implementation takes: Buffer keys (1..1978 bytes) and Buffer values. */
export type BytesStore = KeyValueStore<Buffer, Buffer>

/**
 * Opens and removes named bytes stores in one place: memory, or one LMDB environment (a directory).
 * Window and session stores keep one store per time segment here, so expiring a segment is one
 * cheap `drop` instead of a delete per key.
 */
export interface BytesStoreProvider {
  /** Opens the store `name`, creating it empty if it does not exist. Opening it twice is an error. */
  open(name: string): BytesStore
  /** Closes and deletes the store `name` with all its data. Its disk space is freed by the next flush. */
  drop(name: string): void
  /** The names of the stores that exist here (open or not), in no particular order. */
  names(): string[]
  /** Resolves when every write and drop in every store here is durable. */
  flush(): Promise<void>
  /** Closes every store here and releases the provider. */
  close(): Promise<void>
}
