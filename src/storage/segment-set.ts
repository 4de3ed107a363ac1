// The ordered segments of one log, oldest first; the last one is active (takes appends). Lookups by
// offset are binary searches over base offsets. Every change (roll, retention, compaction swap)
// replaces the array rather than mutating it, so a read that took `segments` before an await keeps
// a consistent view; the segments it reads stay open through Segment.acquire.
import { assert } from '../base/assert.ts'
import type { LogConfig } from './log-config.ts'
import type { Segment } from './segment.ts'

/**
 * Kafka's LogSegment.shouldRoll: a non-empty active segment rolls when `bytes` more would pass
 * segment.bytes, when `lastOffset` would not fit its int32 relative offsets, or when segment.ms
 * has passed since its first append (in this process).
 */
export function shouldRoll(active: Segment, bytes: number, lastOffset: number, config: Pick<LogConfig, 'segmentBytes' | 'segmentMs'>, nowMs: number): boolean {
  if (active.size === 0) return false
  if (active.size + bytes > config.segmentBytes) return true
  if (lastOffset - active.baseOffset > 0x7fffffff) return true
  return nowMs - active.rollBaseMs(nowMs) >= config.segmentMs
}

/** The segments of one log, ordered by base offset. */
export class SegmentSet {
  #segments: readonly Segment[]

  constructor(segments: readonly Segment[]) {
    assert(segments.length > 0, 'a log has at least one segment')
    for (let i = 1; i < segments.length; i++) {
      assert((segments[i] as Segment).baseOffset > (segments[i - 1] as Segment).baseOffset, 'segments must be ordered')
    }
    this.#segments = segments
  }

  /** A snapshot of the segments, oldest first. */
  get segments(): readonly Segment[] {
    return this.#segments
  }

  /** The segment taking appends. */
  get active(): Segment {
    return this.#segments[this.#segments.length - 1] as Segment
  }

  /** The oldest segment. */
  get first(): Segment {
    return this.#segments[0] as Segment
  }

  /** Total bytes of all segment files. */
  get sizeBytes(): number {
    let total = 0
    for (const segment of this.#segments) total += segment.size
    return total
  }

  /** Index (in `segments`) of the last segment whose base offset is <= `offset`, or -1. */
  floorIndex(offset: number, segments: readonly Segment[] = this.#segments): number {
    let lo = 0
    let hi = segments.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((segments[mid] as Segment).baseOffset <= offset) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /** Adds a new active segment after the current one. */
  roll(segment: Segment): void {
    assert(segment.baseOffset >= this.active.nextOffset && segment.baseOffset > this.active.baseOffset, `new segment ${segment.baseOffset} must start after ${this.active.nextOffset}`)
    this.#segments = [...this.#segments, segment]
  }

  /** Takes the oldest `count` segments out (never the active one) and returns them. */
  removeOldest(count: number): Segment[] {
    assert(count < this.#segments.length, 'the active segment is never removed')
    const removed = this.#segments.slice(0, count)
    this.#segments = this.#segments.slice(count)
    return removed
  }

  /** Replaces the contiguous run `olds` (never including the active segment) with `replacement`. */
  replace(olds: readonly Segment[], replacement: Segment | null): void {
    const start = this.#segments.indexOf(olds[0] as Segment)
    assert(start >= 0, 'segments to replace must be in the log')
    for (let i = 0; i < olds.length; i++) assert(this.#segments[start + i] === olds[i], 'segments to replace must be contiguous')
    assert(start + olds.length < this.#segments.length, 'the active segment is never replaced')
    const middle = replacement === null ? [] : [replacement]
    this.#segments = [...this.#segments.slice(0, start), ...middle, ...this.#segments.slice(start + olds.length)]
  }
}
