// A changelog kept in memory: a ChangelogSink that keeps every record in order, and shows what a
// compacted topic would keep. The topology test driver and the tests use it where the runtime uses
// a producer to a real changelog topic.
import type { ChangelogRecord, ChangelogSink } from './change-logging-store.ts'
import { copyBytes } from './store-keys.ts'

/** An in-memory, append-only changelog. */
export class MemoryChangelog implements ChangelogSink {
  /** Every record appended, oldest first (copies: appenders may reuse their buffers). */
  readonly records: ChangelogRecord[] = []

  append(key: Buffer, value: Buffer | null): void {
    this.records.push({ key: copyBytes(key), value: value === null ? null : copyBytes(value) })
  }

  /**
   * What log compaction keeps: the last record of each key, in offset order. Tombstones stay unless
   * `dropTombstones` (Kafka removes them after delete.retention.ms).
   */
  compacted(options: { dropTombstones?: boolean } = {}): ChangelogRecord[] {
    const lastIndex = new Map<string, number>()
    this.records.forEach((record, index) => lastIndex.set(record.key.toString('latin1'), index))
    return this.records.filter((record, index) => {
      if (lastIndex.get(record.key.toString('latin1')) !== index) return false
      return !(options.dropTombstones === true && record.value === null)
    })
  }

  /** The records as a consumer would deliver them: asynchronously, oldest first. */
  async *replay(records: readonly ChangelogRecord[] = this.records): AsyncGenerator<ChangelogRecord> {
    for (const record of records) yield record
  }
}
