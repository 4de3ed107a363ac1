// When each key next needs the watermark: items bucketed by due time, with a binary heap of the
// distinct times. Tumbling and sliding windows are epoch-aligned, so every key's windows end on
// the same few instants and a watermark advance drains whole buckets: scheduling is a Map lookup
// and a push, not a heap operation per key. Sessions end anywhere and get one bucket per instant.
// Rescheduling never removes the old entry; the owner keeps its current due time and ignores
// entries that no longer match it (lazy deletion), which costs one stale entry per change.

/** Items due at given times, drained in time order. */
export class DueQueue<T> {
  readonly #buckets = new Map<number, T[]>()
  /** Min-heap of the times that have a bucket. */
  readonly #times: number[] = []

  /** Number of distinct due times pending. */
  get times(): number {
    return this.#times.length
  }

  /** Adds `item` at `time` (a finite number). */
  schedule(time: number, item: T): void {
    const bucket = this.#buckets.get(time)
    if (bucket !== undefined) {
      bucket.push(item)
      return
    }
    this.#buckets.set(time, [item])
    this.#pushTime(time)
  }

  /** The earliest due time pending (Infinity when none). */
  nextTime(): number {
    return this.#times.length > 0 ? this.#times[0]! : Infinity
  }

  /** Calls `fn(item, dueTime)` for every item due at or before `time`, earliest first (including items scheduled by `fn` within that range). */
  drain(time: number, fn: (item: T, dueTime: number) => void): void {
    const times = this.#times
    while (times.length > 0 && times[0]! <= time) {
      const due = this.#popTime()
      const bucket = this.#buckets.get(due)!
      this.#buckets.delete(due)
      for (let i = 0; i < bucket.length; i++) fn(bucket[i]!, due)
    }
  }

  #pushTime(time: number): void {
    const heap = this.#times
    let i = heap.push(time) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]! <= time) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = time
  }

  #popTime(): number {
    const heap = this.#times
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        if (left >= heap.length) break
        const right = left + 1
        const child = right < heap.length && heap[right]! < heap[left]! ? right : left
        if (heap[child]! >= last) break
        heap[i] = heap[child]!
        i = child
      }
      heap[i] = last
    }
    return top
  }
}
