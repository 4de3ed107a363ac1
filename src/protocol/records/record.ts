// The record types of record batch v2: what a producer hands the builder (RecordInput) and what the
// reader gives back (Record). The record's byte layout lives here because both sides share it; the
// batch header around the records is in batch-header.ts, building in record-batch-builder.ts and
// decoding in record-batch-reader.ts.
//
// One record inside the (decompressed) records section, varints zigzag-encoded:
//   length          varint   bytes of everything after this field
//   attributes      int8     unused, always 0
//   timestampDelta  varlong  timestamp - batch baseTimestamp
//   offsetDelta     varint   offset - batch baseOffset
//   keyLength       varint   -1 for a null key
//   key             bytes
//   valueLength     varint   -1 for a null value
//   value           bytes
//   headerCount     varint
//   headers         headerCount × (keyLength varint, key UTF-8, valueLength varint (-1 null), value)

/** A record header: a UTF-8 key and a nullable value; keys may repeat. */
export type RecordHeader = [key: string, value: Buffer | null]

/** A record as a producer hands it to the builder. */
export interface RecordInput {
  key: Buffer | null
  value: Buffer | null
  headers?: RecordHeader[]
  /** Create time in ms since the epoch; the builder's `timestamp` option when absent. */
  timestamp?: number
  /**
   * Offset relative to the batch's baseOffset; the record's index when absent. Only compaction sets
   * it, to keep the offsets of the records it retains; deltas must increase within a batch.
   */
  offsetDelta?: number
}

/** A record decoded from a batch; key, value and header values are views into the batch bytes. */
export interface Record {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/** Bytes of the smallest possible record: length 6 then six one-byte fields (null key and value). */
export const RECORD_BYTES_MIN = 7

/** Headers of records that have none, shared so decoding allocates nothing for them; never mutate. */
export const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[]
