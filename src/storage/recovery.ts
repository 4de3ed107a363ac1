// Opening a log directory after a clean close or a crash, as Kafka's LogLoader: finish or discard
// what compaction left half done, trust every byte before the recovery checkpoint
// (recovery-checkpoint.ts), re-validate every batch after it (header sanity and CRC-32C),
// truncate at the first torn or corrupt batch (dropping later segments) and report what was lost.
// Indexes are loaded from their files when intact and rebuilt from the log otherwise; the
// producer state is loaded from the newest usable snapshot and brought forward by replaying the
// headers of the batches after it, in the same walk. Only the tail after the checkpoint is read in
// full, which is what keeps recovery after kill -9 fast.
import type { Clock } from '../base/clock.ts'
import { OFFSET_LAST_OFFSET_DELTA, OFFSET_MAX_TIMESTAMP } from '../protocol/records/batch-header.ts'
import { producerBatch } from './append-checks.ts'
import { batchBaseOffset, readInt64, walkBatches, type WalkOptions, type WalkResult } from './batch-scan.ts'
import { TEMP_SUFFIX, type Fs } from './fs.ts'
import { OffsetIndex } from './offset-index.ts'
import type { ProducerState } from './producer-state.ts'
import { SNAPSHOT_SUFFIX, readCheckpoint, snapshotPath, type RecoveryCheckpoint } from './recovery-checkpoint.ts'
import { INDEX_SUFFIX, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX, parseSegmentFileName, segmentFileName } from './segment.ts'
import { parentDir } from './storage-error.ts'
import { TimeIndex } from './time-index.ts'

/** Suffix compaction gives files it is still writing; discarded on open. */
export const CLEANED_SUFFIX = '.cleaned'
/** Suffix of compacted files ready to replace the segments they cover; the swap is finished on open. */
export const SWAP_SUFFIX = '.swap'

/** What opening a log found and did; `PartitionLog.recovery`. */
export interface RecoveryReport {
  /** The log's directory did not exist: a new, empty log (nothing to recover). */
  created: boolean
  /** The log was closed cleanly and nothing after the checkpoint needed checking. */
  cleanShutdown: boolean
  /** Bytes cut from the end of the log (torn or corrupt batches and everything after them). */
  truncatedBytes: number
  /** First offset lost by the truncation, or null when nothing was cut. */
  truncatedFromOffset: number | null
  /** Why the log was truncated (path, position, reason), or null. */
  problem: string | null
  /** Segments whose bytes after the checkpoint were re-validated with their CRCs. */
  segmentsScanned: number
  /** Bytes re-validated. */
  bytesValidated: number
  /** Segments whose index files were missing, stale or corrupt and were rebuilt from the log. */
  indexesRebuilt: number
  /** Compaction swaps finished (crash between writing and installing a compacted segment). */
  swapsCompleted: number
  /** The recovery checkpoint was present but unreadable, so the whole log was re-validated. */
  checkpointCorrupt: boolean
  /** Offset of the producer-state snapshot loaded, or null when the state was replayed from the start. */
  producerSnapshotOffset: number | null
  durationMs: number
}

/** The state recovery hands to PartitionLog. */
export interface RecoveredLog {
  segments: Segment[]
  logStartOffset: number
  checkpoint: RecoveryCheckpoint | null
  report: RecoveryReport
  /** Segments holding validated bytes after the checkpoint, not known to be fsynced. */
  unsyncedTail: Segment[]
  /** Every offset below this is known to be on disk. */
  durableOffset: number
}

/** Opens (creating if needed) and recovers the log in `dir`, loading producer state into `producers`. */
export async function recoverLog(fs: Fs, dir: string, indexIntervalBytes: number, producers: ProducerState, clock: Clock): Promise<RecoveredLog> {
  const startedMs = clock.monotonic()
  const created = !(await fs.exists(dir))
  if (created) {
    await fs.mkdir(dir)
    await fs.fsyncDir(parentDir(dir))
  }
  const report: RecoveryReport = {
    created, cleanShutdown: false, truncatedBytes: 0, truncatedFromOffset: null, problem: null, segmentsScanned: 0,
    bytesValidated: 0, indexesRebuilt: 0, swapsCompleted: 0, checkpointCorrupt: false, producerSnapshotOffset: null, durationMs: 0,
  }
  let names = await fs.readdir(dir)
  let removed = false
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX) || name.endsWith(CLEANED_SUFFIX) || name.endsWith('.deleted')) {
      await fs.unlink(`${dir}/${name}`)
      removed = true
    }
  }
  report.swapsCompleted = await completeSwaps(fs, dir, names, indexIntervalBytes)
  if (removed || report.swapsCompleted > 0) names = await fs.readdir(dir)

  const bases = names.map((n) => parseSegmentFileName(n, LOG_SUFFIX)).filter((b): b is number => b !== null).sort((a, b) => a - b)
  const baseSet = new Set(bases)
  for (const name of names) {
    const base = parseSegmentFileName(name, INDEX_SUFFIX) ?? parseSegmentFileName(name, TIME_INDEX_SUFFIX)
    if (base !== null && !baseSet.has(base)) await fs.unlink(`${dir}/${name}`) // an index without its log
  }

  const { checkpoint, corrupt } = await readCheckpoint(fs, dir)
  report.checkpointCorrupt = corrupt
  const snapshotOffset = await loadSnapshot(fs, dir, names, checkpoint, producers)
  report.producerSnapshotOffset = snapshotOffset
  const replayFrom = snapshotOffset ?? 0

  const segments: Segment[] = []
  for (const base of bases) segments.push(await Segment.open(fs, dir, base, indexIntervalBytes))

  // Offsets after the checkpoint are dense (gaps only come from compaction, which stays below it).
  // Unknown only when the checkpoint is damaged: then compacted segments look like the tail.
  const isTailDense = !corrupt
  let previousNextOffset: number | null = null
  let nothingAfterCheckpoint = checkpoint !== null
  /** Segments with bytes after the checkpoint. */
  const unsynced: Segment[] = []
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment
    const size = segment.size
    const nextBase = segments[i + 1]?.baseOffset ?? Number.MAX_SAFE_INTEGER
    let trustedEnd = 0
    if (checkpoint !== null) {
      if (segment.baseOffset < checkpoint.segmentBaseOffset) trustedEnd = size
      else if (segment.baseOffset === checkpoint.segmentBaseOffset) trustedEnd = Math.min(checkpoint.position, size)
    }
    if (trustedEnd < size) {
      nothingAfterCheckpoint = false
      unsynced.push(segment)
    }

    const loaded = await loadIndexes(fs, segment, size)
    let indexFrom: number
    if (loaded !== null && (loaded.logBytes === size || trustedEnd < size)) {
      segment.setIndexes(loaded.offsetIndex, loaded.timeIndex)
      indexFrom = segment.rewindIndexes(Math.min(trustedEnd, loaded.logBytes))
    } else {
      if (size > 0) report.indexesRebuilt++
      indexFrom = segment.rewindIndexes(0)
    }
    // Start early enough to replay producer state from the snapshot's offset.
    let walkFrom = indexFrom
    let expectedOffset = segment.nextOffset
    if (replayFrom < nextBase) {
      const entry = replayFrom <= segment.baseOffset ? null : segment.offsetIndex.floorEntry(replayFrom)
      const position = entry?.position ?? 0
      if (position < walkFrom) {
        walkFrom = position
        expectedOffset = entry?.offset ?? segment.baseOffset
      }
    }
    const isAfterCheckpoint = checkpoint === null || segment.baseOffset > checkpoint.segmentBaseOffset
    const gapBefore = isTailDense && isAfterCheckpoint && previousNextOffset !== null && segment.baseOffset !== previousNextOffset
    const walkOptions: WalkOptions = {
      from: walkFrom,
      to: size,
      crcFrom: trustedEnd,
      // Without a checkpoint, compacted segments (with offset gaps) cannot be told from the tail.
      contiguousFrom: isTailDense ? trustedEnd : Infinity,
      nextOffset: expectedOffset,
      segmentBaseOffset: segment.baseOffset,
      offsetLimit: nextBase,
      onBatch: (buf, at, position, batchBytes) => {
        const base = batchBaseOffset(buf, at)
        const last = base + buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA)
        const maxTimestamp = readInt64(buf, at + OFFSET_MAX_TIMESTAMP)
        if (position >= indexFrom) segment.indexBatch(position, batchBytes, base, last, maxTimestamp)
        if (position >= trustedEnd) report.bytesValidated += batchBytes
        const producer = base >= replayFrom ? producerBatch(buf, at) : null
        if (producer !== null) producers.update(producer, base, last, maxTimestamp)
      },
    }
    const walk: WalkResult = gapBefore
      ? { end: 0, nextOffset: segment.baseOffset, batches: 0, problem: `segment starts at offset ${segment.baseOffset} but the previous one ends at ${previousNextOffset}, at position 0` }
      : await walkBatches(segment.handle, walkOptions)
    if (trustedEnd < size) report.segmentsScanned++
    if (walk.problem === null) {
      if (loaded !== null && loaded.logBytes === size) segment.markIndexesPersisted()
      previousNextOffset = segment.nextOffset
      continue
    }

    // Cut here: this segment at the first bad batch (all of it after a gap), every later segment whole.
    report.problem = `${segment.logPath}: ${walk.problem}`
    report.truncatedFromOffset = gapBefore ? previousNextOffset : walk.nextOffset
    const removeFrom = gapBefore ? i : i + 1
    if (!gapBefore) {
      report.truncatedBytes += size - walk.end
      await segment.truncate(walk.end)
      await fs.rm(segment.indexPath)
      await fs.rm(segment.timeIndexPath)
    }
    for (const later of segments.splice(removeFrom)) {
      report.truncatedBytes += later.size
      await later.close()
      await later.deleteFiles()
    }
    await fs.fsyncDir(dir)
    break
  }

  if (segments.length === 0) {
    // Empty directory (a new log) or every segment gone: never reuse offsets the checkpoint saw.
    const base = Math.max(checkpoint?.recoveryPointOffset ?? 0, checkpoint?.logStartOffset ?? 0)
    segments.push(await Segment.create(fs, dir, base, indexIntervalBytes))
    await fs.fsyncDir(dir)
  }
  const logEndOffset = (segments[segments.length - 1] as Segment).nextOffset
  if (checkpoint !== null && logEndOffset < checkpoint.recoveryPointOffset) {
    report.problem = `${report.problem ?? ''}${report.problem === null ? '' : '; '}log ends at ${logEndOffset}, below the checkpointed durable offset ${checkpoint.recoveryPointOffset}: data that was fsynced is missing`
  }
  if (snapshotOffset !== null && logEndOffset < snapshotOffset) {
    producers.clear() // the snapshot describes batches that are gone: start over, accepting any sequence
    report.producerSnapshotOffset = null
  }
  for (const name of names) {
    const offset = parseSegmentFileName(name, SNAPSHOT_SUFFIX)
    if (offset !== null && offset > logEndOffset && (await fs.exists(`${dir}/${name}`))) await fs.unlink(`${dir}/${name}`)
  }
  const first = segments[0] as Segment
  const logStartOffset = Math.min(Math.max(checkpoint?.logStartOffset ?? 0, first.baseOffset), logEndOffset)
  report.cleanShutdown = checkpoint?.cleanShutdown === true && nothingAfterCheckpoint && report.problem === null
  report.durationMs = clock.monotonic() - startedMs
  // What was validated after the checkpoint may exist only in the page cache (kill -9): the log
  // fsyncs it in the background before anything trusts it (flush 'always' readers included).
  const unsyncedTail = unsynced.filter((segment) => segments.includes(segment))
  const durableOffset = unsyncedTail.length === 0 ? logEndOffset : Math.min(checkpoint?.recoveryPointOffset ?? logStartOffset, logEndOffset)
  return { segments, logStartOffset, checkpoint, report, unsyncedTail, durableOffset }
}

/** Loads both index files of a segment; null when either is missing or invalid. */
async function loadIndexes(fs: Fs, segment: Segment, logSize: number): Promise<{ offsetIndex: OffsetIndex; timeIndex: TimeIndex; logBytes: number } | null> {
  if (!(await fs.exists(segment.indexPath)) || !(await fs.exists(segment.timeIndexPath))) return null
  const offsets = OffsetIndex.parse(await fs.readFile(segment.indexPath), segment.baseOffset, logSize)
  const times = TimeIndex.parse(await fs.readFile(segment.timeIndexPath), segment.baseOffset)
  if (offsets === null || times === null) return null
  return { offsetIndex: offsets.index, timeIndex: times.index, logBytes: Math.min(offsets.logBytes, times.logBytes) }
}

/**
 * Loads the newest snapshot at or below the checkpoint's durable offset; deletes newer ones (they
 * may describe batches that never reached the disk). Returns its offset, or null (replay all).
 */
async function loadSnapshot(fs: Fs, dir: string, names: string[], checkpoint: RecoveryCheckpoint | null, producers: ProducerState): Promise<number | null> {
  const offsets = names.map((n) => parseSegmentFileName(n, SNAPSHOT_SUFFIX)).filter((o): o is number => o !== null).sort((a, b) => b - a)
  for (const offset of offsets) {
    if (checkpoint === null || offset > checkpoint.recoveryPointOffset) {
      await fs.unlink(snapshotPath(dir, offset))
      continue
    }
    const loaded = producers.load(await fs.readFile(snapshotPath(dir, offset)))
    if (loaded === offset) return offset
  }
  producers.clear()
  return null
}

/**
 * Finishes compaction swaps interrupted by a crash: a `<base>.log.swap` is a complete, fsynced
 * compacted segment replacing every segment whose base offset lies in [base, its next offset).
 * Deleting those and renaming the swap files is idempotent, so a crash here is fine too.
 */
async function completeSwaps(fs: Fs, dir: string, names: string[], indexIntervalBytes: number): Promise<number> {
  let completed = 0
  const logBases = names.map((n) => parseSegmentFileName(n, LOG_SUFFIX)).filter((b): b is number => b !== null)
  for (const name of names) {
    const base = parseSegmentFileName(name, LOG_SUFFIX + SWAP_SUFFIX)
    if (base === null) continue
    const swap = await Segment.open(fs, dir, base, indexIntervalBytes, name)
    const walk = await walkBatches(swap.handle, { from: 0, to: swap.size, crcFrom: 0, nextOffset: base, segmentBaseOffset: base })
    await swap.close()
    const swapFiles = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX].map((s) => `${dir}/${segmentFileName(base, s)}${SWAP_SUFFIX}`)
    if (walk.problem !== null) {
      // Written and fsynced before it was renamed to .swap, so this is disk damage: keep the originals.
      for (const path of swapFiles) await fs.rm(path)
      continue
    }
    // The range the swap replaces: from its offset index (written before the swap was committed)
    // when readable, else what its batches show (enough: an old segment holding none of them is
    // superseded data, harmless to keep).
    let rangeEnd = walk.nextOffset
    for (const indexPath of [`${dir}/${segmentFileName(base, INDEX_SUFFIX)}${SWAP_SUFFIX}`, `${dir}/${segmentFileName(base, INDEX_SUFFIX)}`]) {
      if (!(await fs.exists(indexPath))) continue
      const parsed = OffsetIndex.parse(await fs.readFile(indexPath), base, swap.size)
      if (parsed !== null && parsed.logBytes === swap.size) rangeEnd = Math.max(rangeEnd, parsed.nextOffset)
      break
    }
    for (const old of logBases) {
      if (old > base && old < rangeEnd) {
        for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) await fs.rm(`${dir}/${segmentFileName(old, suffix)}`)
      }
    }
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const target = `${dir}/${segmentFileName(base, suffix)}`
      if (await fs.exists(`${target}${SWAP_SUFFIX}`)) await fs.rename(`${target}${SWAP_SUFFIX}`, target)
      else await fs.rm(target)
    }
    await fs.rename(`${dir}/${name}`, `${dir}/${segmentFileName(base, LOG_SUFFIX)}`)
    await fs.fsyncDir(dir)
    completed++
  }
  // Index swaps whose log never became a swap (or whose swap was discarded) are leftovers.
  for (const name of names) {
    if (name.endsWith(SWAP_SUFFIX) && !name.endsWith(LOG_SUFFIX + SWAP_SUFFIX)) await fs.rm(`${dir}/${name}`)
  }
  return completed
}
