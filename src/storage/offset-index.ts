// The sparse offset index of one segment (`<base offset>.index`): every `index.interval.bytes` of
// log, the offset of a batch's first record and the batch's byte position, so a read finds its
// starting batch with one binary search and a short scan. Kept in memory as typed arrays (a 1 GiB
// segment at 4 KiB intervals is 256 K entries, 2 MiB) and written whole on roll, close and
// checkpoint; rebuilt from the log (segment.ts) when missing, stale or corrupt. Its neighbour for
// timestamps is time-index.ts.
//
// File layout, big-endian (Kafka's entry format, plus a header so a torn or stale file is detected):
//   offset  size  field
//   0       4     magic "SLOI" (0x534c4f49)
//   4       4     CRC-32C of bytes 8..end
//   8       8     logBytes: size of the .log these entries were taken from
//   16      8     nextOffset: end of the offset range the segment covers (its last offset + 1; for a
//                 compacted segment, the end of the segments it replaced, which recovery needs to
//                 finish an interrupted swap)
//   24      4     entryCount
//   28      8×n   entries: relativeOffset int32 (offset - segment base offset), position int32
import { assert } from '../base/assert.ts'
import { crc32c } from '../base/crc32c.ts'

const MAGIC = 0x534c4f49
const HEADER_BYTES = 28
const ENTRY_BYTES = 8

/** The in-memory sparse offset → position index of one segment. */
export class OffsetIndex {
  readonly baseOffset: number
  #relativeOffsets: Int32Array
  #positions: Int32Array
  #count = 0

  constructor(baseOffset: number, capacity = 64) {
    this.baseOffset = baseOffset
    this.#relativeOffsets = new Int32Array(capacity)
    this.#positions = new Int32Array(capacity)
  }

  /** Number of entries. */
  get entryCount(): number {
    return this.#count
  }

  /** Position of the last entry, or -1 when empty. */
  get lastPosition(): number {
    return this.#count === 0 ? -1 : (this.#positions[this.#count - 1] as number)
  }

  /** Offset of the last entry, or -1 when empty. */
  get lastOffset(): number {
    return this.#count === 0 ? -1 : this.baseOffset + (this.#relativeOffsets[this.#count - 1] as number)
  }

  /** Adds an entry; offsets and positions must increase. */
  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset
    assert(relative >= 0 && relative <= 0x7fffffff, `offset ${offset} out of range for segment ${this.baseOffset}`)
    assert(this.#count === 0 || (relative > (this.#relativeOffsets[this.#count - 1] as number) && position > (this.#positions[this.#count - 1] as number)),
      `index entries must increase: ${offset}@${position} after ${this.lastOffset}@${this.lastPosition}`)
    if (this.#count === this.#positions.length) {
      const grownOffsets = new Int32Array(this.#count * 2)
      grownOffsets.set(this.#relativeOffsets)
      this.#relativeOffsets = grownOffsets
      const grownPositions = new Int32Array(this.#count * 2)
      grownPositions.set(this.#positions)
      this.#positions = grownPositions
    }
    this.#relativeOffsets[this.#count] = relative
    this.#positions[this.#count] = position
    this.#count++
  }

  /** Position of the batch of the largest indexed offset <= `offset` (0 when none): where to start scanning. */
  lookup(offset: number): number {
    const i = this.#floor(offset)
    return i < 0 ? 0 : (this.#positions[i] as number)
  }

  /** The entry (offset, position) of the largest indexed offset <= `offset`, or null. */
  floorEntry(offset: number): { offset: number; position: number } | null {
    const i = this.#floor(offset)
    return i < 0 ? null : { offset: this.baseOffset + (this.#relativeOffsets[i] as number), position: this.#positions[i] as number }
  }

  #floor(offset: number): number {
    const target = offset - this.baseOffset
    let lo = 0
    let hi = this.#count - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#relativeOffsets[mid] as number) <= target) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /** Drops the entries at or after byte `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    while (this.#count > 0 && (this.#positions[this.#count - 1] as number) >= position) this.#count--
  }

  /** The file bytes describing the first `logBytes` of the log, whose offsets end at `nextOffset`. */
  serialize(logBytes: number, nextOffset: number): Buffer {
    const out = Buffer.allocUnsafe(HEADER_BYTES + this.#count * ENTRY_BYTES)
    out.writeUInt32BE(MAGIC, 0)
    out.writeBigInt64BE(BigInt(logBytes), 8)
    out.writeBigInt64BE(BigInt(nextOffset), 16)
    out.writeInt32BE(this.#count, 24)
    for (let i = 0, p = HEADER_BYTES; i < this.#count; i++, p += ENTRY_BYTES) {
      out.writeInt32BE(this.#relativeOffsets[i] as number, p)
      out.writeInt32BE(this.#positions[i] as number, p + 4)
    }
    out.writeUInt32BE(crc32c(out.subarray(8)), 4)
    return out
  }

  /**
   * Parses an index file; null when it is torn, corrupt or inconsistent (then the caller rebuilds).
   * Entries at positions >= `logSize` are dropped (the log is shorter than when they were written).
   */
  static parse(bytes: Buffer, baseOffset: number, logSize: number): { index: OffsetIndex; logBytes: number; nextOffset: number } | null {
    if (bytes.length < HEADER_BYTES || bytes.readUInt32BE(0) !== MAGIC) return null
    if (bytes.readUInt32BE(4) !== crc32c(bytes.subarray(8))) return null
    const count = bytes.readInt32BE(24)
    if (count < 0 || bytes.length !== HEADER_BYTES + count * ENTRY_BYTES) return null
    const logBytes = Number(bytes.readBigInt64BE(8))
    const index = new OffsetIndex(baseOffset, Math.max(64, count))
    let lastRelative = -1
    let lastPosition = -1
    for (let i = 0, p = HEADER_BYTES; i < count; i++, p += ENTRY_BYTES) {
      const relative = bytes.readInt32BE(p)
      const position = bytes.readInt32BE(p + 4)
      if (relative <= lastRelative || position <= lastPosition) return null
      if (position >= logSize) break
      index.append(baseOffset + relative, position)
      lastRelative = relative
      lastPosition = position
    }
    return { index, logBytes, nextOffset: Number(bytes.readBigInt64BE(16)) }
  }
}
