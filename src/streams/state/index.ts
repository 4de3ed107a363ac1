// Public surface of streams state: the store contract, its in-memory and LMDB implementations,
// window and session stores, changelogging and restore.
export type { BytesStore, BytesStoreProvider, KeyValue, KeyValueStore } from './key-value-store.ts'
export { STORE_KEY_BYTES_MAX } from './store-keys.ts'
export { InMemoryStore, InMemoryStoreProvider } from './in-memory-store.ts'
export { LmdbStore } from './lmdb-store.ts'
export { LmdbEnvironment, openLmdbStore, type LmdbOptions } from './lmdb-environment.ts'
export { keyValueStore, TypedKeyValueStore, type KeyValueStoreOptions } from './typed-key-value-store.ts'
export { defaultSegmentIntervalMs, SegmentedBytesStore, type SegmentedStoreOptions } from './segmented-store.ts'
export { WindowStore, type WindowedEntry, type WindowStoreOptions } from './window-store.ts'
export { SessionStore, type SessionEntry, type SessionStoreOptions, type SessionWindow } from './session-store.ts'
export { ChangeLoggingStore, type ChangelogRecord, type ChangelogSink, type ChangeLoggingOptions } from './change-logging-store.ts'
export { MemoryChangelog } from './memory-changelog.ts'
export { restore, type RestoreSummary } from './restore.ts'
