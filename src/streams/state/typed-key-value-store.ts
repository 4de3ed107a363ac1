// The typed face of a key-value store: keys and values of any type, through serdes, over a
// BytesStore. This is where serdes meet state (Kafka Streams' MeteredKeyValueStore does the same):
// the bytes store below is shared by every type, and what the changelog records is exactly what it
// holds. Key order is the byte order of the *serialized* keys: JSON or string keys sort as UTF-8
// text (so 10 sorts before 9 as JSON numbers); pick a key serde whose bytes sort as the app needs.
import type { Serde } from '../serdes/serde.ts'
import { ChangeLoggingStore, type ChangeLoggingOptions, type ChangelogSink } from './change-logging-store.ts'
import type { BytesStore, BytesStoreProvider, KeyValue, KeyValueStore } from './key-value-store.ts'

/** A KeyValueStore<K, V> that serializes at the edge and stores bytes. */
export class TypedKeyValueStore<K, V> implements KeyValueStore<K, V> {
  /** The bytes store underneath (a ChangeLoggingStore when logged): what restore() rebuilds. */
  readonly bytes: BytesStore
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>

  constructor(bytes: BytesStore, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.bytes = bytes
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
  }

  get name(): string {
    return this.bytes.name
  }

  get isOpen(): boolean {
    return this.bytes.isOpen
  }

  get(key: K): V | undefined {
    const bytes = this.bytes.get(this.#keySerde.serialize(key))
    return bytes === undefined ? undefined : this.#valueSerde.deserialize(bytes)
  }

  put(key: K, value: V): void {
    this.bytes.put(this.#keySerde.serialize(key), this.#valueSerde.serialize(value))
  }

  delete(key: K): void {
    this.bytes.delete(this.#keySerde.serialize(key))
  }

  putAll(entries: Iterable<KeyValue<K, V>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  range(from?: K, to?: K): IterableIterator<KeyValue<K, V>> {
    const low = from === undefined ? undefined : this.#keySerde.serialize(from)
    const high = to === undefined ? undefined : this.#keySerde.serialize(to)
    return this.#decode(this.bytes.range(low, high))
  }

  all(): IterableIterator<KeyValue<K, V>> {
    return this.#decode(this.bytes.all())
  }

  approximateCount(): number {
    return this.bytes.approximateCount()
  }

  flush(): Promise<void> {
    return this.bytes.flush()
  }

  close(): Promise<void> {
    return this.bytes.close()
  }

  *#decode(entries: IterableIterator<KeyValue<Buffer, Buffer>>): IterableIterator<KeyValue<K, V>> {
    // try/finally: leaving the typed loop early closes the store iterator underneath.
    try {
      for (const { key, value } of entries) yield { key: this.#keySerde.deserialize(key), value: this.#valueSerde.deserialize(value) }
    } finally {
      entries.return?.()
    }
  }
}

/** Options of keyValueStore. */
export interface KeyValueStoreOptions<K, V> {
  name: string
  /** Where the bytes live: an InMemoryStoreProvider or an LmdbEnvironment. */
  provider: BytesStoreProvider
  keySerde: Serde<K>
  valueSerde: Serde<V>
  /** Records every change to this sink (the store's changelog topic), coalesced per flush by default. */
  changelog?: ChangelogSink
  changelogOptions?: ChangeLoggingOptions
}

/**
 * Opens a typed key-value store in a provider, changelogged when a sink is given.
 * @example
 * const counts = keyValueStore({ name: 'counts', provider: new InMemoryStoreProvider(),
 *   keySerde: stringSerde, valueSerde: jsonSerde<number>(), changelog })
 * counts.put('card-42', (counts.get('card-42') ?? 0) + 1)
 */
export function keyValueStore<K, V>(options: KeyValueStoreOptions<K, V>): TypedKeyValueStore<K, V> {
  const inner = options.provider.open(options.name)
  const bytes = options.changelog === undefined ? inner : new ChangeLoggingStore(inner, options.changelog, options.changelogOptions)
  return new TypedKeyValueStore(bytes, options.keySerde, options.valueSerde)
}
