// The keyed engine for punctuated windows: one PunctuatedWindows state machine per key
// (punctuated-windows.ts), a DueQueue for the closed windows waiting out their grace, and the
// emission: 'final' emits a closed window once the watermark passes its last instant + grace;
// 'update' emits a window after every event that changes it (retracting the bounds it was last
// emitted with when an event moved them). An open window has no end yet, so it is never final
// until a marker closes it.
// Export and restore: a key's state is its machine (open window, closed windows waiting for
// stragglers, the boundary where the next window's range begins); its due time follows from
// them. The meta is the watermark. openWindows reads a key's pending windows and its open one.
import { assert } from '../../base/assert.ts'
import type { Aggregator } from './aggregators.ts'
import type { PunctuatedDefinition } from './definitions.ts'
import { DueQueue } from './due-queue.ts'
import { PunctuatedWindows, type PunctuatedWindow } from './punctuated-windows.ts'
import { ChangedKeys, changedKeySet, checkTimestamp, checkWatermark, exportedArray, exportedNumber, exportedRecord, importedMeta, takeChanged, type AddOutcome, type EmitMode, type OpenWindow, type WindowOperator, type WindowSink } from './window-operator.ts'

/** One key's machine, with its key and due time. */
class KeyPunctuation<K, I, A> extends PunctuatedWindows<I, A> {
  key!: K
  due = Infinity
  /** The ChangedKeys round it was last marked changed in. */
  changeRound = -1
}

/** Keyed punctuated window aggregation. */
export class PunctuatedAggregation<K, I, A, O> implements WindowOperator<K, I, O> {
  readonly definition: PunctuatedDefinition<I>
  /** One accumulator per window, built by add() alone: punctuated windows never overlap or merge. */
  readonly algorithm = 'per-window'
  readonly emit: EmitMode
  readonly #aggregator: Aggregator<I, A, O>
  readonly #sink: WindowSink<K, O>
  readonly #keys = new Map<K, KeyPunctuation<K, I, A>>()
  readonly #due = new DueQueue<KeyPunctuation<K, I, A>>()
  #watermark = -Infinity
  #isBusy = false
  /** Keys changed since takeChangedKeys, when tracking (undefined: not tracking). */
  readonly #changed: ChangedKeys<K> | undefined

  constructor(definition: PunctuatedDefinition<I>, aggregator: Aggregator<I, A, O>, options: { emit: EmitMode; sink: WindowSink<K, O>; trackChanges?: boolean }) {
    this.definition = definition
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

  add(key: K, timestamp: number, value: I): AddOutcome {
    checkTimestamp(timestamp)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (timestamp + this.definition.graceMs <= this.#watermark) return 'late'
    let state = this.#keys.get(key)
    const isNew = state === undefined
    if (state === undefined) {
      state = new KeyPunctuation<K, I, A>(this.definition, this.#aggregator)
      state.key = key
    }
    this.#isBusy = true
    try {
      const step = state.step(timestamp, value)
      if (step.outcome === 'outside') return 'outside'
      if (isNew) this.#keys.set(key, state)
      if (this.#changed !== undefined) this.#changed.mark(key, state)
      if (this.emit === 'update') this.#emitUpdate(state, step.window)
      if (step.closed) {
        // A marker behind the watermark closes a window no straggler can reach any more.
        this.#finalize(state)
        if (this.#keys.has(key)) this.#reschedule(state)
      }
    } finally {
      this.#isBusy = false
    }
    return 'accepted'
  }

  advanceWatermark(watermark: number): void {
    checkWatermark(watermark)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (!(watermark > this.#watermark)) return
    this.#watermark = watermark
    this.#isBusy = true
    try {
      this.#due.drain(watermark, (state, due) => {
        if (state.due !== due) return // stale: rescheduled since, or dropped
        state.due = Infinity
        if (this.#changed !== undefined) this.#changed.mark(state.key, state)
        this.#finalize(state)
        if (this.#keys.get(state.key) === state) this.#reschedule(state)
      })
    } finally {
      this.#isBusy = false
    }
  }

  takeChangedKeys(): K[] {
    return takeChanged(this.#changed)
  }

  exportKey(key: K): unknown {
    return this.#keys.get(key)?.exportState()
  }

  importKey(key: K, exported: unknown): void {
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    const old = this.#keys.get(key)
    if (old !== undefined) {
      old.due = Number.NaN
      this.#keys.delete(key)
    }
    if (exported === undefined) return
    const record = exportedRecord(exported, 'importKey')
    const open = record['open'] === null ? null : checkWindow<A>(record['open'])
    const pending = exportedArray(record, 'pending', 'importKey').map((w) => checkWindow<A>(w))
    const state = new KeyPunctuation<K, I, A>(this.definition, this.#aggregator)
    state.key = key
    state.importState({ open, pending, boundary: exportedNumber(record, 'boundary', 'importKey') })
    if (state.isEmpty()) return
    this.#keys.set(key, state)
    this.#reschedule(state)
  }

  exportMeta(): unknown {
    return { engine: 'punctuated-windows', watermark: this.#watermark }
  }

  importMeta(exported: unknown): void {
    const meta = importedMeta(exported, this.#keys.size === 0 && this.#watermark === -Infinity, { engine: 'punctuated-windows' })
    this.#watermark = exportedNumber(meta, 'watermark', 'importMeta')
  }

  /** The key's closed windows still waiting for stragglers (in closing order), then its open one. */
  openWindows(key: K): OpenWindow<O>[] {
    const state = this.#keys.get(key)
    if (state === undefined) return []
    const graceMs = this.definition.graceMs
    const windows = state.pending.filter((w) => w.last + graceMs > this.#watermark)
    if (state.open !== undefined) windows.push(state.open)
    return windows.filter((w) => w.events > 0).map((w) => ({ start: w.minTime, end: w.maxTime + 1, value: this.#aggregator.result(w.acc) }))
  }

  /** Emits ('final') and forgets the windows final at the watermark; drops an empty key. */
  #finalize(state: KeyPunctuation<K, I, A>): void {
    for (const window of state.takeFinal(this.#watermark)) {
      if (this.emit === 'final') this.#sink(state.key, window.minTime, window.maxTime + 1, this.#aggregator.result(window.acc), 'final')
    }
    if (state.isEmpty()) {
      state.due = Number.NaN
      this.#keys.delete(state.key)
    }
  }

  #reschedule(state: KeyPunctuation<K, I, A>): void {
    const due = state.nextFinalTime()
    if (due === Infinity || due === state.due) return
    state.due = due
    this.#due.schedule(due, state)
  }

  /** Update mode: the window's new result, after retracting its old bounds if they moved. */
  #emitUpdate(state: KeyPunctuation<K, I, A>, window: PunctuatedWindow<A>): void {
    const start = window.minTime
    const end = window.maxTime + 1
    if (window.emittedStart !== undefined && (window.emittedStart !== start || window.emittedEnd !== end)) {
      this.#sink(state.key, window.emittedStart, window.emittedEnd!, this.#aggregator.result(window.emittedAcc as A), 'retract')
    }
    window.emittedStart = start
    window.emittedEnd = end
    window.emittedAcc = window.acc
    this.#sink(state.key, start, end, this.#aggregator.result(window.acc), 'update')
  }
}

/** An exported punctuated window, its numeric fields checked; INVALID_ARGUMENT otherwise. */
function checkWindow<A>(value: unknown): PunctuatedWindow<A> {
  const window = exportedRecord(value, 'importKey window')
  for (const field of ['floor', 'last', 'minTime', 'maxTime', 'events']) exportedNumber(window, field, 'importKey window')
  return window as unknown as PunctuatedWindow<A>
}
