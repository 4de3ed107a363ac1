// ListOffsets for one partition: earliest (log start offset), latest (high watermark), the first
// record at or after a timestamp, and the record with the largest timestamp (KIP-734). Storage
// answers by batch (offsetForTimestamp gives the first batch whose maxTimestamp is >= the target);
// Kafka answers by record, so the found batch is decoded to pick the exact record. This is the only
// place the coordinator decodes records, and it runs for an admin or seek call, not per produce.
import type { PartitionLog } from '../storage/partition-log.ts'
import { batchPositions, forEachRecord, lastOffset } from '../protocol/records/index.ts'

/** What to look up: Kafka's special timestamps -2 (earliest), -1 (latest), -3 (max timestamp) also work. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number }

/** An offset and the timestamp of its record; -1 and -1 when no record matches. */
export interface ListedOffset {
  offset: number
  timestamp: number
}

const NONE: ListedOffset = Object.freeze({ offset: -1, timestamp: -1 })
/** Bytes asked of the log when decoding the batch that holds the answer (it always returns one whole batch). */
const READ_BYTES = 1

/** Resolves an OffsetSpec against a partition log. */
export async function listOffsets(log: PartitionLog, spec: OffsetSpec): Promise<ListedOffset> {
  const kind = typeof spec === 'string' ? spec : spec.timestamp === -2 ? 'earliest' : spec.timestamp === -1 ? 'latest' : spec.timestamp === -3 ? 'max-timestamp' : null
  if (kind === 'earliest') return { offset: log.logStartOffset, timestamp: -1 }
  if (kind === 'latest') return { offset: log.highWatermark, timestamp: -1 }
  if (kind === 'max-timestamp') return maxTimestamp(log)
  const target = (spec as { timestamp: number }).timestamp
  return firstRecordAtOrAfter(log, Math.max(0, target))
}

/** The first record (lowest offset) whose timestamp is >= `timestamp`. */
async function firstRecordAtOrAfter(log: PartitionLog, timestamp: number): Promise<ListedOffset> {
  let from = await log.offsetForTimestamp(timestamp)
  // A batch's maxTimestamp >= target guarantees a matching record in it; the loop only moves on if
  // the log changed under us (retention) or records were compacted away.
  while (from !== null && from < log.highWatermark) {
    const { records } = await log.read(from, READ_BYTES)
    if (records.length === 0) return NONE
    let found: ListedOffset | null = null
    let next = from
    for (const pos of batchPositions(records)) {
      next = lastOffset(records, pos) + 1
      if (next <= from) continue
      forEachRecord(records, pos, (offset, recordTimestamp) => {
        if (found === null && offset >= from! && recordTimestamp >= timestamp) found = { offset, timestamp: recordTimestamp }
      })
      if (found !== null) return found
    }
    from = next
  }
  return NONE
}

/**
 * The record with the largest timestamp (the lowest offset among ties). Storage keeps each
 * segment's max timestamp but does not expose it, so the max is found by binary search over
 * offsetForTimestamp (non-null exactly when some batch reaches the timestamp): about 53 index
 * lookups, cheap for an admin call.
 */
async function maxTimestamp(log: PartitionLog): Promise<ListedOffset> {
  if ((await log.offsetForTimestamp(0)) === null) return NONE
  let low = 0 // reached by some batch
  let high = Number.MAX_SAFE_INTEGER // above `high`, nothing
  while (low < high) {
    const mid = low + Math.ceil((high - low) / 2)
    if ((await log.offsetForTimestamp(mid)) !== null) low = mid
    else high = mid - 1
  }
  return firstRecordAtOrAfter(log, low)
}
