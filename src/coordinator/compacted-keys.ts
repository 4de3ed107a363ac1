// A compacted topic keeps the last record per key, so a record without a key has nothing to be kept
// by: Kafka refuses the produce with INVALID_RECORD ("Compacted topic cannot accept message without
// key"), and so does Sluice. This is the one produce check that looks inside batches (compressed
// ones are decompressed, within a cap), which is why it runs only for topics whose cleanup.policy
// includes compact; the fast path of every other topic reads headers only.
import { SluiceError } from '../base/errors.ts'
import { isControl } from '../protocol/records/batch-header.ts'
import { DECOMPRESSED_BYTES_MAX_DEFAULT, batchPositions, forEachRecord } from '../protocol/records/index.ts'

/** Throws INVALID_RECORD when a data record of `batches` has a null key. */
export function requireKeys(topic: string, batches: Buffer): void {
  for (const pos of batchPositions(batches)) {
    if (isControl(batches, pos)) continue
    let index = 0
    forEachRecord(batches, pos, (_offset, _timestamp, key) => {
      if (key === null) throw new SluiceError('INVALID_RECORD', `compacted topic '${topic}' cannot accept a record without a key (record ${index} of its batch)`)
      index++
    }, { decompressedBytesMax: DECOMPRESSED_BYTES_MAX_DEFAULT })
  }
}
