// The keyed engine for tumbling and sliding windows: one PaneStore per key (pane-store.ts; the
// algorithm follows the aggregator's algebra) that also carries the key's cursor (which windows
// have been emitted) and due time, and a DueQueue that wakes only the keys a watermark advance concerns, so quiet keys'
// windows still close and busy keys are never scanned for nothing.
//
// Lateness is per window (Kafka Streams and Flink): an event is late only when every window
// holding it has closed (end + grace <= watermark); otherwise it counts in the windows still open.
// Emission, per key, in window order:
//   'final'   a window is emitted once, when the watermark reaches its end + grace.
//   'update'  each accepted event re-emits the windows holding it that were already emitted and
//             are still open; a window is first emitted when the key's newest event reaches it
//             (its last slide) or, failing that, when the watermark passes its end. So an in-order
//             event emits one window (the one ending next), not every window that holds it.
// Empty windows are never emitted. Sinks are called synchronously from add/advanceWatermark.
// 'final' emission of an invertible aggregate has a faster layout of the same algorithm,
// lockstep-aggregation.ts, which windowAggregation (window-aggregation.ts) picks for it.
// Export and restore: a key's state is its store's pane partials, cursor, due time and eviction
// bound; the meta is the watermark and the time origin that pane numbers count from. A key's
// cursor may lag behind the watermark (advances that did not wake it); add() catches it up the
// same way in a restored operator, so such a key needs no new export.
// Interactive queries (openWindows) read the key's store from the first open window on with
// PaneStore.readWindows, which moves none of the store's caches.
import { assert } from '../../base/assert.ts'
import type { Aggregator } from './aggregators.ts'
import type { TimeWindowDefinition } from './definitions.ts'
import { DueQueue } from './due-queue.ts'
import type { PaneGrid } from './pane-grid.ts'
import { createPaneStore, type PaneStore, type WindowAlgorithm } from './pane-store.ts'
import { TimeWindowGeometry } from './time-windows.ts'
import { ChangedKeys, changedKeySet, checkTimestamp, checkWatermark, exportedArray, exportedNumber, exportedRecord, importedMeta, takeChanged, type AddOutcome, type EmitMode, type OpenWindow, type WindowOperator, type WindowSink } from './window-operator.ts'

/** Keyed tumbling/sliding window aggregation. */
export class TimeWindowAggregation<K, I, A, O> implements WindowOperator<K, I, O> {
  readonly definition: TimeWindowDefinition
  readonly algorithm: WindowAlgorithm
  readonly emit: EmitMode
  #geometry: TimeWindowGeometry
  #grid: PaneGrid
  #isAnchored = false
  readonly #aggregator: Aggregator<I, A, O>
  readonly #sink: WindowSink<K, O>
  readonly #keys = new Map<K, PaneStore<I, A>>()
  readonly #due = new DueQueue<PaneStore<I, A>>()
  #watermark = -Infinity
  /** First window start still open at the watermark: windows before it are closed. */
  #firstOpen = -Infinity
  /** First window start whose end is after the watermark ('update' first-emits those before it). */
  #firstUnended = -Infinity
  #isBusy = false
  /** Keys changed since takeChangedKeys, when tracking (undefined: not tracking, nothing recorded). */
  readonly #changed: ChangedKeys<K> | undefined

  constructor(definition: TimeWindowDefinition, aggregator: Aggregator<I, A, O>, options: { algorithm: WindowAlgorithm; emit: EmitMode; sink: WindowSink<K, O>; trackChanges?: boolean }) {
    this.definition = definition
    this.#geometry = new TimeWindowGeometry(definition)
    this.#grid = this.#geometry.grid
    this.#aggregator = aggregator
    // A tumbling window is one pane: each event touches one accumulator whatever the algebra.
    this.algorithm = this.#grid.windowPanes === 1 ? 'per-window' : options.algorithm
    this.emit = options.emit
    this.#sink = options.sink
    this.#changed = changedKeySet<K>(options.trackChanges)
  }

  get watermark(): number {
    return this.#watermark
  }

  get keyCount(): number {
    return this.#keys.size
  }

  add(key: K, timestamp: number, value: I): AddOutcome {
    checkTimestamp(timestamp)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (!this.#isAnchored) this.#anchor(timestamp)
    const geometry = this.#geometry
    const grid = this.#grid
    const pane = geometry.paneOf(timestamp)
    const lastStart = grid.lastStartContaining(pane)
    if (lastStart < this.#firstOpen) return 'late'
    const isUpdate = this.emit === 'update'
    let state = this.#keys.get(key)
    if (state === undefined) {
      state = createPaneStore(this.algorithm, this.#aggregator, grid)
      state.key = key
      state.cursor = isUpdate ? this.#firstUnended : this.#firstOpen
      this.#keys.set(key, state)
    } else {
      // Catch up with watermark advances that did not concern this key (nothing of it was due).
      const caughtUp = isUpdate ? this.#firstUnended : this.#firstOpen
      if (state.cursor < caughtUp) {
        state.cursor = caughtUp
        state.evictBefore(this.#firstOpen)
      }
    }
    state.add(pane, value)
    if (this.#changed !== undefined) this.#changed.mark(key, state)
    const firstStart = grid.firstStartContaining(pane)
    if (!isUpdate) {
      // Final mode: the event can only bring this key's next close time forward.
      const close = geometry.closeRelativeMs(Math.max(firstStart, state.cursor))
      if (close < state.due) this.#schedule(state, close)
      return 'accepted'
    }
    this.#isBusy = true
    try {
      // Re-emit the open windows holding the event that were already emitted (out-of-order event).
      const reemitTo = Math.min(lastStart, state.cursor - grid.slidePanes)
      for (let start = Math.max(firstStart, this.#firstOpen); start <= reemitTo; start += grid.slidePanes) {
        this.#emitWindow(state, start, 'update')
      }
      // First-emit up to the window ending next after the event: the key's current window.
      const current = firstStart + grid.slidePanes
      if (current > state.cursor) this.#firstEmitBefore(state, current)
    } finally {
      this.#isBusy = false
    }
    this.#rescheduleUpdate(state)
    return 'accepted'
  }

  advanceWatermark(watermark: number): void {
    checkWatermark(watermark)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (!(watermark > this.#watermark)) return
    if (!this.#isAnchored && Number.isFinite(watermark)) this.#anchor(watermark)
    this.#watermark = watermark
    this.#firstOpen = this.#geometry.firstOpenStart(watermark)
    this.#firstUnended = this.#geometry.firstUnendedStart(watermark)
    this.#isBusy = true
    try {
      // Due times are relative to the origin (see TimeWindowGeometry.relativeMs).
      this.#due.drain(this.#geometry.relativeMs(watermark), (state, due) => {
        if (state.due !== due) return // stale: rescheduled since, or dropped
        state.due = Infinity
        if (this.#changed !== undefined) this.#changed.mark(state.key as K, state)
        if (this.emit === 'final') this.#closeFinal(state)
        else this.#advanceUpdate(state)
      })
    } finally {
      this.#isBusy = false
    }
  }

  takeChangedKeys(): K[] {
    return takeChanged(this.#changed)
  }

  exportKey(key: K): unknown {
    const state = this.#keys.get(key)
    if (state === undefined) return undefined
    return { cursor: state.cursor, due: state.due, evictedBefore: state.evictedBefore, panes: state.exportPanes() }
  }

  importKey(key: K, exported: unknown): void {
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    const old = this.#keys.get(key)
    if (old !== undefined) this.#drop(old)
    if (exported === undefined) return
    const record = exportedRecord(exported, 'importKey')
    const state = createPaneStore(this.algorithm, this.#aggregator, this.#grid)
    state.importPanes(exportedArray(record, 'panes', 'importKey'), exportedNumber(record, 'evictedBefore', 'importKey'))
    state.key = key
    state.cursor = exportedNumber(record, 'cursor', 'importKey')
    this.#keys.set(key, state)
    const due = exportedNumber(record, 'due', 'importKey')
    if (Number.isFinite(due)) this.#schedule(state, due)
  }

  exportMeta(): unknown {
    const geometry = this.#geometry
    return { ...this.#identity(), watermark: this.#watermark, originMs: this.#isAnchored ? geometry.originPane * geometry.paneMs : null }
  }

  importMeta(exported: unknown): void {
    const meta = importedMeta(exported, this.#keys.size === 0 && this.#watermark === -Infinity && !this.#isAnchored, this.#identity())
    const originMs = meta['originMs']
    if (originMs !== null) this.#anchor(exportedNumber(meta, 'originMs', 'importMeta'))
    const watermark = exportedNumber(meta, 'watermark', 'importMeta')
    this.#watermark = watermark
    this.#firstOpen = this.#geometry.firstOpenStart(watermark)
    this.#firstUnended = this.#geometry.firstUnendedStart(watermark)
  }

  openWindows(key: K): OpenWindow<O>[] {
    const state = this.#keys.get(key)
    if (state === undefined) return []
    // The key's store may still hold windows that closed at advances which did not wake it (its
    // cursor lags; add catches it up): read from the first open one on.
    const from = Math.max(this.#firstOpen, state.evictedBefore)
    const geometry = this.#geometry
    const aggregator = this.#aggregator
    const out: OpenWindow<O>[] = []
    state.readWindows(from, (start, acc) => out.push({ start: geometry.startMs(start), end: geometry.endMs(start), value: aggregator.result(acc) }))
    return out
  }

  /** What exported state must have been made by: this engine, algorithm, emit mode and pane geometry. */
  #identity(): Record<string, string> {
    const { sizeMs, advanceMs } = this.definition
    return { engine: 'time-windows', algorithm: this.algorithm, emit: this.emit, window: `${sizeMs}/${advanceMs}` }
  }

  /** Counts panes from the first time seen (before any state exists), to keep them small integers. */
  #anchor(timeMs: number): void {
    assert(this.#keys.size === 0 && this.#watermark === -Infinity, 'anchor before any state')
    this.#geometry = new TimeWindowGeometry(this.definition, timeMs)
    this.#grid = this.#geometry.grid
    this.#isAnchored = true
  }

  /** Final mode: emits every non-empty window that the watermark closed, then forgets them. */
  #closeFinal(state: PaneStore<I, A>): void {
    const slide = this.#grid.slidePanes
    const firstOpen = this.#firstOpen
    let start = state.nextNonEmptyStart(state.cursor)
    while (start < firstOpen) {
      this.#emitWindow(state, start, 'final')
      start += slide
      // Usually one window per advance: stop without looking for the next non-empty one.
      if (start >= firstOpen) break
      start = state.nextNonEmptyStart(start)
    }
    if (state.cursor < firstOpen) state.cursor = firstOpen
    state.evictBefore(firstOpen)
    if (state.isEmpty()) {
      this.#drop(state)
      return
    }
    this.#schedule(state, this.#geometry.closeRelativeMs(state.nextNonEmptyStart(state.cursor)))
  }

  /** Update mode: first-emits the windows the watermark has ended, forgets the closed ones. */
  #advanceUpdate(state: PaneStore<I, A>): void {
    if (state.cursor < this.#firstUnended) this.#firstEmitBefore(state, this.#firstUnended)
    state.evictBefore(this.#firstOpen)
    if (state.isEmpty()) {
      this.#drop(state)
      return
    }
    this.#rescheduleUpdate(state)
  }

  /** Emits, in order, each non-empty window in [state.cursor, bound) and moves the cursor to bound. */
  #firstEmitBefore(state: PaneStore<I, A>, bound: number): void {
    const slide = this.#grid.slidePanes
    for (let start = state.nextNonEmptyStart(state.cursor); start < bound; start = state.nextNonEmptyStart(start + slide)) {
      this.#emitWindow(state, start, 'update')
    }
    state.cursor = bound
  }

  /** Update mode: due when the next window still to first-emit ends, else when the last one closes. */
  #rescheduleUpdate(state: PaneStore<I, A>): void {
    const pending = state.nextNonEmptyStart(state.cursor)
    const due = pending !== Infinity ? this.#geometry.endRelativeMs(pending) : this.#geometry.closeRelativeMs(state.lastNonEmptyStart())
    if (due !== state.due) this.#schedule(state, due)
  }

  /** Schedules the key at `due`, ms relative to the origin. */
  #schedule(state: PaneStore<I, A>, due: number): void {
    assert(Number.isFinite(due), 'due time must be finite')
    state.due = due
    this.#due.schedule(due, state)
  }

  #drop(state: PaneStore<I, A>): void {
    state.due = Number.NaN
    this.#keys.delete(state.key as K)
  }

  #emitWindow(state: PaneStore<I, A>, start: number, kind: 'update' | 'final'): void {
    const value = this.#aggregator.result(state.windowAggregate(start))
    this.#sink(state.key as K, this.#geometry.startMs(start), this.#geometry.endMs(start), value, kind)
  }
}
