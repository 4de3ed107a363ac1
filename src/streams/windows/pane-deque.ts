// A key's non-empty panes (or, for the per-window store, its non-empty windows), in ascending
// order, consumed from the front by eviction and grown at the back by new events. Only panes that
// hold events exist, so a quiet key costs a few entries however long its windows are, an event far
// in the future is one entry (not a gap to fill), and a window holds events exactly when some entry
// falls in it (no event counts are kept). In-order events touch the last entry or append (O(1));
// an out-of-order event binary-searches and, for a new pane, inserts in the middle (rare).
// The stores (subtract-on-evict.ts, two-stacks.ts, per-window.ts) extend this class, so a key's
// window state is one object and one array.
//
// Layout, chosen for the cache: entry i occupies `stride` consecutive slots of one array,
//   slots[i·stride + 0]  position (pane or window start; small integers, see time-windows.ts)
//   slots[i·stride + 1]  partial aggregate
//   slots[i·stride + 2]  prefix aggregate  (two-stacks only)
//   slots[i·stride + 3]  suffix aggregate  (two-stacks only)
// so an event or an eviction touches one cache line, not one per column. With number accumulators
// the array holds only numbers and V8 stores them unboxed.
// The live entries are [head, end) of an array that only ever grows: eviction bumps `head`, and the
// dead front is copied over in place once it is half the live span, so a key in steady state (one
// pane in, one out per slide) allocates nothing. (Array.splice would allocate the removed
// elements, and shortening `length` lets V8 trim the backing store, to be regrown on the next push.)
import { assert } from '../../base/assert.ts'
import { SluiceError } from '../../base/errors.ts'

/** Entries of (position, accumulator[, prefix, suffix]) in ascending position, live in [head, end). */
export class PaneDeque<A> {
  /** The interleaved entries; see the layout above. Typed loosely: positions are numbers, the rest A. */
  readonly slots: unknown[] = []
  /** Slots per entry: 2, or 4 with the two-stacks columns. */
  readonly stride: number
  /** Index of the first live entry. */
  head = 0
  /** One past the last live entry. */
  end = 0
  /**
   * Bumped whenever entries move to other indices (an insertion in the middle, a compaction, a
   * reset), so a store may cache indices between calls and re-find them only when this changed.
   */
  generation = 0
  // Bookkeeping of the engine that owns the store (time-window-aggregation.ts, count-aggregation.ts),
  // kept on the same object so that a key's state is one object: one cache miss fewer per event.
  /** The key whose windows these are. */
  key: unknown = undefined
  /** The engine's emission cursor: the first window start not yet emitted. */
  cursor = 0
  /** When the engine's DueQueue wakes this key next (Infinity: not scheduled; NaN: dropped). */
  due = Infinity
  /** The ChangedKeys round the engine last marked this key changed in (window-operator.ts). */
  changeRound = -1

  constructor(options: { stacks?: boolean } = {}) {
    this.stride = options.stacks === true ? 4 : 2
  }

  /** Number of live entries. */
  get size(): number {
    return this.end - this.head
  }

  /** Position of entry `i`. */
  positionAt(i: number): number {
    return this.slots[i * this.stride] as number
  }

  /** Partial aggregate of entry `i`. */
  accAt(i: number): A {
    return this.slots[i * this.stride + 1] as A
  }

  /** Sets the partial aggregate of entry `i`. */
  setAccAt(i: number, acc: A): void {
    this.slots[i * this.stride + 1] = acc
  }

  /** Position of the last live entry, or -Infinity when empty. */
  lastPosition(): number {
    return this.end > this.head ? this.positionAt(this.end - 1) : -Infinity
  }

  /** Index of the first live entry with position >= `position` (end when none). */
  lowerBound(position: number): number {
    const slots = this.slots
    const stride = this.stride
    let lo = this.head
    let hi = this.end
    // Fast paths: most lookups are at the back (new events) or the front (the oldest window).
    if (hi === lo || (slots[(hi - 1) * stride] as number) < position) return hi
    if ((slots[lo * stride] as number) >= position) return lo
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((slots[mid * stride] as number) < position) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Index of the entry at `position`, creating it with `acc` if missing. */
  upsert(position: number, acc: A): number {
    const end = this.end
    // The hot path: the event belongs to the newest entry, or starts a newer one.
    if (end > this.head) {
      const lastPosition = this.slots[(end - 1) * this.stride] as number
      if (lastPosition === position) return end - 1
      if (lastPosition < position) return this.#append(position, acc)
    } else {
      return this.#append(position, acc)
    }
    // Out of order: the pane is usually one of the last few, so walk back over them (same cache
    // lines) before falling back to a binary search over the whole key.
    const { slots, stride } = this
    const stop = Math.max(this.head, end - 8)
    let index = end - 1
    while (index > stop && (slots[(index - 1) * stride] as number) >= position) index--
    if (index === stop && index > this.head) index = this.lowerBound(position)
    if (this.positionAt(index) === position) return index
    this.generation++
    // Shift [index, end) up by one entry (growing the array if it is full), then fill the hole.
    if (slots.length < (end + 1) * stride) for (let k = 0; k < stride; k++) slots.push(acc)
    for (let k = (end + 1) * stride - 1; k >= (index + 1) * stride; k--) slots[k] = slots[k - stride]
    this.#write(index, position, acc)
    this.end = end + 1
    return index
  }

  /** The live entries as a new array [position, partial, position, partial, …], ascending (exportKey). */
  exportEntries(): unknown[] {
    const { slots, stride } = this
    const out: unknown[] = []
    for (let i = this.head; i < this.end; i++) out.push(slots[i * stride], slots[i * stride + 1])
    return out
  }

  /** Fills an empty deque with entries as exportEntries returns them (importKey); INVALID_ARGUMENT if they are not. */
  importEntries(entries: readonly unknown[]): void {
    assert(this.end === this.head, 'entries are imported into an empty store')
    let previous = -Infinity
    for (let i = 0; i < entries.length; i += 2) {
      const position = entries[i]
      if (typeof position !== 'number' || !(position > previous) || i + 1 >= entries.length) {
        throw new SluiceError('INVALID_ARGUMENT', `importKey: pane entries must be [position, partial, …] with ascending positions, got position ${String(position)} at ${i}`)
      }
      this.#append(position, entries[i + 1] as A)
      previous = position
    }
    this.generation++
  }

  /** Writes a new last entry, reusing a dead slot when the array has one. */
  #append(position: number, acc: A): number {
    const index = this.end
    const slots = this.slots
    if (slots.length >= (index + 1) * this.stride) {
      this.#write(index, position, acc)
    } else {
      slots.push(position, acc)
      if (this.stride === 4) slots.push(acc, acc)
    }
    this.end = index + 1
    return index
  }

  #write(index: number, position: number, acc: A): void {
    const base = index * this.stride
    this.slots[base] = position
    this.slots[base + 1] = acc
  }

  /** Drops the entries before `position`. */
  evictBefore(position: number): void {
    const slots = this.slots
    const stride = this.stride
    const end = this.end
    let head = this.head
    while (head < end && (slots[head * stride] as number) < position) head++
    if (head === this.head) return
    if (head === end) {
      this.head = 0
      this.end = 0
      this.generation++
      return
    }
    this.head = head
    // Compact once the dead front is as long as the live entries: each entry is copied O(1) times
    // amortized, and until then eviction is a pointer bump.
    if (head >= 16 && head >= end - head) {
      for (let from = head * stride, to = 0; from < end * stride; from++, to++) slots[to] = slots[from]
      this.head = 0
      this.end = end - head
      this.generation++
    }
  }
}
