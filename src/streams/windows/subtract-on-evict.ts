// Subtract-on-evict for invertible aggregates (Spark's reduceByKeyAndWindow with an inverse
// function): one running accumulator over the window last asked for, plus one partial per
// non-empty pane. An event adds to its pane, and to the running accumulator when its pane is in
// that window. Moving the window by one slide merges the panes that enter and subtracts those
// that leave, so a 10-minute window advancing every second costs per event O(1) and per emitted
// window O(panes per slide), never one update per overlapping window. Windows behind the running
// one (re-emitted in 'update' mode after an out-of-order event) are reached the same way backwards.
// Used for 'update' emission and count windows; 'final' time windows have a layout where all keys
// move together, lockstep-aggregation.ts.
//
// The cache, which decides the constant: a key's 600 panes are a 10 KB array, and with 10,000
// keys an event that touched the array's tail would miss cache and TLB nearly every time. So the
// newest INLINE panes live in fields of this object (the "tail"), where an event finds them next to
// the running accumulator; the array only sees a pane when a newer one pushes it out of the tail,
// about once per pane instead of once per event. Entry i < end is array entry i; entry end + j is
// tail pane j. Tail panes are always newer than every array pane, so the entries stay sorted and
// a tail pane moving into the array keeps its index.
import { assert } from '../../base/assert.ts'
import type { Aggregator } from './aggregators.ts'
import { PaneDeque } from './pane-deque.ts'
import { readPaneWindows } from './pane-windows-read.ts'
import type { PaneGrid } from './pane-grid.ts'
import type { PaneStore } from './pane-store.ts'

/** Panes kept in fields: enough for events up to a few panes out of order. */
const INLINE = 4

/** Invertible window aggregates: pane partials and one running accumulator. */
export class SubtractOnEvictStore<I, A> extends PaneDeque<A> implements PaneStore<I, A> {
  readonly algorithm = 'subtract-on-evict'
  readonly #aggregator: Aggregator<I, A, unknown>
  readonly #grid: PaneGrid
  /** Start pane of the window the running accumulator covers; NaN when it covers none. */
  #runStart = Number.NaN
  #runAcc: A
  /**
   * Entry indices [#lo, #hi) of the running window (tail included), valid while the deque's
   * generation is #generation. Entries exist only for panes with events, so the window holds
   * events iff hi > lo.
   */
  #lo = 0
  #hi = 0
  #generation = -1
  #evictedBefore = -Infinity
  // The tail: #tailCount panes, ascending, all newer than the array's last pane.
  #tailCount = 0
  #p0 = 0
  #p1 = 0
  #p2 = 0
  #p3 = 0
  #a0: A
  #a1: A
  #a2: A
  #a3: A

  constructor(aggregator: Aggregator<I, A, unknown>, grid: PaneGrid) {
    super() // stride 2: position, partial
    assert(aggregator.merge !== undefined && aggregator.subtract !== undefined, 'subtract-on-evict needs merge and subtract')
    this.#aggregator = aggregator
    this.#grid = grid
    this.#runAcc = aggregator.init()
    this.#a0 = this.#a1 = this.#a2 = this.#a3 = this.#runAcc
  }

  add(pane: number, input: I): void {
    assert(pane >= this.#evictedBefore, 'add to an evicted pane')
    const aggregator = this.#aggregator
    // `pane - runStart` is NaN (false) when no window is positioned.
    const offset = pane - this.#runStart
    const n = this.#grid.windowPanes
    if (offset >= 0 && offset < n) this.#runAcc = aggregator.add(this.#runAcc, input)
    // The hot path: the pane is in the tail, or newer than everything (a new tail pane).
    const count = this.#tailCount
    if (count > 0 ? pane >= this.#p0 : this.end === this.head || pane > this.lastPosition()) {
      for (let j = 0; j < count; j++) {
        if (this.#tailPosition(j) === pane) {
          this.#setTailAcc(j, aggregator.add(this.#tailAcc(j), input))
          return
        }
      }
      this.#insertTail(pane, aggregator.add(aggregator.init(), input), offset)
      return
    }
    const end = this.end
    const generation = this.generation
    const index = this.upsert(pane, aggregator.init())
    const slots = this.slots
    slots[2 * index + 1] = aggregator.add(slots[2 * index + 1] as A, input)
    // A new array entry (inserted out of order) shifts the cached window bounds after it: before
    // the window it moves both, inside it moves the end. Adjusting beats re-finding them.
    if (this.end !== end && this.#generation === generation) {
      this.#shiftBounds(offset)
      this.#generation = this.generation
    }
  }

  hasEvents(start: number): boolean {
    this.#moveTo(start)
    return this.#hi > this.#lo
  }

  windowAggregate(start: number): A {
    this.#moveTo(start)
    return this.#runAcc
  }

  nextNonEmptyStart(from: number): number {
    // The common question, right after the running window moved there: answer without a search.
    if (from === this.#runStart && this.#generation === this.generation && this.#hi > this.#lo) return from
    const index = this.#lowerBound(from)
    if (index === this.end + this.#tailCount) return Infinity
    return Math.max(from, this.#grid.firstStartContaining(this.#position(index)))
  }

  lastNonEmptyStart(): number {
    const count = this.#tailCount
    const last = count > 0 ? this.#tailPosition(count - 1) : this.lastPosition()
    return last === -Infinity ? -Infinity : this.#grid.lastStartContaining(last)
  }

  override evictBefore(start: number): void {
    if (start <= this.#evictedBefore) return
    // The running window must not keep partials that are about to be forgotten: move it to the
    // first window still wanted (usually the next one emitted, so the work is not wasted).
    if (this.#runStart < start) this.#moveTo(start)
    // Tail panes are the newest; only a jump past all of them (the array then empties) drops any.
    const count = this.#tailCount
    let dropped = 0
    while (dropped < count && this.#tailPosition(dropped) < start) dropped++
    if (dropped > 0) {
      for (let j = dropped; j < count; j++) this.#setTail(j - dropped, this.#tailPosition(j), this.#tailAcc(j))
      this.#tailCount = count - dropped
      this.generation++
    }
    super.evictBefore(start)
    this.#evictedBefore = start
  }

  isEmpty(): boolean {
    return this.size === 0 && this.#tailCount === 0
  }

  get evictedBefore(): number {
    return this.#evictedBefore
  }

  exportPanes(): unknown[] {
    const out = this.exportEntries()
    for (let j = 0; j < this.#tailCount; j++) out.push(this.#tailPosition(j), this.#tailAcc(j))
    return out
  }

  /** Imports every pane into the array (the tail fills again with the next new panes); no window is positioned. */
  importPanes(panes: readonly unknown[], evictedBefore: number): void {
    assert(this.#tailCount === 0 && Number.isNaN(this.#runStart), 'panes are imported into a fresh store')
    this.importEntries(panes)
    this.#evictedBefore = evictedBefore
  }

  /** Reads from the partials in local arrays: the running window stays where it is. */
  readWindows(from: number, visit: (start: number, acc: A) => void): void {
    const positions: number[] = []
    const partials: A[] = []
    for (let i = this.#lowerBound(from), total = this.end + this.#tailCount; i < total; i++) {
      positions.push(this.#position(i))
      partials.push(this.#acc(i))
    }
    const aggregator = this.#aggregator
    readPaneWindows(this.#grid, (older: A, newer: A) => aggregator.merge!(older, newer), positions, partials, from, visit)
  }

  /** Position of entry `i` (array or tail). */
  #position(i: number): number {
    const end = this.end
    return i < end ? (this.slots[2 * i] as number) : this.#tailPosition(i - end)
  }

  /** Partial of entry `i` (array or tail). */
  #acc(i: number): A {
    const end = this.end
    return i < end ? (this.slots[2 * i + 1] as A) : this.#tailAcc(i - end)
  }

  /** First entry (array or tail) with position >= `position`. */
  #lowerBound(position: number): number {
    const index = this.lowerBound(position)
    if (index < this.end) return index
    let j = 0
    while (j < this.#tailCount && this.#tailPosition(j) < position) j++
    return this.end + j
  }

  #tailPosition(j: number): number {
    return j === 0 ? this.#p0 : j === 1 ? this.#p1 : j === 2 ? this.#p2 : this.#p3
  }

  #tailAcc(j: number): A {
    return j === 0 ? this.#a0 : j === 1 ? this.#a1 : j === 2 ? this.#a2 : this.#a3
  }

  #setTailAcc(j: number, acc: A): void {
    if (j === 0) this.#a0 = acc
    else if (j === 1) this.#a1 = acc
    else if (j === 2) this.#a2 = acc
    else this.#a3 = acc
  }

  #setTail(j: number, position: number, acc: A): void {
    if (j === 0) {
      this.#p0 = position
      this.#a0 = acc
    } else if (j === 1) {
      this.#p1 = position
      this.#a1 = acc
    } else if (j === 2) {
      this.#p2 = position
      this.#a2 = acc
    } else {
      this.#p3 = position
      this.#a3 = acc
    }
  }

  /** Adds a new tail pane (newer than the array's last), moving the oldest tail pane to the array if full. */
  #insertTail(pane: number, acc: A, offset: number): void {
    let count = this.#tailCount
    if (count === INLINE) {
      // The oldest tail pane joins the array at index end: its entry index does not change.
      const index = this.upsert(this.#p0, this.#a0)
      assert(index === this.end - 1, 'a tail pane is newer than the array')
      for (let j = 1; j < count; j++) this.#setTail(j - 1, this.#tailPosition(j), this.#tailAcc(j))
      count--
    }
    let j = count
    while (j > 0 && this.#tailPosition(j - 1) > pane) {
      this.#setTail(j, this.#tailPosition(j - 1), this.#tailAcc(j - 1))
      j--
    }
    this.#setTail(j, pane, acc)
    this.#tailCount = count + 1
    // Entries after the new one moved up by one index.
    if (this.#generation === this.generation) this.#shiftBounds(offset)
  }

  /** Adjusts the cached window bounds for a new entry at window offset `offset` (NaN: none positioned). */
  #shiftBounds(offset: number): void {
    if (offset < 0) this.#lo++
    if (offset < this.#grid.windowPanes) this.#hi++
  }

  /**
   * Points the running accumulator at the window starting at `start`. The entries of the current
   * window are [#lo, #hi); moving by less than a window walks those bounds (no search), as long as
   * no entry moved to another index since they were found (the deque's generation).
   */
  #moveTo(start: number): void {
    const from = this.#runStart
    const n = this.#grid.windowPanes
    if (this.#generation !== this.generation && !Number.isNaN(from)) {
      this.#lo = this.#lowerBound(from)
      this.#hi = this.#lowerBound(from + n)
      this.#generation = this.generation
    }
    if (from === start) return
    assert(start >= this.#evictedBefore, 'query of an evicted window')
    if (!(Math.abs(start - from) < n)) {
      // Disjoint (or no window yet): fold the new window from its panes.
      this.#runAcc = this.#aggregator.init()
      this.#lo = this.#lowerBound(start)
      this.#hi = this.#lo
      this.#generation = this.generation
      this.#extendForward(start + n)
    } else {
      // A window emptied by the subtractions restarts from init() before the merges: an inverse
      // need not bring a value back to an identity (reduce has none).
      if (start > from) {
        this.#shrinkFront(start)
        if (this.#hi === this.#lo) this.#runAcc = this.#aggregator.init()
        this.#extendForward(start + n)
      } else {
        this.#shrinkBack(start + n)
        if (this.#hi === this.#lo) this.#runAcc = this.#aggregator.init()
        this.#extendBack(start)
      }
    }
    this.#runStart = start
    // An empty window restarts from init(), so inverse rounding residue (float sums) never
    // outlives the events that caused it.
    if (this.#hi === this.#lo) this.#runAcc = this.#aggregator.init()
  }

  /** Merges the entries from #hi on with positions below `bound` (newer panes enter). */
  #extendForward(bound: number): void {
    const aggregator = this.#aggregator
    const total = this.end + this.#tailCount
    let i = this.#hi
    for (; i < total && this.#position(i) < bound; i++) this.#runAcc = aggregator.merge!(this.#runAcc, this.#acc(i))
    this.#hi = i
  }

  /** Subtracts the entries from #lo on with positions below `bound` (older panes leave). */
  #shrinkFront(bound: number): void {
    const aggregator = this.#aggregator
    const hi = this.#hi
    let i = this.#lo
    for (; i < hi && this.#position(i) < bound; i++) this.#runAcc = aggregator.subtract!(this.#runAcc, this.#acc(i))
    this.#lo = i
  }

  /** Subtracts the entries before #hi with positions at or above `bound` (newer panes leave). */
  #shrinkBack(bound: number): void {
    const aggregator = this.#aggregator
    const lo = this.#lo
    let i = this.#hi - 1
    for (; i >= lo && this.#position(i) >= bound; i--) this.#runAcc = aggregator.subtract!(this.#runAcc, this.#acc(i))
    this.#hi = i + 1
  }

  /** Merges, as older, the entries before #lo with positions at or above `bound` (older panes enter). */
  #extendBack(bound: number): void {
    const aggregator = this.#aggregator
    const head = this.head
    let i = this.#lo - 1
    for (; i >= head && this.#position(i) >= bound; i--) this.#runAcc = aggregator.merge!(this.#acc(i), this.#runAcc)
    this.#lo = i + 1
  }
}
