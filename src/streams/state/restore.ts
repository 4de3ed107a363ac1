// Rebuilding a store from its changelog: apply the records in offset order, a value puts, a
// tombstone (null) deletes, so the last write of each key wins. Works on any BytesStore: a
// key-value store, or the segmented store under a window or session store (its keys carry their
// times, so records land in the right segments and expired ones are dropped again). Given a
// ChangeLoggingStore, it restores the wrapped store, so restoring never writes the changelog.
import { SluiceError } from '../../base/errors.ts'
import { ChangeLoggingStore, type ChangelogRecord } from './change-logging-store.ts'
import type { BytesStore } from './key-value-store.ts'

/** Options of restore(). */
export interface RestoreOptions {
  /**
   * Flush the store after this many records (default 10,000), so a persistent store's pending
   * writes and its dropped segments settle as the restore goes instead of piling up until the end.
   */
  flushEveryRecords?: number
}

const FLUSH_EVERY_RECORDS_DEFAULT = 10_000

/** What restore() applied. */
export interface RestoreSummary {
  records: number
  puts: number
  deletes: number
}

/**
 * Applies `records` (a changelog, oldest first) to `store`, then flushes it. A record the store
 * refuses fails the restore with its position in the changelog.
 * @example
 * const store = new InMemoryStore('counts')
 * await restore(store, changelogRecordsFromTheTopic) // { records, puts, deletes }
 */
export async function restore(store: BytesStore, records: AsyncIterable<ChangelogRecord> | Iterable<ChangelogRecord>, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const target = store instanceof ChangeLoggingStore ? (store.inner as BytesStore) : store
  const flushEvery = options.flushEveryRecords ?? FLUSH_EVERY_RECORDS_DEFAULT
  const summary: RestoreSummary = { records: 0, puts: 0, deletes: 0 }
  const apply = (record: ChangelogRecord): void => {
    try {
      if (record.value === null) {
        target.delete(record.key)
        summary.deletes++
      } else {
        target.put(record.key, record.value)
        summary.puts++
      }
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error
      throw new SluiceError(error.code, `restoring store '${target.name}': changelog record #${summary.records} refused: ${error.message}`, { cause: error, retriable: error.retriable })
    }
    summary.records++
  }
  // A plain iterable is applied without an await per record (it would cost more than the put); both
  // kinds await a flush every `flushEvery` records, which also lets LMDB commits land.
  if (Symbol.asyncIterator in records) {
    for await (const record of records) {
      apply(record)
      if (summary.records % flushEvery === 0) await target.flush()
    }
  } else {
    for (const record of records) {
      apply(record)
      if (summary.records % flushEvery === 0) await target.flush()
    }
  }
  await target.flush()
  return summary
}
