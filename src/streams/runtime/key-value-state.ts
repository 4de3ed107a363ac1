// The key-value state of a task's table nodes and whole-stream aggregations: a typed store over a
// bytes store (in-memory B+tree or LMDB, from the state library), wrapped in a ChangeLoggingStore
// whose changes go to the store's changelog partition at each commit. A table read from a
// compacted topic (app.table) is not logged again: the topic is its changelog.
import { ChangeLoggingStore, TypedKeyValueStore, type BytesStore, type ChangelogRecord, type ChangelogSink } from '../state/index.ts'
import type { StoreSpec } from '../topology/index.ts'
import type { LoggedState } from './logged-state.ts'

/** One key-value store of a task, logged to its changelog unless the changelog is a source topic. */
export class KeyValueState implements LoggedState {
  readonly spec: StoreSpec
  readonly isLogged: boolean
  readonly store: TypedKeyValueStore<unknown, unknown>
  readonly #raw: BytesStore
  readonly #logging: ChangeLoggingStore | undefined

  constructor(spec: StoreSpec, bytes: BytesStore, sink: ChangelogSink, isLogged: boolean) {
    this.spec = spec
    this.isLogged = isLogged
    this.#raw = bytes
    this.#logging = isLogged ? new ChangeLoggingStore(bytes, sink) : undefined
    this.store = new TypedKeyValueStore(this.#logging ?? bytes, spec.keySerde, spec.valueSerde)
  }

  get(key: unknown): unknown {
    return this.store.get(key)
  }

  put(key: unknown, value: unknown): void {
    this.store.put(key, value)
  }

  delete(key: unknown): void {
    this.store.delete(key)
  }

  flush(): Promise<void> {
    return this.#logging?.flush() ?? this.#raw.flush()
  }

  restore(record: ChangelogRecord): void {
    // Straight into the wrapped store: restoring must not log the records again.
    if (record.value === null) this.#raw.delete(record.key)
    else this.#raw.put(record.key, record.value)
  }

  finishRestore(): void {}

  /** Removes every entry (before a restore from the changelog's start). */
  clear(): void {
    const keys: Buffer[] = []
    for (const entry of this.#raw.all()) keys.push(Buffer.from(entry.key))
    for (const key of keys) this.#raw.delete(key)
  }
}
