// Window definitions: plain, frozen data built by the DSL functions below (`tumbling`, `sliding`,
// `session`, `countWindow`, `punctuated`), validated once here so that the assignment math
// (time-windows.ts, session-windows.ts, count-windows.ts, punctuated-windows.ts) and the
// aggregation engines (window-aggregation.ts) can trust them. Durations are milliseconds after
// parsing ('10m', '1s', '500ms' or a number, see base/units.ts). Bad input is a
// SluiceError('INVALID_ARGUMENT') that names the window kind and the field.
import { SluiceError } from '../../base/errors.ts'
import { parseDuration } from '../../base/units.ts'

/** A length of time: milliseconds as a number, or a string such as '10m', '1s', '500ms'. */
export type Duration = number | string

/**
 * Which clock a window reads: the event's own timestamp ('event', the default), or the time the
 * runtime processed it ('processing', Spark's batch interval). The window math is the same; the
 * runtime decides which timestamp and which watermark it passes in.
 */
export type TimeDomain = 'event' | 'processing'

/** Options every time-based window shares. */
export interface TimeOptions {
  /** Event or processing time (default 'event'). */
  time?: TimeDomain
  /** Allowed lateness after a window ends, before it closes for good (default 0). */
  grace?: Duration
}

/** Fixed-size, non-overlapping windows [k·size, (k+1)·size), aligned to the epoch. */
export interface TumblingDefinition {
  readonly kind: 'tumbling'
  readonly sizeMs: number
  /** Always equal to sizeMs: a tumbling window is a hopping one that advances by its size. */
  readonly advanceMs: number
  readonly time: TimeDomain
  readonly graceMs: number
}

/** Hopping windows [k·every, k·every + size), aligned to the epoch as Kafka Streams does. */
export interface SlidingDefinition {
  readonly kind: 'sliding'
  readonly sizeMs: number
  readonly advanceMs: number
  readonly time: TimeDomain
  readonly graceMs: number
}

/** Sessions of activity: events less than `gap` apart share a window [first, last + gap). */
export interface SessionDefinition {
  readonly kind: 'session'
  readonly gapMs: number
  readonly time: TimeDomain
  readonly graceMs: number
}

/**
 * Windows over each key's last `size` events, one every `every` events (tumbling when equal).
 * Defined by arrival order, so they have no lateness and no time domain.
 */
export interface CountDefinition {
  readonly kind: 'count'
  readonly size: number
  readonly every: number
}

/** Windows the application delimits with marker events (a logout, an end-of-batch record). */
export interface PunctuatedDefinition<I = unknown> {
  readonly kind: 'punctuated'
  /** A window ends with (and includes) an event for which this returns true. */
  readonly endsWith: ((event: I) => boolean) | undefined
  /** A new window starts with (and includes) an event for which this returns true. */
  readonly startsWith: ((event: I) => boolean) | undefined
  readonly time: TimeDomain
  readonly graceMs: number
}

/** Tumbling and sliding windows: the time windows whose extent is known in advance. */
export type TimeWindowDefinition = TumblingDefinition | SlidingDefinition

/** Any window definition. */
export type WindowDefinition<I = unknown> =
  | TumblingDefinition
  | SlidingDefinition
  | SessionDefinition
  | CountDefinition
  | PunctuatedDefinition<I>

function invalid(kind: string, message: string): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', `${kind} window: ${message}`)
}

/** Parses a duration field; `positive` rejects 0. Integers only: window math works in whole ms. */
function durationField(kind: string, field: string, value: Duration | undefined, positive: boolean): number {
  if (value === undefined) throw invalid(kind, `'${field}' is required`)
  let ms: number
  try {
    ms = parseDuration(value)
  } catch (error) {
    throw invalid(kind, `'${field}': ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!Number.isSafeInteger(ms)) throw invalid(kind, `'${field}' must be a whole number of milliseconds, got ${String(value)}`)
  if (positive && ms <= 0) throw invalid(kind, `'${field}' must be greater than 0, got ${String(value)}`)
  return ms
}

function timeField(kind: string, time: unknown): TimeDomain {
  if (time === undefined) return 'event'
  if (time !== 'event' && time !== 'processing') throw invalid(kind, `'time' must be 'event' or 'processing', got ${String(time)}`)
  return time
}

function graceField(kind: string, grace: Duration | undefined): number {
  return grace === undefined ? 0 : durationField(kind, 'grace', grace, false)
}

/**
 * Tumbling windows of `size`.
 * @example
 * stream.keyBy(r => r.room).window(tumbling({ size: '1m', grace: '10s' })).aggregate(avg(r => r.celsius))
 */
export function tumbling(options: { size: Duration } & TimeOptions): TumblingDefinition {
  const sizeMs = durationField('tumbling', 'size', options.size, true)
  return Object.freeze({ kind: 'tumbling', sizeMs, advanceMs: sizeMs, time: timeField('tumbling', options.time), graceMs: graceField('tumbling', options.grace) })
}

/**
 * Hopping windows of `size` starting every `every` (`every` <= `size`; equal is tumbling).
 * @example
 * stream.keyBy(p => p.card).window(sliding({ size: '10m', every: '1s' })).aggregate(count())
 */
export function sliding(options: { size: Duration; every: Duration } & TimeOptions): SlidingDefinition {
  const sizeMs = durationField('sliding', 'size', options.size, true)
  const advanceMs = durationField('sliding', 'every', options.every, true)
  if (advanceMs > sizeMs) {
    throw invalid('sliding', `'every' (${advanceMs} ms) must not exceed 'size' (${sizeMs} ms): events between windows would belong to none`)
  }
  return Object.freeze({ kind: 'sliding', sizeMs, advanceMs, time: timeField('sliding', options.time), graceMs: graceField('sliding', options.grace) })
}

/**
 * Session windows: a key's events less than `gap` apart form one session.
 * @example
 * stream.keyBy(c => c.user).window(session({ gap: '30m' })).aggregate(count())
 */
export function session(options: { gap: Duration } & TimeOptions): SessionDefinition {
  const gapMs = durationField('session', 'gap', options.gap, true)
  return Object.freeze({ kind: 'session', gapMs, time: timeField('session', options.time), graceMs: graceField('session', options.grace) })
}

function countField(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid('count', `'${field}' must be a positive whole number of events, got ${String(value)}`)
  }
  return value
}

/**
 * Count windows: the last `size` events of a key, emitted every `every` events (default `size`).
 * @example
 * stream.keyBy(s => s.sensor).window(countWindow({ size: 100, every: 10 })).aggregate(avg(s => s.value))
 */
export function countWindow(options: { size: number; every?: number }): CountDefinition {
  const size = countField('size', options.size)
  const every = options.every === undefined ? size : countField('every', options.every)
  if (every > size) throw invalid('count', `'every' (${every}) must not exceed 'size' (${size}): events between windows would belong to none`)
  return Object.freeze({ kind: 'count', size, every })
}

/**
 * Punctuated windows: the application marks where a window ends (`endsWith`, the marker belongs
 * to the window it ends) and/or starts (`startsWith`, the marker opens the next window).
 * @example
 * clicks.keyBy(c => c.user).window(punctuated({ endsWith: c => c.type === 'logout', grace: '5s' })).aggregate(count())
 */
export function punctuated<I>(options: { endsWith?: (event: I) => boolean; startsWith?: (event: I) => boolean } & TimeOptions): PunctuatedDefinition<I> {
  const { endsWith, startsWith } = options
  if (endsWith === undefined && startsWith === undefined) throw invalid('punctuated', "give 'endsWith', 'startsWith' or both")
  if (endsWith !== undefined && typeof endsWith !== 'function') throw invalid('punctuated', "'endsWith' must be a function (event) => boolean")
  if (startsWith !== undefined && typeof startsWith !== 'function') throw invalid('punctuated', "'startsWith' must be a function (event) => boolean")
  return Object.freeze({ kind: 'punctuated', endsWith, startsWith, time: timeField('punctuated', options.time), graceMs: graceField('punctuated', options.grace) })
}
