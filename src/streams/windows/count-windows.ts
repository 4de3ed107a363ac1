// Count windows as a per-key state machine over event ordinals (0, 1, 2, … per key, in arrival
// order): a window ends after every `every`-th event and holds the `size` events before that end
// (fewer at the very start), so countWindow({ size: 100, every: 10 }) emits the last 100 events
// every 10 events, and size = every is tumbling. Ordinals are cut into panes of
// g = gcd(size, every) events on a PaneGrid whose windows end on multiples of `every`, which lets
// count windows reuse the pane stores of time windows (pane-store.ts). The keyed engine is
// count-aggregation.ts; there is no lateness, because arrival order is the order.
import type { CountDefinition } from './definitions.ts'
import { PaneGrid } from './pane-grid.ts'

/** A count window [start, end) in a key's event ordinals. */
export interface CountWindow {
  start: number
  end: number
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** The pane geometry of count windows, and the step of their per-key state machine. */
export class CountWindows {
  readonly size: number
  readonly every: number
  /** Events per pane, g = gcd(size, every). */
  readonly paneEvents: number
  /** Windows of n = size/g panes ending on multiples of m = every/g panes. */
  readonly grid: PaneGrid

  constructor(definition: CountDefinition) {
    this.size = definition.size
    this.every = definition.every
    this.paneEvents = gcd(definition.size, definition.every)
    const n = definition.size / this.paneEvents
    const m = definition.every / this.paneEvents
    this.grid = new PaneGrid(n, m, -n)
  }

  /** The pane of the event with ordinal `ordinal`. */
  paneOf(ordinal: number): number {
    return Math.floor(ordinal / this.paneEvents)
  }

  /** End (exclusive ordinal) of the first window that will hold the event `ordinal`: the next multiple of `every`. */
  currentEnd(ordinal: number): number {
    return (Math.floor(ordinal / this.every) + 1) * this.every
  }

  /** Whether the event `ordinal` completes a window (it is the every-th since the last end). */
  completes(ordinal: number): boolean {
    return (ordinal + 1) % this.every === 0
  }

  /** Start pane of the window ending at ordinal `end` (a multiple of `every`). */
  startPaneOf(end: number): number {
    return (end - this.size) / this.paneEvents
  }

  /** The window ending at `end`, as reported: [max(0, end - size), end). */
  windowEnding(end: number): CountWindow {
    return { start: Math.max(0, end - this.size), end }
  }

  /**
   * The windows holding event `ordinal`, oldest first.
   * @example
   * new CountWindows(countWindow({ size: 4, every: 2 })).windowsFor(5) // [{ start: 2, end: 6 }, { start: 4, end: 8 }]
   */
  windowsFor(ordinal: number): CountWindow[] {
    const out: CountWindow[] = []
    for (let end = this.currentEnd(ordinal); end - this.size <= ordinal; end += this.every) out.push(this.windowEnding(end))
    return out
  }
}
