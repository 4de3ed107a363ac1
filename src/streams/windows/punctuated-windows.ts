// Punctuated windows as a per-key state machine: the application's own marker events say where a
// window ends (`endsWith`: the marker is its last event, e.g. a logout) or starts (`startsWith`:
// the marker is the first event of a new window, closing the one before). Markers take effect
// when they arrive. Between markers the key has one open window; a closed window waits for
// stragglers (events that happened before its marker but arrive after it) until the watermark
// passes its last instant + grace, then it is final. A plain event goes to the open window when
// it is not older than the open window's floor, else to the newest pending window whose range
// holds it; with `startsWith`, an event while no window is open (before the first start marker,
// or between an end marker and the next start) belongs to no window: 'outside'.
// Lateness is per event (t + grace <= watermark): a window's extent is not known in advance, and
// with this rule no accepted event can ever fall into a window that is already final.
// punctuated-aggregation.ts drives one machine per key and emits; exportState/importState carry a
// key's machine through a changelog as plain data.
import type { Aggregator } from './aggregators.ts'
import type { PunctuatedDefinition } from './definitions.ts'

/** One punctuated window of a key, open or closed. */
export interface PunctuatedWindow<A> {
  /** Stragglers at or after this time may join (the previous window's last instant + 1, or the start marker's time). */
  floor: number
  /** The last instant of the range of a closed window (Infinity while open). */
  last: number
  /** Earliest and latest event time: the window is reported as [minTime, maxTime + 1). */
  minTime: number
  maxTime: number
  /** Punctuated windows never merge, so add() alone builds them, whatever the algebra. */
  acc: A
  events: number
  /** The bounds and accumulator last emitted in 'update' mode (to retract when the bounds move). */
  emittedStart: number | undefined
  emittedEnd: number | undefined
  emittedAcc: A | undefined
}

/** What an event did. */
export type PunctuatedStep<A> =
  | { outcome: 'outside' }
  /** `closed`: some window (this one, or the one a start marker ended) closed during the step. */
  | { outcome: 'accepted'; window: PunctuatedWindow<A>; closed: boolean }

/** One key's punctuated windows. */
export class PunctuatedWindows<I, A> {
  /** The window events currently go to, if any. */
  open: PunctuatedWindow<A> | undefined
  /** Closed windows still waiting for stragglers, in closing order. */
  readonly pending: PunctuatedWindow<A>[] = []
  /** One past the latest last instant of any window closed so far: where the next window's range begins. */
  #boundary = -Infinity
  readonly #definition: PunctuatedDefinition<I>
  readonly #aggregator: Aggregator<I, A, unknown>

  constructor(definition: PunctuatedDefinition<I>, aggregator: Aggregator<I, A, unknown>) {
    this.#definition = definition
    this.#aggregator = aggregator
  }

  /** Routes one (not late) event; the caller has checked t + grace > watermark. */
  step(t: number, value: I): PunctuatedStep<A> {
    const { startsWith, endsWith } = this.#definition
    const isStart = startsWith !== undefined && startsWith(value)
    const isEnd = endsWith !== undefined && endsWith(value)
    if (isStart) {
      // A start marker closes the open window just before itself and opens a new one with itself.
      const previous = this.open
      if (previous !== undefined) this.#close(previous, Math.max(previous.maxTime, t - 1))
      const window = this.#newWindow(t)
      this.#add(window, t, value)
      if (isEnd) this.#close(window, t)
      return { outcome: 'accepted', window, closed: isEnd || previous !== undefined }
    }
    if (isEnd) {
      let window = this.open
      if (window === undefined) {
        if (startsWith !== undefined) return { outcome: 'outside' }
        window = this.#newWindow(this.#nextFloor())
      }
      this.#add(window, t, value)
      this.#close(window, Math.max(window.maxTime, t))
      return { outcome: 'accepted', window, closed: true }
    }
    const open = this.open
    if (open !== undefined && t >= open.floor) {
      this.#add(open, t, value)
      return { outcome: 'accepted', window: open, closed: false }
    }
    // A straggler: the newest pending window whose range holds it.
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const window = this.pending[i]!
      if (window.floor <= t && t <= window.last) {
        this.#add(window, t, value)
        return { outcome: 'accepted', window, closed: false }
      }
    }
    if (open !== undefined || startsWith !== undefined) return { outcome: 'outside' }
    const window = this.#newWindow(this.#nextFloor())
    this.#add(window, t, value)
    return { outcome: 'accepted', window, closed: false }
  }

  /** Removes and returns the pending windows final at `watermark` (last + grace <= watermark). */
  takeFinal(watermark: number): PunctuatedWindow<A>[] {
    const graceMs = this.#definition.graceMs
    const final: PunctuatedWindow<A>[] = []
    for (let i = 0; i < this.pending.length; ) {
      if (this.pending[i]!.last + graceMs <= watermark) final.push(...this.pending.splice(i, 1))
      else i++
    }
    return final
  }

  /** When the next pending window becomes final (Infinity if none). */
  nextFinalTime(): number {
    let next = Infinity
    for (const window of this.pending) next = Math.min(next, window.last + this.#definition.graceMs)
    return next
  }

  /** The machine as plain data, sharing nothing mutable with it (the windows are copied). */
  exportState(): { open: PunctuatedWindow<A> | null; pending: PunctuatedWindow<A>[]; boundary: number } {
    return { open: this.open === undefined ? null : { ...this.open }, pending: this.pending.map((w) => ({ ...w })), boundary: this.#boundary }
  }

  /** Restores what exportState returned into a fresh machine. */
  importState(state: { open: PunctuatedWindow<A> | null; pending: readonly PunctuatedWindow<A>[]; boundary: number }): void {
    this.open = state.open === null ? undefined : { ...state.open }
    this.pending.length = 0
    for (const window of state.pending) this.pending.push({ ...window })
    this.#boundary = state.boundary
  }

  /** True when the key holds no window. */
  isEmpty(): boolean {
    return this.open === undefined && this.pending.length === 0
  }

  #newWindow(floor: number): PunctuatedWindow<A> {
    const window: PunctuatedWindow<A> = {
      floor, last: Infinity, minTime: Infinity, maxTime: -Infinity, acc: this.#aggregator.init(), events: 0, emittedStart: undefined, emittedEnd: undefined, emittedAcc: undefined,
    }
    this.open = window
    return window
  }

  /**
   * Where a window opened by a plain event or an end marker starts: after every closed one. (Once a
   * key is forgotten this restarts at -Infinity, which changes nothing: an event older than the
   * forgotten boundary is late, since every window before it was final.)
   */
  #nextFloor(): number {
    return this.#boundary
  }

  #add(window: PunctuatedWindow<A>, t: number, value: I): void {
    window.acc = this.#aggregator.add(window.acc, value)
    window.events++
    if (t < window.minTime) window.minTime = t
    if (t > window.maxTime) window.maxTime = t
  }

  #close(window: PunctuatedWindow<A>, last: number): void {
    window.last = last
    if (last + 1 > this.#boundary) this.#boundary = last + 1
    this.pending.push(window)
    if (this.open === window) this.open = undefined
  }
}
