// The integer grid every pane-based window lives on: panes are numbered consecutively, a window is
// `windowPanes` (n) consecutive panes, and windows start on the panes congruent to `offset` modulo
// `slidePanes` (m). Time windows use offset 0 (epoch-aligned, see time-windows.ts); count windows
// put their ends on multiples of `every` events and so start at offset -size mod every
// (count-windows.ts). The pane stores (pane-store.ts) and engines only speak in this grid.
import { assert } from '../../base/assert.ts'

/** Window geometry in panes: n panes per window, a new window every m panes, starting at offset (mod m). */
export class PaneGrid {
  readonly windowPanes: number
  readonly slidePanes: number
  readonly offset: number

  constructor(windowPanes: number, slidePanes: number, offset = 0) {
    assert(Number.isSafeInteger(windowPanes) && windowPanes > 0, `windowPanes must be a positive integer, got ${windowPanes}`)
    assert(Number.isSafeInteger(slidePanes) && slidePanes > 0 && slidePanes <= windowPanes, `slidePanes must be in 1..windowPanes, got ${slidePanes}`)
    this.windowPanes = windowPanes
    this.slidePanes = slidePanes
    this.offset = ((offset % slidePanes) + slidePanes) % slidePanes
  }

  /** The smallest window start >= x. */
  alignUp(x: number): number {
    if (!Number.isFinite(x)) return x
    const m = this.slidePanes
    return Math.ceil((x - this.offset) / m) * m + this.offset
  }

  /** The largest window start <= x. */
  alignDown(x: number): number {
    if (!Number.isFinite(x)) return x
    const m = this.slidePanes
    return Math.floor((x - this.offset) / m) * m + this.offset
  }

  /** Start of the earliest window holding `pane`: the smallest start above pane - n. */
  firstStartContaining(pane: number): number {
    return this.alignDown(pane - this.windowPanes) + this.slidePanes
  }

  /** Start of the latest window holding `pane`. */
  lastStartContaining(pane: number): number {
    return this.alignDown(pane)
  }

  /** Block of `pane` when panes are cut into runs of n aligned to the offset (two-stacks.ts). */
  blockOf(pane: number): number {
    return Math.floor((pane - this.offset) / this.windowPanes)
  }

  /** First pane of a block. */
  blockStart(block: number): number {
    return block * this.windowPanes + this.offset
  }
}
