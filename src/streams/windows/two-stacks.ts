// Two stacks over panes for associative aggregates (min, max, sketches): merge only, no inverse.
// The classic two-stacks queue keeps a back stack with one running aggregate and a front stack of
// suffix aggregates made by "flipping" the back when the front runs dry; each partial is merged
// O(1) times amortized. Here the flip happens at fixed places: panes are cut into blocks of n (one
// window's length, aligned to the grid), so any window of n panes is the tail of one block plus
// the head of the next. Each pane keeps a prefix aggregate (block start .. pane: the back stack,
// kept for every pane instead of only the top) and a suffix aggregate (pane .. block end: the
// front stack), so ANY window reads as suffix ⊕ prefix in O(1), not only the oldest: 'update' mode
// needs that to re-emit windows behind the newest after an out-of-order event.
// Both columns are computed lazily and invalidated by position: an event into pane p invalidates
// prefixes from p on and the suffixes of p's block up to p. In-order events only touch the newest
// block, whose suffixes nobody reads yet, so the common cost is O(1) per event and O(1) amortized
// per window; an event that lands in the block being read costs one re-flip of that block.
import { assert } from '../../base/assert.ts'
import type { Aggregator } from './aggregators.ts'
import { PaneDeque } from './pane-deque.ts'
import { readPaneWindows } from './pane-windows-read.ts'
import type { PaneGrid } from './pane-grid.ts'
import type { PaneStore } from './pane-store.ts'

/** Associative window aggregates: pane partials with lazy per-block prefix and suffix aggregates. */
export class TwoStacksStore<I, A> extends PaneDeque<A> implements PaneStore<I, A> {
  readonly algorithm = 'two-stacks'
  readonly #aggregator: Aggregator<I, A, unknown>
  readonly #grid: PaneGrid
  /** Prefix aggregates are valid for every pane <= this. */
  #prefixValidThrough = -Infinity
  /** The one block whose suffix aggregates are kept (the front stack), and from which pane they are valid. */
  #suffixBlock = Number.NaN
  #suffixValidFrom = Infinity
  #evictedBefore = -Infinity

  constructor(aggregator: Aggregator<I, A, unknown>, grid: PaneGrid) {
    super({ stacks: true })
    assert(aggregator.merge !== undefined, 'two-stacks needs merge')
    this.#aggregator = aggregator
    this.#grid = grid
  }

  add(pane: number, input: I): void {
    assert(pane >= this.#evictedBefore, 'add to an evicted pane')
    const index = this.upsert(pane, this.#aggregator.init())
    this.setAccAt(index, this.#aggregator.add(this.accAt(index), input))
    if (pane <= this.#prefixValidThrough) this.#prefixValidThrough = pane - 1
    if (pane >= this.#suffixValidFrom && this.#grid.blockOf(pane) === this.#suffixBlock) this.#suffixValidFrom = pane + 1
  }

  hasEvents(start: number): boolean {
    const index = this.lowerBound(start)
    return index < this.end && this.positionAt(index) < start + this.#grid.windowPanes
  }

  windowAggregate(start: number): A {
    assert(start >= this.#evictedBefore, 'query of an evicted window')
    const grid = this.#grid
    const first = this.lowerBound(start)
    const last = this.lowerBound(start + grid.windowPanes) - 1
    if (first > last) return this.#aggregator.init()
    const firstBlock = grid.blockOf(this.positionAt(first))
    const lastBlock = grid.blockOf(this.positionAt(last))
    if (firstBlock !== lastBlock) return this.#aggregator.merge!(this.#suffixAt(first), this.#prefixAt(last))
    // All events in one block: if that block starts inside the window they are its head (a
    // prefix), otherwise the window runs past the block's end and they are its tail (a suffix).
    return grid.blockStart(firstBlock) >= start ? this.#prefixAt(last) : this.#suffixAt(first)
  }

  nextNonEmptyStart(from: number): number {
    const index = this.lowerBound(from)
    if (index === this.end) return Infinity
    return Math.max(from, this.#grid.firstStartContaining(this.positionAt(index)))
  }

  lastNonEmptyStart(): number {
    const last = this.lastPosition()
    return last === -Infinity ? -Infinity : this.#grid.lastStartContaining(last)
  }

  override evictBefore(start: number): void {
    if (start <= this.#evictedBefore) return
    // Prefixes of the panes that stay are still right for every window read later: a window
    // starting at or after `start` reads a prefix only of a block that starts inside it, so no
    // evicted pane is part of that block.
    super.evictBefore(start)
    this.#evictedBefore = start
  }

  isEmpty(): boolean {
    return this.size === 0
  }

  get evictedBefore(): number {
    return this.#evictedBefore
  }

  exportPanes(): unknown[] {
    return this.exportEntries()
  }

  importPanes(panes: readonly unknown[], evictedBefore: number): void {
    this.importEntries(panes)
    this.#evictedBefore = evictedBefore
  }

  /** Reads from the partials in local arrays: the cached prefix and suffix columns stay as they are. */
  readWindows(from: number, visit: (start: number, acc: A) => void): void {
    const positions: number[] = []
    const partials: A[] = []
    for (let i = this.lowerBound(from); i < this.end; i++) {
      positions.push(this.positionAt(i))
      partials.push(this.accAt(i))
    }
    const aggregator = this.#aggregator
    readPaneWindows(this.#grid, (older: A, newer: A) => aggregator.merge!(older, newer), positions, partials, from, visit)
  }

  /** The aggregate from the start of entry `index`'s block through it. */
  #prefixAt(index: number): A {
    // Entry i: slots[4i] position, [4i+1] partial, [4i+2] prefix, [4i+3] suffix.
    const slots = this.slots
    if ((slots[4 * index] as number) <= this.#prefixValidThrough) return slots[4 * index + 2] as A
    const grid = this.#grid
    let i = this.lowerBound(this.#prefixValidThrough + 1)
    for (; i <= index; i++) {
      const sameBlock = i > this.head && grid.blockOf(slots[4 * i - 4] as number) === grid.blockOf(slots[4 * i] as number)
      slots[4 * i + 2] = sameBlock ? this.#aggregator.merge!(slots[4 * i - 2] as A, slots[4 * i + 1] as A) : slots[4 * i + 1]
    }
    this.#prefixValidThrough = slots[4 * index] as number
    return slots[4 * index + 2] as A
  }

  /** The aggregate from entry `index` through the end of its block (the flip of the two stacks). */
  #suffixAt(index: number): A {
    const slots = this.slots
    const grid = this.#grid
    const block = grid.blockOf(slots[4 * index] as number)
    if (block !== this.#suffixBlock) {
      this.#suffixBlock = block
      this.#suffixValidFrom = Infinity
    }
    if ((slots[4 * index] as number) >= this.#suffixValidFrom) return slots[4 * index + 3] as A
    const blockLast = this.lowerBound(grid.blockStart(block + 1)) - 1
    let i = this.#suffixValidFrom === Infinity ? blockLast : this.lowerBound(this.#suffixValidFrom) - 1
    for (; i >= index; i--) {
      slots[4 * i + 3] = i === blockLast ? slots[4 * i + 1] : this.#aggregator.merge!(slots[4 * i + 1] as A, slots[4 * i + 7] as A)
    }
    this.#suffixValidFrom = slots[4 * index] as number
    return slots[4 * index + 3] as A
  }
}
