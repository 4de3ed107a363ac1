// The sparse time index of one segment (`<base offset>.timeindex`): at each offset-index point
// where the segment's largest timestamp so far grew, that timestamp and the offset of the batch
// that carried it; plus a final entry for the segment's largest timestamp when it stops being
// active. offsetForTimestamp (segment-set.ts) finds where to start scanning with one binary search;
// retention reads the segment's largest timestamp. In memory as typed arrays, persisted and rebuilt
// like offset-index.ts.
//
// File layout, big-endian:
//   offset  size  field
//   0       4     magic "SLTI" (0x534c5449)
//   4       4     CRC-32C of bytes 8..end
//   8       8     logBytes: size of the .log these entries were taken from
//   16      4     entryCount
//   20      12×n  entries: timestamp int64 (ms), relativeOffset int32
import { assert } from '../base/assert.ts'
import { crc32c } from '../base/crc32c.ts'

const MAGIC = 0x534c5449
const HEADER_BYTES = 20
const ENTRY_BYTES = 12

/** The in-memory sparse timestamp → offset index of one segment. */
export class TimeIndex {
  readonly baseOffset: number
  #timestamps: Float64Array
  #relativeOffsets: Int32Array
  #count = 0

  constructor(baseOffset: number, capacity = 16) {
    this.baseOffset = baseOffset
    this.#timestamps = new Float64Array(capacity)
    this.#relativeOffsets = new Int32Array(capacity)
  }

  /** Number of entries. */
  get entryCount(): number {
    return this.#count
  }

  /** Timestamp of the last entry, or -1 when empty. */
  get lastTimestamp(): number {
    return this.#count === 0 ? -1 : (this.#timestamps[this.#count - 1] as number)
  }

  /** Offset of the last entry, or -1 when empty. */
  get lastOffset(): number {
    return this.#count === 0 ? -1 : this.baseOffset + (this.#relativeOffsets[this.#count - 1] as number)
  }

  /** Adds (timestamp, offset) if the timestamp is larger than the last entry's; offsets never decrease. */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.#count > 0 && timestamp <= (this.#timestamps[this.#count - 1] as number)) return
    const relative = offset - this.baseOffset
    assert(relative >= 0 && relative <= 0x7fffffff, `offset ${offset} out of range for segment ${this.baseOffset}`)
    assert(this.#count === 0 || relative >= (this.#relativeOffsets[this.#count - 1] as number), `time index offsets must not decrease: ${offset}`)
    if (this.#count === this.#timestamps.length) {
      const grownTimestamps = new Float64Array(this.#count * 2)
      grownTimestamps.set(this.#timestamps)
      this.#timestamps = grownTimestamps
      const grownOffsets = new Int32Array(this.#count * 2)
      grownOffsets.set(this.#relativeOffsets)
      this.#relativeOffsets = grownOffsets
    }
    this.#timestamps[this.#count] = timestamp
    this.#relativeOffsets[this.#count] = relative
    this.#count++
  }

  /**
   * Offset of the batch to start scanning from for the first batch with maxTimestamp >= `timestamp`:
   * the entry with the largest timestamp below it (every batch up to that offset is older), or the
   * segment's base offset when there is none.
   */
  lookup(timestamp: number): number {
    let lo = 0
    let hi = this.#count - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#timestamps[mid] as number) < timestamp) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found < 0 ? this.baseOffset : this.baseOffset + (this.#relativeOffsets[found] as number)
  }

  /** Drops the entries whose offset is > `offset`. */
  truncateAfterOffset(offset: number): void {
    const relative = offset - this.baseOffset
    while (this.#count > 0 && (this.#relativeOffsets[this.#count - 1] as number) > relative) this.#count--
  }

  /** The file bytes describing the first `logBytes` of the log. */
  serialize(logBytes: number): Buffer {
    const out = Buffer.allocUnsafe(HEADER_BYTES + this.#count * ENTRY_BYTES)
    out.writeUInt32BE(MAGIC, 0)
    out.writeBigInt64BE(BigInt(logBytes), 8)
    out.writeInt32BE(this.#count, 16)
    for (let i = 0, p = HEADER_BYTES; i < this.#count; i++, p += ENTRY_BYTES) {
      out.writeBigInt64BE(BigInt(this.#timestamps[i] as number), p)
      out.writeInt32BE(this.#relativeOffsets[i] as number, p + 8)
    }
    out.writeUInt32BE(crc32c(out.subarray(8)), 4)
    return out
  }

  /** Parses a time index file; null when torn, corrupt or inconsistent. */
  static parse(bytes: Buffer, baseOffset: number): { index: TimeIndex; logBytes: number } | null {
    if (bytes.length < HEADER_BYTES || bytes.readUInt32BE(0) !== MAGIC) return null
    if (bytes.readUInt32BE(4) !== crc32c(bytes.subarray(8))) return null
    const count = bytes.readInt32BE(16)
    if (count < 0 || bytes.length !== HEADER_BYTES + count * ENTRY_BYTES) return null
    const index = new TimeIndex(baseOffset, Math.max(16, count))
    let lastTimestamp = -Infinity
    let lastRelative = -1
    for (let i = 0, p = HEADER_BYTES; i < count; i++, p += ENTRY_BYTES) {
      const timestamp = Number(bytes.readBigInt64BE(p))
      const relative = bytes.readInt32BE(p + 8)
      if (timestamp <= lastTimestamp || relative < lastRelative || relative < 0) return null
      index.maybeAppend(timestamp, baseOffset + relative)
      lastTimestamp = timestamp
      lastRelative = relative
    }
    return { index, logBytes: Number(bytes.readBigInt64BE(8)) }
  }
}
