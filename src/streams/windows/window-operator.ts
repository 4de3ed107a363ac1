// The shape every windowed aggregation presents to the streams runtime, whatever the window kind:
// the runtime calls add(key, timestamp, value) for each record and advanceWatermark(w) as event
// (or processing) time moves, and results come out through a sink, synchronously, from inside
// those two calls. Emit modes, result kinds and outcomes are defined here once; the engines are
// time-window-aggregation.ts, session-aggregation.ts, count-aggregation.ts and
// punctuated-aggregation.ts, and window-aggregation.ts picks one for a definition.
import { SluiceError } from '../../base/errors.ts'

/**
 * When results are emitted. 'update': as soon as a window has a result and again on every change
 * until it closes (Kafka Streams' default, Flink's late firings). 'final': once per window, when
 * the watermark passes end + grace (Kafka Streams' suppress(untilWindowCloses)).
 */
export type EmitMode = 'update' | 'final'

/**
 * What one emitted result is. 'update' and 'final' follow the emit mode; 'retract' withdraws a
 * result emitted earlier in 'update' mode that no longer exists (a session merged into another,
 * a punctuated window split), carrying the value it had.
 */
export type EmitKind = 'update' | 'final' | 'retract'

/**
 * Receives results. `start`/`end` are the window's bounds [start, end) in ms for time, session and
 * punctuated windows, and the key's event ordinals [first, last + 1) for count windows. Called
 * synchronously; it must not call back into the operator that called it.
 */
export type WindowSink<K, O> = (key: K, start: number, end: number, value: O, kind: EmitKind) => void

/**
 * What add() did with an event. 'late': every window it belongs to has closed; the runtime routes
 * it to the late side stream. 'outside': a punctuated window with `startsWith` is not open for the
 * key (the event is before any start marker or after an end marker); routed like a late one.
 */
export type AddOutcome = 'accepted' | 'late' | 'outside'

/** A keyed windowed aggregation, driven by the runtime. */
export interface WindowOperator<K, I> {
  /** How the aggregates are kept (a WindowAlgorithm, 'session-merge' or 'session-refold'), for describe(). */
  readonly algorithm: string
  /** The latest watermark passed to advanceWatermark (-Infinity before any). */
  readonly watermark: number
  /** Keys that currently hold state. */
  readonly keyCount: number
  /** Adds one event of `key` at `timestamp` (ms; a safe integer). */
  add(key: K, timestamp: number, value: I): AddOutcome
  /**
   * Moves the watermark forward (a smaller value is ignored) and emits what that closes.
   * Infinity closes every time-based window: the end of a bounded input.
   */
  advanceWatermark(watermark: number): void
}

/** Options shared by every windowed aggregation. */
export interface WindowOperatorOptions<K, O> {
  /** When to emit (default 'update'). */
  emit?: EmitMode
  sink: WindowSink<K, O>
}

/** Throws INVALID_ARGUMENT unless `timestamp` is a safe integer (ms). */
export function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp)) {
    throw new SluiceError('INVALID_ARGUMENT', `window timestamp must be a whole number of milliseconds, got ${String(timestamp)}`)
  }
}

/** Throws INVALID_ARGUMENT for a watermark that is not a number (NaN, or not a number at all). */
export function checkWatermark(watermark: number): void {
  if (typeof watermark !== 'number' || Number.isNaN(watermark)) {
    throw new SluiceError('INVALID_ARGUMENT', `watermark must be a number of milliseconds, got ${String(watermark)}`)
  }
}

/** Throws INVALID_ARGUMENT unless `emit` is a known mode; returns the default for undefined. */
export function checkEmitMode(emit: unknown): EmitMode {
  if (emit === undefined) return 'update'
  if (emit !== 'update' && emit !== 'final') throw new SluiceError('INVALID_ARGUMENT', `emit must be 'update' or 'final', got ${String(emit)}`)
  return emit
}
