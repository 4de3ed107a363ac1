// The fallback for aggregates with neither merge nor inverse ('none'): one accumulator per open
// window, and an event is added to every window that holds it (size/every of them for a sliding
// window). Also what tumbling windows use whatever the algebra, since there each event belongs to
// exactly one window and a pane is a window. Entries are the non-empty windows, by start pane.
import type { Aggregator } from './aggregators.ts'
import { PaneDeque } from './pane-deque.ts'
import type { PaneGrid } from './pane-grid.ts'
import type { PaneStore } from './pane-store.ts'

/** One accumulator per non-empty window. */
export class PerWindowStore<I, A> extends PaneDeque<A> implements PaneStore<I, A> {
  readonly algorithm = 'per-window'
  readonly #aggregator: Aggregator<I, A, unknown>
  readonly #grid: PaneGrid
  /** Windows starting before this were evicted (closed): they must not be created again. */
  #evictedBefore = -Infinity

  constructor(aggregator: Aggregator<I, A, unknown>, grid: PaneGrid) {
    super()
    this.#aggregator = aggregator
    this.#grid = grid
  }

  add(pane: number, input: I): void {
    const grid = this.#grid
    const aggregator = this.#aggregator
    const last = grid.lastStartContaining(pane)
    // Evicted windows are closed; eviction bounds are window starts, so the max is one too.
    let start = Math.max(grid.firstStartContaining(pane), this.#evictedBefore)
    for (; start <= last; start += grid.slidePanes) {
      const index = this.upsert(start, aggregator.init())
      this.setAccAt(index, aggregator.add(this.accAt(index), input))
    }
  }

  hasEvents(start: number): boolean {
    const index = this.lowerBound(start)
    return index < this.end && this.positionAt(index) === start
  }

  windowAggregate(start: number): A {
    const index = this.lowerBound(start)
    return index < this.end && this.positionAt(index) === start ? this.accAt(index) : this.#aggregator.init()
  }

  nextNonEmptyStart(from: number): number {
    const index = this.lowerBound(from)
    return index < this.end ? this.positionAt(index) : Infinity
  }

  lastNonEmptyStart(): number {
    return this.lastPosition()
  }

  override evictBefore(start: number): void {
    if (start <= this.#evictedBefore) return
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

  readWindows(from: number, visit: (start: number, acc: A) => void): void {
    // Entries are the non-empty windows themselves.
    for (let i = this.lowerBound(from); i < this.end; i++) visit(this.positionAt(i), this.accAt(i))
  }
}
