// State a task must write to a changelog at commit and rebuild from it: the contract between the
// task's stateful processors and the runtime's commit and restore. Key-value stores use the
// state library's ChangeLoggingStore (changes are coalesced per key and handed to the sink at
// flush); window operators and join buffers export the state of each key that changed. Restore
// replays a changelog partition from its start, last record per key winning, then installs it.
import type { ChangelogRecord } from '../state/index.ts'
import type { StoreSpec } from '../topology/index.ts'

/** A store's state, logged to its changelog partition (the task's partition of `spec.changelogTopic`). */
export interface LoggedState {
  readonly spec: StoreSpec
  /** Whether this state writes its changelog (false when the changelog is the app's source topic, as for app.table). */
  readonly isLogged: boolean
  /** Hands every change since the last flush to the changelog sink it was built with. */
  flush(): Promise<void> | void
  /** Applies one changelog record during restore (before any processing). */
  restore(record: ChangelogRecord): void
  /** Called once after the last restored record. */
  finishRestore(): void
}

/**
 * The changelog key under which window operators keep operator-wide state (the watermark):
 * 0xff never occurs in UTF-8 text nor JSON, so no string or JSON key serializes to it.
 */
export const META_KEY = Buffer.from([0xff, 0xfe, 0x6d, 0x65, 0x74, 0x61])

/** True when `key` is META_KEY. */
export function isMetaKey(key: Buffer): boolean {
  return key.length === META_KEY.length && key.equals(META_KEY)
}
