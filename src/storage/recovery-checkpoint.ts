// The recovery checkpoint of one log (`recovery-point.checkpoint`): how far the log was known to be
// on disk (fsynced) when it was written, as an offset and as a byte position in one segment, plus
// the log start offset (advanced by retention and DeleteRecords) and whether the log was closed
// cleanly. Written atomically (Fs.writeFile) at checkpoints, after the data it describes was
// fsynced; recovery.ts trusts every byte before the position and re-validates every byte after it.
//
// File layout, big-endian:
//   offset  size  field
//   0       4     magic "SLCP" (0x534c4350)
//   4       4     CRC-32C of bytes 8..end
//   8       1     version (1)
//   9       1     flags: bit 0 = clean shutdown (nothing was appended after this checkpoint)
//   10      8     recoveryPointOffset: every offset below it was durable
//   18      8     segmentBaseOffset: the segment holding the recovery point
//   26      8     position: bytes of that segment that were durable
//   34      8     logStartOffset
import { crc32c } from '../base/crc32c.ts'
import type { Fs } from './fs.ts'
import { parseSegmentFileName, segmentFileName, type Segment } from './segment.ts'

/** Name of the checkpoint file in a log directory. */
export const CHECKPOINT_FILE = 'recovery-point.checkpoint'
/** Suffix of a producer-state snapshot file (`<20-digit offset>.snapshot`, producer-state.ts has its layout). */
export const SNAPSHOT_SUFFIX = '.snapshot'

/** `<dir>/<20-digit offset>.snapshot`. */
export function snapshotPath(dir: string, offset: number): string {
  return `${dir}/${segmentFileName(offset, SNAPSHOT_SUFFIX)}`
}

const MAGIC = 0x534c4350
const VERSION = 1
const BYTES = 42

/** What a recovery checkpoint records. */
export interface RecoveryCheckpoint {
  recoveryPointOffset: number
  segmentBaseOffset: number
  position: number
  logStartOffset: number
  cleanShutdown: boolean
}

/** The checkpoint's file bytes. */
export function serializeCheckpoint(checkpoint: RecoveryCheckpoint): Buffer {
  const out = Buffer.alloc(BYTES)
  out.writeUInt32BE(MAGIC, 0)
  out.writeUInt8(VERSION, 8)
  out.writeUInt8(checkpoint.cleanShutdown ? 1 : 0, 9)
  out.writeBigInt64BE(BigInt(checkpoint.recoveryPointOffset), 10)
  out.writeBigInt64BE(BigInt(checkpoint.segmentBaseOffset), 18)
  out.writeBigInt64BE(BigInt(checkpoint.position), 26)
  out.writeBigInt64BE(BigInt(checkpoint.logStartOffset), 34)
  out.writeUInt32BE(crc32c(out.subarray(8)), 4)
  return out
}

/** Parses checkpoint bytes; null when they are not a valid checkpoint. */
export function parseCheckpoint(bytes: Buffer): RecoveryCheckpoint | null {
  if (bytes.length !== BYTES || bytes.readUInt32BE(0) !== MAGIC || bytes.readUInt8(8) !== VERSION) return null
  if (bytes.readUInt32BE(4) !== crc32c(bytes.subarray(8))) return null
  const checkpoint = {
    cleanShutdown: (bytes.readUInt8(9) & 1) === 1,
    recoveryPointOffset: Number(bytes.readBigInt64BE(10)),
    segmentBaseOffset: Number(bytes.readBigInt64BE(18)),
    position: Number(bytes.readBigInt64BE(26)),
    logStartOffset: Number(bytes.readBigInt64BE(34)),
  }
  if (checkpoint.recoveryPointOffset < 0 || checkpoint.position < 0 || checkpoint.logStartOffset < 0) return null
  return checkpoint
}

/** Reads a log's checkpoint: null when missing; `corrupt: true` when present but unreadable. */
export async function readCheckpoint(fs: Fs, dir: string): Promise<{ checkpoint: RecoveryCheckpoint | null; corrupt: boolean }> {
  const path = `${dir}/${CHECKPOINT_FILE}`
  if (!(await fs.exists(path))) return { checkpoint: null, corrupt: false }
  const checkpoint = parseCheckpoint(await fs.readFile(path))
  return { checkpoint, corrupt: checkpoint === null }
}

/** Writes a log's checkpoint atomically and durably. */
export function writeCheckpoint(fs: Fs, dir: string, checkpoint: RecoveryCheckpoint): Promise<void> {
  return fs.writeFile(`${dir}/${CHECKPOINT_FILE}`, serializeCheckpoint(checkpoint))
}

/**
 * Records a checkpoint once everything below `checkpoint.recoveryPointOffset` is fsynced: index
 * files that are behind their segment, the producer snapshot taken at that offset, then the
 * checkpoint file itself (last: it is what recovery trusts). Keeps the two newest snapshots, so a
 * damaged newest one still leaves an older one to start from.
 */
export async function recordCheckpoint(fs: Fs, dir: string, segments: readonly Segment[], snapshot: Buffer, checkpoint: RecoveryCheckpoint): Promise<void> {
  for (const segment of segments) if (!segment.indexesPersisted) await segment.persistIndexes()
  await fs.writeFile(snapshotPath(dir, checkpoint.recoveryPointOffset), snapshot)
  await writeCheckpoint(fs, dir, checkpoint)
  const snapshots = (await fs.readdir(dir)).map((n) => parseSegmentFileName(n, SNAPSHOT_SUFFIX)).filter((o): o is number => o !== null).sort((a, b) => b - a)
  for (const old of snapshots.slice(2)) await fs.unlink(snapshotPath(dir, old))
}
