// Assignment math for tumbling and sliding (hopping) windows, pure and allocation-free on the hot
// path. Windows are [k·every, k·every + size) for every integer k, aligned to the epoch as Kafka
// Streams aligns TimeWindows. Time is cut into panes of width g = gcd(size, every): every window
// is exactly n = size/g whole panes and starts on a pane that is a multiple of m = every/g, so the
// engines (window-aggregation.ts) keep one partial aggregate per pane instead of one per window.
// A window is identified by its first pane ("start pane"); the helpers below convert. Panes are
// counted from an origin (a window start near the first timestamp an engine sees) so that pane
// numbers stay small integers: V8 keeps those unboxed in object fields, epoch-sized ones not.
// Sessions, count and punctuated windows have their own files.
import { assert } from '../../base/assert.ts'
import type { TimeWindowDefinition } from './definitions.ts'
import { PaneGrid } from './pane-grid.ts'

/** A half-open window [start, end) in milliseconds. */
export interface TimeWindow {
  start: number
  end: number
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** Floor division that stays exact for the safe-integer timestamps windows take. */
function floorDiv(a: number, b: number): number {
  return Math.floor(a / b)
}

/** The pane geometry of a tumbling or sliding window definition. */
export class TimeWindowGeometry {
  /** Pane width g = gcd(size, every), ms. */
  readonly paneMs: number
  /** Panes per window, n = size / g. */
  readonly windowPanes: number
  /** Panes per advance, m = every / g. */
  readonly slidePanes: number
  readonly sizeMs: number
  readonly advanceMs: number
  readonly graceMs: number
  /** The same geometry in panes, offset 0: windows start on multiples of m. */
  readonly grid: PaneGrid
  /** Absolute pane number of relative pane 0: a multiple of m, so window starts stay multiples of m. */
  readonly originPane: number

  /** `originMs`: any time near the data (default the epoch); pane numbers are relative to it. */
  constructor(definition: TimeWindowDefinition, originMs = 0) {
    this.sizeMs = definition.sizeMs
    this.advanceMs = definition.advanceMs
    this.graceMs = definition.graceMs
    this.paneMs = gcd(definition.sizeMs, definition.advanceMs)
    this.windowPanes = definition.sizeMs / this.paneMs
    this.slidePanes = definition.advanceMs / this.paneMs
    assert(Number.isInteger(this.windowPanes) && Number.isInteger(this.slidePanes), 'pane geometry must be whole panes')
    this.grid = new PaneGrid(this.windowPanes, this.slidePanes, 0)
    this.originPane = floorDiv(floorDiv(originMs, this.paneMs), this.slidePanes) * this.slidePanes
  }

  /** The (relative) pane holding timestamp `t`. */
  paneOf(t: number): number {
    return floorDiv(t, this.paneMs) - this.originPane
  }

  /** Start pane of the earliest window holding `pane`: the smallest multiple of m above pane - n. */
  firstStartContaining(pane: number): number {
    return this.grid.firstStartContaining(pane)
  }

  /** Start pane of the latest window holding `pane`: the largest multiple of m at or below pane. */
  lastStartContaining(pane: number): number {
    return this.grid.lastStartContaining(pane)
  }

  /** Window start, ms, of a start pane. */
  startMs(startPane: number): number {
    return (startPane + this.originPane) * this.paneMs
  }

  /** Window end (exclusive), ms, of a start pane. */
  endMs(startPane: number): number {
    return (startPane + this.originPane + this.windowPanes) * this.paneMs
  }

  /** When the window closes for good: end + grace. */
  closeMs(startPane: number): number {
    return (startPane + this.originPane + this.windowPanes) * this.paneMs + this.graceMs
  }

  /**
   * Times relative to the origin (ms since relative pane 0): what the engines schedule by, because
   * small integers stay unboxed where epoch milliseconds would each be a heap number.
   */
  relativeMs(ms: number): number {
    return ms - this.originPane * this.paneMs
  }

  /** closeMs, relative to the origin. */
  closeRelativeMs(startPane: number): number {
    return (startPane + this.windowPanes) * this.paneMs + this.graceMs
  }

  /** endMs, relative to the origin. */
  endRelativeMs(startPane: number): number {
    return (startPane + this.windowPanes) * this.paneMs
  }

  /**
   * Start pane of the first window still open at `watermark` (end + grace > watermark), so every
   * window starting before it is closed. -Infinity before any watermark.
   */
  firstOpenStart(watermark: number): number {
    if (watermark === -Infinity) return -Infinity
    if (watermark === Infinity) return Infinity
    // end + grace > W  <=>  (s + n)·g > W - grace  <=>  s > floor((W - grace) / g) - n  (s whole).
    return (floorDiv(floorDiv(watermark - this.graceMs, this.paneMs) - this.windowPanes, this.slidePanes) + 1) * this.slidePanes - this.originPane
  }

  /** Start pane of the first window whose end is after `watermark` (end > watermark). */
  firstUnendedStart(watermark: number): number {
    if (watermark === -Infinity) return -Infinity
    if (watermark === Infinity) return Infinity
    return (floorDiv(floorDiv(watermark, this.paneMs) - this.windowPanes, this.slidePanes) + 1) * this.slidePanes - this.originPane
  }
}

/**
 * The windows [start, end) that hold timestamp `t`, oldest first: one for tumbling windows,
 * floor or ceil of size/every for sliding ones.
 * @example
 * windowsFor(sliding({ size: '10s', every: '5s' }), 12_000) // [{ start: 5000, end: 15000 }, { start: 10000, end: 20000 }]
 */
export function windowsFor(definition: TimeWindowDefinition, t: number): TimeWindow[] {
  const geometry = new TimeWindowGeometry(definition)
  const pane = geometry.paneOf(t)
  const windows: TimeWindow[] = []
  for (let s = geometry.firstStartContaining(pane); s <= pane; s += geometry.slidePanes) {
    windows.push({ start: geometry.startMs(s), end: geometry.endMs(s) })
  }
  return windows
}

/** When a window ending at `endMs` closes for good: end + grace. */
export function windowCloseTime(definition: { graceMs: number }, endMs: number): number {
  return endMs + definition.graceMs
}

/** Whether a window ending at `endMs` is closed once the watermark is `watermark` (end + grace <= watermark). */
export function isWindowClosed(definition: { graceMs: number }, endMs: number, watermark: number): boolean {
  return endMs + definition.graceMs <= watermark
}

/** Whether an event at `t` is late at `watermark`: every window holding it is closed. */
export function isLateForTimeWindows(definition: TimeWindowDefinition, t: number, watermark: number): boolean {
  const geometry = new TimeWindowGeometry(definition)
  return geometry.lastStartContaining(geometry.paneOf(t)) < geometry.firstOpenStart(watermark)
}
