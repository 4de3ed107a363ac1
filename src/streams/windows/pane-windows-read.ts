// The read side of interactive queries (WindowOperator.openWindows) over pane partials: given a
// key's non-empty panes in ascending order, the aggregate of every non-empty window from a grid
// start on, computed without touching the store they came from. The stores' own query paths move
// cached state (subtract-on-evict's running window, two-stacks' lazy prefixes and suffixes), which
// a read must not do; this pass builds its own two-stacks columns in local arrays instead: panes
// are cut into blocks of n aligned to the grid, each pane gets a prefix (block start to pane) and
// a suffix (pane to block end), and any window is suffix ⊕ prefix, as in two-stacks.ts. Cost:
// O(panes + windows), merges only (invertible aggregates get no inverse rounding residue here).
// Used by pane-store.ts's stores and by lockstep-aggregation.ts.
import type { PaneGrid } from './pane-grid.ts'

/**
 * Calls `visit(start, acc)` for each window starting at a grid start >= `from` that holds one of
 * the panes, ascending; `positions` ascending, `partials[i]` the partial of pane `positions[i]`.
 * @example
 * const starts: number[] = []
 * readPaneWindows(new PaneGrid(3, 1), (a: number, b: number) => a + b, [4, 5], [1, 2], 3, (start, acc) => starts.push(start, acc))
 * // starts: [3, 3, 4, 3, 5, 2]  (windows at panes 3, 4, 5)
 */
export function readPaneWindows<A>(grid: PaneGrid, merge: (older: A, newer: A) => A, positions: readonly number[], partials: readonly A[], from: number, visit: (start: number, acc: A) => void): void {
  const count = positions.length
  if (count === 0) return
  const n = grid.windowPanes
  const prefix = new Array<A>(count)
  const suffix = new Array<A>(count)
  for (let i = 0; i < count; i++) {
    const sameBlock = i > 0 && grid.blockOf(positions[i - 1]!) === grid.blockOf(positions[i]!)
    prefix[i] = sameBlock ? merge(prefix[i - 1]!, partials[i]!) : partials[i]!
  }
  for (let i = count - 1; i >= 0; i--) {
    const sameBlock = i < count - 1 && grid.blockOf(positions[i + 1]!) === grid.blockOf(positions[i]!)
    suffix[i] = sameBlock ? merge(partials[i]!, suffix[i + 1]!) : partials[i]!
  }
  let first = 0 // first pane at or after the window's start
  let last = 0 // one past the last pane before the window's end
  let start = grid.alignUp(from)
  for (;;) {
    while (first < count && positions[first]! < start) first++
    if (first === count) return
    // Skip the empty windows up to the first one holding the pane `first`.
    start = Math.max(start, grid.firstStartContaining(positions[first]!))
    while (last < count && positions[last]! < start + n) last++
    const firstBlock = grid.blockOf(positions[first]!)
    const lastBlock = grid.blockOf(positions[last - 1]!)
    let acc: A
    if (firstBlock !== lastBlock) acc = merge(suffix[first]!, prefix[last - 1]!)
    else acc = grid.blockStart(firstBlock) >= start ? prefix[last - 1]! : suffix[first]!
    visit(start, acc)
    start += grid.slidePanes
  }
}
