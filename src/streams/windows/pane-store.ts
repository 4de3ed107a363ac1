// The contract between the window engines (window-aggregation.ts, count-windows.ts) and the three
// ways of keeping one key's window aggregates, and the rule that picks one from the aggregator's
// algebra. Each store answers "the aggregate of the window starting at pane s" for any window not
// yet evicted; they differ in what an event and a query cost:
//   subtract-on-evict.ts  invertible  O(1) per event; a query moves one running accumulator
//   two-stacks.ts         associative O(1) per event; a query is O(1) amortized
//   per-window.ts         any         O(windows per event) per event; a query is a lookup
// One contract test (pane-store.test.ts) runs every store against the same brute-force answers.
// A store exports its partials as plain data and imports them into a fresh store (exportPanes), and
// reads its windows without moving its caches (readWindows, for interactive queries).
// ('final' emission of invertible aggregates uses no per-key store: lockstep-aggregation.ts.)
import { SluiceError } from '../../base/errors.ts'
import type { Aggregator, Algebra } from './aggregators.ts'
import type { PaneGrid } from './pane-grid.ts'
import { PerWindowStore } from './per-window.ts'
import { SubtractOnEvictStore } from './subtract-on-evict.ts'
import { TwoStacksStore } from './two-stacks.ts'

/** How a key's sliding aggregates are kept. */
export type WindowAlgorithm = 'subtract-on-evict' | 'two-stacks' | 'per-window'

/** One key's window aggregates on a pane grid. Window starts are grid starts (see pane-grid.ts). */
export interface PaneStore<I, A> {
  readonly algorithm: WindowAlgorithm
  /** Engine bookkeeping carried on the store (see pane-deque.ts): the key, a window cursor, a due time, the round it was last marked changed in. */
  key: unknown
  cursor: number
  due: number
  changeRound: number
  /** Adds one input to `pane`; the pane must not be before the last eviction bound. */
  add(pane: number, input: I): void
  /** Whether the window starting at `start` holds any event. */
  hasEvents(start: number): boolean
  /** The accumulator of the window starting at `start` (init() when it holds no event). */
  windowAggregate(start: number): A
  /** The first window start >= `from` (a grid start) whose window holds events; Infinity if none. */
  nextNonEmptyStart(from: number): number
  /** The last window start whose window holds events; -Infinity if none. */
  lastNonEmptyStart(): number
  /** Forgets what only windows starting before `start` (a grid start) need; they are never queried again. */
  evictBefore(start: number): void
  /** True when no event is held. */
  isEmpty(): boolean
  /** The eviction bound: windows starting before it were forgotten (-Infinity if none). */
  readonly evictedBefore: number
  /**
   * The store's content as a new array [position, partial, …], ascending: pane partials (window
   * accumulators for per-window). Cached aggregates (running window, prefixes, suffixes) are
   * not part of it; they are recomputed from the partials on demand.
   */
  exportPanes(): unknown[]
  /** Fills a fresh store with what exportPanes returned and the eviction bound it had. */
  importPanes(panes: readonly unknown[], evictedBefore: number): void
  /**
   * Calls `visit(start, acc)` for every non-empty window starting at or after `from` (a grid start,
   * not before the eviction bound), ascending, changing nothing in the store (interactive queries:
   * pane-windows-read.ts). O(panes from `from` + windows).
   */
  readWindows(from: number, visit: (start: number, acc: A) => void): void
}

/** The algorithm an algebra allows, cheapest first: what `windowAggregation` picks by default. */
export function defaultAlgorithm(aggregator: Aggregator<unknown, unknown, unknown>): WindowAlgorithm {
  return allowedAlgorithms(aggregator.algebra)[0]!
}

/**
 * The algorithms an algebra allows, cheapest first: invertible aggregates can use all three,
 * associative ones two-stacks or per-window, the rest only per-window.
 * @example allowedAlgorithms('associative') // ['two-stacks', 'per-window']
 */
export function allowedAlgorithms(algebra: Algebra): readonly WindowAlgorithm[] {
  return algebra === 'invertible' ? ['subtract-on-evict', 'two-stacks', 'per-window'] : algebra === 'associative' ? ['two-stacks', 'per-window'] : ['per-window']
}

/** Throws INVALID_ARGUMENT when `algorithm` needs more than the aggregator's algebra offers. */
export function checkAlgorithm(algorithm: WindowAlgorithm, aggregator: Aggregator<unknown, unknown, unknown>): void {
  const { algebra } = aggregator
  if (!allowedAlgorithms(algebra).includes(algorithm)) {
    throw new SluiceError('INVALID_ARGUMENT', `window algorithm '${algorithm}' needs an ${algorithm === 'subtract-on-evict' ? 'invertible' : 'associative'} aggregator; this one is '${algebra}'`)
  }
}

/** A fresh store for one key. */
export function createPaneStore<I, A>(algorithm: WindowAlgorithm, aggregator: Aggregator<I, A, unknown>, grid: PaneGrid): PaneStore<I, A> {
  switch (algorithm) {
    case 'subtract-on-evict':
      return new SubtractOnEvictStore(aggregator, grid)
    case 'two-stacks':
      return new TwoStacksStore(aggregator, grid)
    case 'per-window':
      return new PerWindowStore(aggregator, grid)
  }
}
