// The keyed engine for count windows (count-windows.ts): per key, the ordinal of its next event
// and a PaneStore (pane-store.ts) over its event panes, with the algorithm the aggregator's algebra
// allows: the last 1,000 events every event costs O(1) per event for invertible and associative
// aggregates too. 'final' emits a window when its last event arrives; 'update' emits, after each
// event, the window that will end next (the one the event made current), so every change to a
// window is seen by the time it completes. Reported bounds are ordinals [first, end), clipped at 0.
// Watermarks do nothing here: arrival order is the order, and nothing is ever late.
// A key keeps its ordinal for the operator's lifetime, so its windows keep their identity.
// Export and restore: a key's state is its next ordinal, its store's pane partials and eviction
// bound; the meta is only the watermark (which count windows ignore). openWindows reads the
// windows not yet complete from the store without moving its caches (PaneStore.readWindows).
import { assert } from '../../base/assert.ts'
import type { Aggregator } from './aggregators.ts'
import { CountWindows } from './count-windows.ts'
import type { CountDefinition } from './definitions.ts'
import { createPaneStore, type PaneStore, type WindowAlgorithm } from './pane-store.ts'
import { ChangedKeys, changedKeySet, checkWatermark, exportedArray, exportedNumber, exportedRecord, importedMeta, takeChanged, type AddOutcome, type EmitMode, type OpenWindow, type WindowOperator, type WindowSink } from './window-operator.ts'

/** Keyed count window aggregation. */
export class CountAggregation<K, I, A, O> implements WindowOperator<K, I, O> {
  readonly definition: CountDefinition
  readonly algorithm: WindowAlgorithm
  readonly emit: EmitMode
  readonly #windows: CountWindows
  readonly #aggregator: Aggregator<I, A, O>
  readonly #sink: WindowSink<K, O>
  /** Per key: its store; the store's `cursor` is the key's next event ordinal. */
  readonly #keys = new Map<K, PaneStore<I, A>>()
  #watermark = -Infinity
  #isBusy = false
  /** Keys changed since takeChangedKeys, when tracking (undefined: not tracking). */
  readonly #changed: ChangedKeys<K> | undefined

  constructor(definition: CountDefinition, aggregator: Aggregator<I, A, O>, options: { algorithm: WindowAlgorithm; emit: EmitMode; sink: WindowSink<K, O>; trackChanges?: boolean }) {
    this.definition = definition
    this.#windows = new CountWindows(definition)
    // Tumbling count windows are one pane each: one accumulator per window whatever the algebra.
    this.algorithm = this.#windows.grid.windowPanes === 1 ? 'per-window' : options.algorithm
    this.emit = options.emit
    this.#aggregator = aggregator
    this.#sink = options.sink
    this.#changed = changedKeySet<K>(options.trackChanges)
  }

  get watermark(): number {
    return this.#watermark
  }

  get keyCount(): number {
    return this.#keys.size
  }

  /** `timestamp` is not used: count windows follow arrival order. */
  add(key: K, _timestamp: number, value: I): AddOutcome {
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    const windows = this.#windows
    let state = this.#keys.get(key)
    if (state === undefined) {
      state = createPaneStore(this.algorithm, this.#aggregator, windows.grid)
      state.key = key
      state.cursor = 0
      this.#keys.set(key, state)
    }
    const ordinal = state.cursor
    state.add(windows.paneOf(ordinal), value)
    state.cursor = ordinal + 1
    if (this.#changed !== undefined) this.#changed.mark(key, state)
    const completes = windows.completes(ordinal)
    if (this.emit === 'update' || completes) {
      const end = windows.currentEnd(ordinal)
      const value = this.#aggregator.result(state.windowAggregate(windows.startPaneOf(end)))
      this.#isBusy = true
      try {
        this.#sink(key, Math.max(0, end - windows.size), end, value, this.emit === 'update' ? 'update' : 'final')
      } finally {
        this.#isBusy = false
      }
    }
    // Forget the panes no later window holds: those before the start of the window ending next.
    if (completes) state.evictBefore(windows.startPaneOf(ordinal + 1 + windows.every))
    return 'accepted'
  }

  advanceWatermark(watermark: number): void {
    checkWatermark(watermark)
    if (watermark > this.#watermark) this.#watermark = watermark
  }

  takeChangedKeys(): K[] {
    return takeChanged(this.#changed)
  }

  exportKey(key: K): unknown {
    const state = this.#keys.get(key)
    if (state === undefined) return undefined
    return { ordinal: state.cursor, evictedBefore: state.evictedBefore, panes: state.exportPanes() }
  }

  importKey(key: K, exported: unknown): void {
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    this.#keys.delete(key)
    if (exported === undefined) return
    const record = exportedRecord(exported, 'importKey')
    const state = createPaneStore(this.algorithm, this.#aggregator, this.#windows.grid)
    state.importPanes(exportedArray(record, 'panes', 'importKey'), exportedNumber(record, 'evictedBefore', 'importKey'))
    state.key = key
    state.cursor = exportedNumber(record, 'ordinal', 'importKey')
    this.#keys.set(key, state)
  }

  exportMeta(): unknown {
    return { ...this.#identity(), watermark: this.#watermark }
  }

  importMeta(exported: unknown): void {
    const meta = importedMeta(exported, this.#keys.size === 0 && this.#watermark === -Infinity, this.#identity())
    this.#watermark = exportedNumber(meta, 'watermark', 'importMeta')
  }

  openWindows(key: K): OpenWindow<O>[] {
    const state = this.#keys.get(key)
    if (state === undefined) return []
    // Open: the windows ending after the key's next ordinal (not complete yet) that hold one of
    // its events. The first is the one ending next; the store evicted only panes before it.
    const windows = this.#windows
    const next = state.cursor
    const aggregator = this.#aggregator
    const out: OpenWindow<O>[] = []
    state.readWindows(windows.startPaneOf(windows.currentEnd(next)), (startPane, acc) => {
      const end = startPane * windows.paneEvents + windows.size
      out.push({ start: Math.max(0, end - windows.size), end, value: aggregator.result(acc) })
    })
    return out
  }

  /** What exported state must have been made by: this engine, algorithm and window. */
  #identity(): Record<string, string> {
    return { engine: 'count-windows', algorithm: this.algorithm, window: `${this.definition.size}/${this.definition.every}` }
  }
}
