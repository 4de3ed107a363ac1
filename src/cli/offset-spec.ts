// Parses the offset specs of `sluice consume -o` and `sluice group seek --to`, with kcat's meaning:
// start, end, an absolute offset N, -N (N records before the end of each partition) and @time (the
// first record at or after a time: ms since the epoch, an ISO date, or @-10m relative to now).
// Resolving a spec against one partition's offsets is here too, so consume and group seek agree;
// asking the log for a timestamp's offset is the client's job.
import { SluiceError } from '../base/errors.ts'
import { parseDuration } from '../base/units.ts'
import type { SeekTarget } from '../client/types.ts'

/** A parsed offset spec, before it meets a partition. */
export type OffsetSpec =
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'tail'; count: number }
  | { kind: 'timestamp'; timestamp: number }

const HINT = "expected start, end, N, -N, @<ms since epoch>, @<ISO date> or @-<duration>"

function invalid(input: string, why?: string): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', `invalid offset '${input}'${why === undefined ? '' : `: ${why}`} (${HINT})`)
}

function parseCount(digits: string, input: string): number {
  const n = Number(digits)
  if (!Number.isSafeInteger(n)) throw invalid(input, 'number too large')
  return n
}

/** Parses an offset spec; `nowMs` anchors relative times like '@-10m'. */
export function parseOffsetSpec(input: string, nowMs: number): OffsetSpec {
  const spec = input.trim()
  switch (spec.toLowerCase()) {
    case 'start': case 'beginning': case 'earliest': return { kind: 'start' }
    case 'end': case 'latest': return { kind: 'end' }
  }
  if (/^\d+$/.test(spec)) return { kind: 'offset', offset: parseCount(spec, input) }
  if (/^-\d+$/.test(spec)) return { kind: 'tail', count: parseCount(spec.slice(1), input) }
  if (spec.startsWith('@')) return { kind: 'timestamp', timestamp: parseTime(spec.slice(1), input, nowMs) }
  throw invalid(input)
}

function parseTime(text: string, input: string, nowMs: number): number {
  if (/^\d+$/.test(text)) return parseCount(text, input)
  if (text.startsWith('-')) {
    try {
      return nowMs - parseDuration(text.slice(1))
    } catch {
      // parseDuration's own message names the duration; ours names the whole spec, which is
      // what the user typed, so the original error adds nothing.
      throw invalid(input, `bad duration '${text.slice(1)}'`)
    }
  }
  // Only ISO 8601 dates: Date.parse also accepts locale-dependent forms we don't want to promise.
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text.replace(' ', 'T'))
    if (Number.isFinite(ms)) return ms
  }
  throw invalid(input, `bad time '${text}'`)
}

/** One partition's offsets, as admin describes them; the high watermark is a consumer's 'end'. */
export interface PartitionOffsets {
  logStartOffset: number
  highWatermark: number
}

/**
 * Where a spec points in one partition, as a consumer seek target: -N and N become offsets
 * clamped to [log start offset, high watermark] (as Kafka's auto reset would), a time stays a time.
 */
export function toSeekTarget(spec: OffsetSpec, offsets: PartitionOffsets): SeekTarget {
  switch (spec.kind) {
    case 'start': return 'beginning'
    case 'end': return 'end'
    case 'offset': return Math.min(Math.max(spec.offset, offsets.logStartOffset), offsets.highWatermark)
    case 'tail': return Math.max(offsets.highWatermark - spec.count, offsets.logStartOffset)
    case 'timestamp': return { timestamp: spec.timestamp }
  }
}

/** Describes a spec for messages: 'start', 'offset 42', '5 before end', '2024-01-01T00:00:00.000Z'. */
export function describeOffsetSpec(spec: OffsetSpec): string {
  switch (spec.kind) {
    case 'start': return 'start'
    case 'end': return 'end'
    case 'offset': return `offset ${spec.offset}`
    case 'tail': return `${spec.count} before end`
    case 'timestamp': return new Date(spec.timestamp).toISOString()
  }
}
