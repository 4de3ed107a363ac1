// Which segments retention deletes, as Kafka's UnifiedLog.deleteOldSegments: whole segments only,
// oldest first, never one holding offsets at or above the high watermark. The active segment counts
// too when the caller gives the log end offset (everything in it is below the high watermark): as
// Kafka does, the log then rolls a new empty segment first, so a topic that went quiet still loses
// its old records once retention.ms has passed (a count equal to segments.length means "roll"). A segment goes when it lies entirely below the log start offset (DeleteRecords), when
// its largest timestamp is older than retention.ms, or while the log is larger than
// retention.bytes. The time and size rules apply only with cleanup.policy including 'delete'.
// partition-log.ts carries out the deletion (advance the log start offset, checkpoint, unlink).
import type { LogConfig } from './log-config.ts'
import type { Segment } from './segment.ts'

/** Number of oldest closed segments that lie wholly below the log start offset (and the high watermark). */
export function segmentsBelowLogStart(segments: readonly Segment[], logStartOffset: number, highWatermark: number): number {
  let count = 0
  while (count < segments.length - 1) {
    const nextBase = (segments[count + 1] as Segment).baseOffset
    if (nextBase > logStartOffset || nextBase > highWatermark) break
    count++
  }
  return count
}

/** Number of oldest segments to delete now (0 when none). */
export function segmentsToDelete(
  segments: readonly Segment[],
  config: Pick<LogConfig, 'cleanupPolicy' | 'retentionMs' | 'retentionBytes'>,
  nowMs: number,
  logStartOffset: number,
  highWatermark: number,
  logEndOffset?: number,
): number {
  // Candidates: closed segments whose every offset is below the high watermark (their successor
  // starts at or below it), so the log start offset never passes the high watermark; and the
  // active one when it holds records, all of them below the high watermark.
  let candidates = 0
  while (candidates < segments.length - 1 && (segments[candidates + 1] as Segment).baseOffset <= highWatermark) candidates++
  const active = segments[segments.length - 1] as Segment
  if (candidates === segments.length - 1 && logEndOffset !== undefined && logEndOffset <= highWatermark && active.size > 0) candidates++

  let count = segmentsBelowLogStart(segments, logStartOffset, highWatermark)
  if (!config.cleanupPolicy.includes('delete')) return count

  if (config.retentionMs >= 0) {
    // A segment with no timestamps (-1) is never old by time: only size or DeleteRecords remove it.
    while (count < candidates) {
      const maxTimestamp = (segments[count] as Segment).maxTimestamp
      if (maxTimestamp < 0 || nowMs - maxTimestamp <= config.retentionMs) break
      count++
    }
  }
  if (config.retentionBytes >= 0) {
    let total = 0
    for (let i = count; i < segments.length; i++) total += (segments[i] as Segment).size
    let excess = total - config.retentionBytes
    while (count < candidates && excess - (segments[count] as Segment).size >= 0) {
      excess -= (segments[count] as Segment).size
      count++
    }
  }
  return count
}
