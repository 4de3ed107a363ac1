// Event time of a task: one watermark per input partition, merged. A partition's watermark trails
// the largest event time it has delivered by the source's bounded out-of-orderness, minus 1 ms
// (Flink's BoundedOutOfOrderness: a watermark W means no more events at or before W). A repartition
// topic's partition mixes records of every upstream task, so its watermark is the smallest of the
// watermarks the upstream tasks stamped on what they wrote (header `sluice.wm` with the writer's
// watermark, `sluice.src` with its task id, on every record); each also sends a marker record (no
// key, no value, the same headers) to every partition when its watermark moves and as a heartbeat,
// as Flink broadcasts watermarks across a shuffle, so partitions it has no records for learn it too. Every expected writer counts: one that has not
// stamped yet holds the partition back until it has been silent for the idle timeout, so a shuffle
// never makes a slower upstream task's in-order records late. The task's watermark is the minimum
// over its active input partitions: one that has delivered nothing, or nothing for `idleTimeoutMs`
// of wall-clock time, does not hold it back (Flink's withIdleness). It never moves backwards.

/** Header carrying the writer's watermark on repartition records (8 bytes, big-endian double). */
export const WATERMARK_HEADER = 'sluice.wm'
/** Header naming the writing task on repartition records. */
export const WRITER_HEADER = 'sluice.src'

interface WriterMark {
  /** -Infinity until the writer stamps. */
  watermark: number
  seenAtMs: number
}

interface InputPartition {
  /** Largest event time delivered (sources without writer stamps). */
  maxTimestamp: number
  maxOutOfOrderMs: number
  /** Per upstream writer: its latest stamped watermark (repartition sources). */
  writers: Map<string, WriterMark> | undefined
  lastSeenMs: number
}

/** The watermarks of one task's input partitions and their merge. */
export class TaskWatermarks {
  readonly #inputs = new Map<string, InputPartition>()
  readonly #idleTimeoutMs: number
  /** Per repartition topic: the upstream task ids that write it. */
  readonly #expectedWriters = new Map<string, readonly string[]>()
  #merged = -Infinity

  constructor(idleTimeoutMs: number) {
    this.#idleTimeoutMs = idleTimeoutMs
  }

  /** Declares the upstream writers of a repartition topic (their task ids). */
  expectWriters(topic: string, writers: readonly string[]): void {
    this.#expectedWriters.set(topic, writers)
  }

  /** The merged watermark (-Infinity before any input). */
  get watermark(): number {
    return this.#merged
  }

  /**
   * Records an event of `input` at `timestamp`, seen at wall-clock `nowMs`; `writer`/`stamped`
   * come from the record's headers on repartition topics.
   */
  observe(input: string, timestamp: number, maxOutOfOrderMs: number, nowMs: number, writer?: string, stamped?: number): void {
    let state = this.#inputs.get(input)
    if (state === undefined) {
      state = { maxTimestamp: -Infinity, maxOutOfOrderMs, writers: undefined, lastSeenMs: nowMs }
      const expected = this.#expectedWriters.get(input.slice(0, input.lastIndexOf('-')))
      if (expected !== undefined) {
        // Writers not heard from yet hold the partition back from now until they go idle.
        state.writers = new Map(expected.map((w) => [w, { watermark: -Infinity, seenAtMs: nowMs }]))
      }
      this.#inputs.set(input, state)
    }
    state.lastSeenMs = nowMs
    if (writer !== undefined && stamped !== undefined) {
      state.writers ??= new Map()
      const mark = state.writers.get(writer)
      if (mark === undefined) state.writers.set(writer, { watermark: stamped, seenAtMs: nowMs })
      else {
        if (stamped > mark.watermark) mark.watermark = stamped
        mark.seenAtMs = nowMs
      }
    } else if (timestamp > state.maxTimestamp) {
      state.maxTimestamp = timestamp
    }
  }

  /** Recomputes the merged watermark at wall-clock `nowMs`; returns it. */
  update(nowMs: number): number {
    let merged = Infinity
    let isAnyActive = false
    for (const state of this.#inputs.values()) {
      if (nowMs - state.lastSeenMs >= this.#idleTimeoutMs) continue
      const w = this.#partitionWatermark(state, nowMs)
      if (w === undefined) continue
      isAnyActive = true
      if (w < merged) merged = w
    }
    if (isAnyActive && merged > this.#merged) this.#merged = merged
    return this.#merged
  }

  #partitionWatermark(state: InputPartition, nowMs: number): number | undefined {
    // Flink's convention: watermark W says no more events at or before W, so the newest event (at
    // maxTimestamp) is not behind its own watermark, whatever the window kind's lateness rule.
    if (state.writers === undefined) return state.maxTimestamp === -Infinity ? undefined : state.maxTimestamp - state.maxOutOfOrderMs - 1
    let min = Infinity
    for (const mark of state.writers.values()) {
      if (nowMs - mark.seenAtMs >= this.#idleTimeoutMs) continue
      if (mark.watermark < min) min = mark.watermark
    }
    // -Infinity (an active writer without a stamp yet) holds the merged watermark where it is.
    return min === Infinity ? undefined : min
  }

  /** Moves the merged watermark to at least `watermark` (test driver, end of a bounded input). */
  force(watermark: number): void {
    if (watermark > this.#merged) this.#merged = watermark
  }
}
