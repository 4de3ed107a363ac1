// Sequential consumption through the log's own read path, shared by the consume benchmark and the
// peak-RSS child: log.read(offset, fetchBytes) returns whole batches, forEachBatch walks them and
// forEachRecord decodes each record to key/value Buffer views, skipping records before the offset
// asked for (the first batch of a read may start earlier). The record callback is created once per
// call, not per read, and only counts records and value bytes, so the loop measures reading and
// decoding, not what an application does with the records.
import { forEachBatch, forEachRecord, lastOffset } from '../src/protocol/records/index.ts'
import type { PartitionLog } from '../src/storage/partition-log.ts'

/** What a full pass over a log saw. */
export interface ReadTotals {
  records: number
  /** Bytes of batches read. */
  bytes: number
  /** Sum of value lengths (proves every value was decoded). */
  valueBytes: number
}

/** Reads `log` from its start to its high watermark, decoding every record. */
export async function readWholeLog(log: PartitionLog, fetchBytes: number): Promise<ReadTotals> {
  const totals: ReadTotals = { records: 0, bytes: 0, valueBytes: 0 }
  let from = log.logStartOffset
  const onRecord = (offset: number, _timestamp: number, _key: Buffer | null, value: Buffer | null): void => {
    if (offset < from) return
    totals.records++
    if (value !== null) totals.valueBytes += value.length
  }
  const end = log.highWatermark
  while (from < end) {
    const { records } = await log.read(from, fetchBytes)
    if (records.length === 0) break
    let last = from
    forEachBatch(records, (pos) => {
      forEachRecord(records, pos, onRecord)
      last = lastOffset(records, pos)
    })
    totals.bytes += records.length
    from = last + 1
  }
  return totals
}

/** Decodes every record of the batches in `buffer` (the in-memory baseline). */
export function decodeBuffer(buffer: Buffer): ReadTotals {
  const totals: ReadTotals = { records: 0, bytes: buffer.length, valueBytes: 0 }
  const onRecord = (_offset: number, _timestamp: number, _key: Buffer | null, value: Buffer | null): void => {
    totals.records++
    if (value !== null) totals.valueBytes += value.length
  }
  forEachBatch(buffer, (pos) => {
    forEachRecord(buffer, pos, onRecord)
  })
  return totals
}
