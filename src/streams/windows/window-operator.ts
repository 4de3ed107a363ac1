// The shape every windowed aggregation presents to the streams runtime, whatever the window kind:
// the runtime calls add(key, timestamp, value) for each record and advanceWatermark(w) as event
// (or processing) time moves, and results come out through a sink, synchronously, from inside
// those two calls. Emit modes, result kinds and outcomes are defined here once; the engines are
// time-window-aggregation.ts, lockstep-aggregation.ts, session-aggregation.ts, count-aggregation.ts
// and punctuated-aggregation.ts, and window-aggregation.ts picks one for a definition. Each engine's
// state can be exported per key and restored (changelog-backed fault tolerance, see README.md);
// the shared helpers for that live at the bottom of this file. openWindows(key) is the read side
// for interactive queries: a key's open windows and their current results, changing nothing.
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

/**
 * One open window of a key as openWindows() reports it: its bounds as the sink gets them (ms, or
 * event ordinals for count windows) and aggregator.result() of its accumulator now.
 */
export interface OpenWindow<O> {
  start: number
  end: number
  value: O
}

/** A keyed windowed aggregation, driven by the runtime. `O` is the aggregator's result type. */
export interface WindowOperator<K, I, O = unknown> {
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
  /**
   * The keys whose state changed (by add, or by advanceWatermark: windows closed, panes evicted,
   * the key emptied) since the last call, each once; export each and write it to the changelog.
   * Only with `trackChanges: true` (INVALID_ARGUMENT otherwise).
   */
  takeChangedKeys(): K[]
  /**
   * The key's whole state as plain structured-clonable data (arrays, numbers, plain objects, the
   * aggregator's accumulators as they are), or undefined when the key holds none (a tombstone).
   * The value shares nothing mutable with the operator. Its positions are relative to the
   * operator-wide state: restore with the exportMeta() of the same checkpoint or a later one.
   */
  exportKey(key: K): unknown
  /**
   * Installs a state exportKey returned (replacing the key's state if it has one; undefined
   * removes the key), after importMeta. Rebuilds the engine's indexes (due times, shared buckets).
   */
  importKey(key: K, state: unknown): void
  /** Operator-wide state (watermark, time origin, …), plain data, written under a reserved changelog key. */
  exportMeta(): unknown
  /** Restores exportMeta() into an operator built with the same definition and options, before any importKey or add. */
  importMeta(meta: unknown): void
  /**
   * Interactive query: the current result of every window of `key` that holds an event and has
   * not closed (not emitted as final, an event in it would not be late), oldest first; [] when
   * none. A pure read: no state change, no emission, no changed-key marking. Costs O(the key's
   * open windows and panes); add and advanceWatermark pay nothing for it.
   */
  openWindows(key: K): OpenWindow<O>[]
}

/** Options shared by every windowed aggregation. */
export interface WindowOperatorOptions<K, O> {
  /** When to emit (default 'update'). */
  emit?: EmitMode
  sink: WindowSink<K, O>
  /**
   * Record which keys change, for takeChangedKeys() (default false: nothing is recorded, and add
   * and advanceWatermark pay nothing for it).
   */
  trackChanges?: boolean
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

/**
 * The keys changed since the last take(). Per-key states carry `changeRound`: a state marked in
 * the current round is already in the set, so the next event on that key costs a field compare,
 * not a Set insertion.
 */
export class ChangedKeys<K> {
  readonly #keys = new Set<K>()
  /** Bumped by take(); states remember the round they were last marked in. */
  #round = 0

  /** Records that `key` (whose state is `state`) changed. */
  mark(key: K, state: { changeRound: number }): void {
    if (state.changeRound === this.#round) return
    state.changeRound = this.#round
    this.#keys.add(key)
  }

  /** Returns and forgets the keys marked since the last call. */
  take(): K[] {
    const keys = [...this.#keys]
    this.#keys.clear()
    this.#round++
    return keys
  }
}

/** Throws INVALID_ARGUMENT unless `trackChanges` is a boolean or undefined; returns the recorder of changed keys, if any. */
export function changedKeySet<K>(trackChanges: unknown): ChangedKeys<K> | undefined {
  if (trackChanges === undefined || trackChanges === false) return undefined
  if (trackChanges !== true) throw new SluiceError('INVALID_ARGUMENT', `trackChanges must be a boolean, got ${String(trackChanges)}`)
  return new ChangedKeys<K>()
}

/** Returns and clears the changed keys; INVALID_ARGUMENT when the operator does not track them. */
export function takeChanged<K>(changed: ChangedKeys<K> | undefined): K[] {
  if (changed === undefined) throw new SluiceError('INVALID_ARGUMENT', 'takeChangedKeys needs an operator built with trackChanges: true')
  return changed.take()
}

/** The fields of an exported state or meta, or INVALID_ARGUMENT naming what was restored when it is not one. */
export function exportedRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SluiceError('INVALID_ARGUMENT', `${what}: expected an exported state object, got ${String(value)}`)
  return value as Record<string, unknown>
}

/** Checks that exported meta comes from an operator of the same kind and settings (`expected`), else INVALID_ARGUMENT. */
export function checkMetaMatches(meta: Record<string, unknown>, expected: Record<string, string>): void {
  for (const [field, value] of Object.entries(expected)) {
    if (meta[field] !== value) {
      throw new SluiceError('INVALID_ARGUMENT', `importMeta: the state was exported with ${field} '${String(meta[field])}', this operator has '${value}' (state of one engine cannot be restored into another)`)
    }
  }
}

/** A number field of exported state, or INVALID_ARGUMENT. */
export function exportedNumber(record: Record<string, unknown>, field: string, what: string): number {
  const value = record[field]
  if (typeof value !== 'number' || Number.isNaN(value)) throw new SluiceError('INVALID_ARGUMENT', `${what}: field ${field} must be a number, got ${String(value)}`)
  return value
}

/** An array field of exported state, or INVALID_ARGUMENT. */
export function exportedArray(record: Record<string, unknown>, field: string, what: string): unknown[] {
  const value = record[field]
  if (!Array.isArray(value)) throw new SluiceError('INVALID_ARGUMENT', `${what}: field ${field} must be an array, got ${String(value)}`)
  return value
}

/**
 * The fields of exported meta, after checking that it is an object, that the operator is still
 * fresh and that the meta comes from an operator with the same `identity`; every engine's
 * importMeta starts here.
 */
export function importedMeta(exported: unknown, isFresh: boolean, identity: Record<string, string>): Record<string, unknown> {
  const meta = exportedRecord(exported, 'importMeta')
  checkFresh(isFresh)
  checkMetaMatches(meta, identity)
  return meta
}

/** INVALID_ARGUMENT unless the operator is still fresh (importMeta comes before any add or importKey). */
export function checkFresh(isFresh: boolean): void {
  if (!isFresh) throw new SluiceError('INVALID_ARGUMENT', 'importMeta needs a fresh operator: call it before any add, advanceWatermark or importKey')
}
