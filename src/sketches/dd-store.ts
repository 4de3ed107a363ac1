// The bucket store of DDSketch (ddsketch.ts): counts by integer bucket index in one dense array
// covering [min, max] of the indexes in use, bounded to `maxBuckets` by collapsing the lowest
// indexes into the lowest kept one. Which indexes are kept depends only on the largest index ever
// added, never on the order of adds, so merging two stores equals storing the union, collapsed
// or not. DDSketch keys its negative store by -index so that collapsing "lowest" there gives up
// the most negative values: both ends of a collapse lose accuracy at the low end of the data.
import { assert } from '../base/assert.ts'

/** A dense, bounded, mergeable map from bucket index to count. */
export class DenseStore {
  readonly maxBuckets: number
  #counts = new Float64Array(0)
  #offset = 0 // bucket index held at #counts[0]
  #min = 0
  #max = -1 // empty while #max < #min
  #total = 0
  #isCollapsed = false

  constructor(maxBuckets: number) {
    assert(Number.isInteger(maxBuckets) && maxBuckets >= 1, 'maxBuckets must be a positive integer')
    this.maxBuckets = maxBuckets
  }

  /** Total count held. */
  get total(): number {
    return this.#total
  }

  /** Whether some indexes were folded into the lowest kept bucket. */
  get isCollapsed(): boolean {
    return this.#isCollapsed
  }

  /** Records that this store's counts were collapsed before (restoring a serialized store). */
  markCollapsed(): void {
    this.#isCollapsed = true
  }

  /** Adds `count` to bucket `index` (or to the lowest kept bucket if `index` is below it). */
  add(index: number, count: number): void {
    if (count === 0) return
    if (this.#max < this.#min) {
      this.#resize(index, index)
    } else if (index < this.#min || index > this.#max) {
      this.#resize(Math.min(index, this.#min), Math.max(index, this.#max))
    }
    const at = Math.max(index, this.#min) - this.#offset
    this.#counts[at]! += count
    this.#total += count
  }

  #resize(low: number, high: number): void {
    if (high - low + 1 > this.maxBuckets) {
      const keptLow = high - this.maxBuckets + 1
      // Fold everything below keptLow into keptLow.
      let folded = 0
      for (let i = this.#min; i <= Math.min(this.#max, keptLow - 1); i++) folded += this.#counts[i - this.#offset]!
      if (folded > 0 || low < keptLow) this.#isCollapsed = true
      this.#place(keptLow, high)
      this.#counts[keptLow - this.#offset]! += folded
      this.#min = keptLow
      this.#max = high
      return
    }
    this.#place(low, high)
    this.#min = low
    this.#max = high
  }

  /** Makes the array cover [low, high], moving kept counts (those in both ranges) into place. */
  #place(low: number, high: number): void {
    const needed = high - low + 1
    if (low >= this.#offset && high < this.#offset + this.#counts.length) {
      // Already covered: clear any slots now outside [low, high] that held folded counts.
      for (let i = this.#min; i < low && i <= this.#max; i++) this.#counts[i - this.#offset] = 0
      return
    }
    // Leave headroom (up to maxBuckets), centred, so a drifting range does not reallocate on
    // every add.
    const length = Math.min(this.maxBuckets, Math.max(Math.ceil(needed * 1.5), 64))
    const offset = low - Math.floor((length - needed) / 2)
    const counts = new Float64Array(length)
    for (let i = Math.max(this.#min, low); i <= Math.min(this.#max, high); i++) counts[i - offset] = this.#counts[i - this.#offset]!
    this.#counts = counts
    this.#offset = offset
  }

  /** Calls `visit` for each non-empty bucket in ascending index order. */
  forEach(visit: (index: number, count: number) => void): void {
    for (let i = this.#min; i <= this.#max; i++) {
      const count = this.#counts[i - this.#offset]!
      if (count !== 0) visit(i, count)
    }
  }

  /** Calls `visit` for each non-empty bucket in descending index order. */
  forEachDescending(visit: (index: number, count: number) => void): void {
    for (let i = this.#max; i >= this.#min; i--) {
      const count = this.#counts[i - this.#offset]!
      if (count !== 0) visit(i, count)
    }
  }

  /** Adds every bucket of `other` into this store. */
  merge(other: DenseStore): void {
    other.forEach((index, count) => this.add(index, count))
    if (other.#isCollapsed) this.#isCollapsed = true
  }

  /** Non-empty buckets. */
  bucketCount(): number {
    let n = 0
    this.forEach(() => n++)
    return n
  }
}
