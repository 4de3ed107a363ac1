// The key and value of a committed-offset record in __consumer_offsets, in Kafka's own layouts (the
// group coordinator's OffsetCommitKey / OffsetCommitValue schemas, which are storage formats and
// not in the wire-protocol definitions that tools/protogen generates from). Kafka tools reading a
// Sluice __consumer_offsets see the records they would have written. offset-store.ts appends and
// loads them. All integers big-endian; string = int16 length + UTF-8.
//
//   key, version 0 or 1 (offset commit; Sluice writes 1)
//     version int16 | group string | topic string | partition int32
//   key, version 2 (group metadata: Sluice writes none and skips them on load)
//     version int16 | group string
//   value, version 3 (what Sluice writes)
//     version int16 | offset int64 | leaderEpoch int32 (-1 = unknown) | metadata string |
//     commitTimestamp int64
//   value, versions read back: 0 and 2 = offset, metadata, commitTimestamp; 1 = the same plus
//     expireTimestamp int64 (ignored); 3 as above
//   a null value (tombstone) deletes the key: compaction then drops both.
import { SluiceError } from '../../base/errors.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'

const KEY_VERSION = 1
const VALUE_VERSION = 3

/** A committed offset as the log stores it. */
export interface OffsetCommitValue {
  offset: number
  leaderEpoch: number
  metadata: string
  commitTimestamp: number
}

/** A decoded key: an offset commit, or another record type (group metadata, version 2) the store skips. */
export type OffsetRecordKey =
  | { kind: 'offset'; group: string; topic: string; partition: number }
  | { kind: 'other'; version: number }

/** Encodes the key of a committed offset (version 1). */
export function encodeOffsetKey(group: string, topic: string, partition: number): Buffer {
  const writer = new Writer(8 + group.length + topic.length)
  writer.int16(KEY_VERSION)
  writer.string(group, false)
  writer.string(topic, false)
  writer.int32(partition)
  return writer.toBuffer()
}

/** Encodes a committed offset (value version 3). */
export function encodeOffsetValue(value: OffsetCommitValue): Buffer {
  const writer = new Writer(32 + value.metadata.length)
  writer.int16(VALUE_VERSION)
  writer.int64(value.offset)
  writer.int32(value.leaderEpoch)
  writer.string(value.metadata, false)
  writer.int64(value.commitTimestamp)
  return writer.toBuffer()
}

/** Decodes a record key of __consumer_offsets; throws CORRUPT_MESSAGE on malformed bytes. */
export function decodeOffsetKey(key: Buffer): OffsetRecordKey {
  const reader = new Reader(key)
  const version = reader.int16()
  if (version !== 0 && version !== KEY_VERSION) {
    check(reader, 'key')
    return { kind: 'other', version }
  }
  const group = reader.string(false)
  const topic = reader.string(false)
  const partition = reader.int32()
  check(reader, 'key')
  return { kind: 'offset', group, topic, partition }
}

/** Decodes a committed offset (value versions 0-3); throws CORRUPT_MESSAGE on malformed bytes. */
export function decodeOffsetValue(value: Buffer): OffsetCommitValue {
  const reader = new Reader(value)
  const version = reader.int16()
  if (version < 0 || version > VALUE_VERSION) {
    throw new SluiceError('CORRUPT_MESSAGE', `__consumer_offsets value version ${version} is not one Sluice reads (0-3)`)
  }
  const offset = reader.int64()
  const leaderEpoch = version >= 3 ? reader.int32() : -1
  const metadata = reader.string(false)
  const commitTimestamp = reader.int64()
  if (version === 1) reader.int64() // expireTimestamp: per-commit retention, superseded by KIP-211
  check(reader, 'value')
  return { offset, leaderEpoch, metadata, commitTimestamp }
}

function check(reader: Reader, what: string): void {
  if (reader.error !== null) throw new SluiceError('CORRUPT_MESSAGE', `__consumer_offsets record ${what}: ${reader.error}`)
}
