// dedupe(): forwards a record only if its key was not seen before, with Bloom filters so memory
// stays bounded however many keys pass (sketches/). Within a time span W, filters are kept per
// event-time segment of W: a key is a duplicate if the filter of its segment or of the one before
// has it, so anything seen in the last W (and at most 2W) is caught; segments older than that are
// dropped as the watermark passes them. Forever, one scalable filter grows with the stream. A
// false positive drops a new key (probability about the filter's rate); a duplicate is never let
// through twice. Filters are logged whole at each commit (key: the segment start, 8 bytes).
import { BloomFilter, ScalableBloomFilter, type SketchKey } from '../../../sketches/index.ts'
import type { ChangelogRecord, ChangelogSink } from '../../state/index.ts'
import type { DedupeNode, StoreSpec } from '../../topology/index.ts'
import type { LoggedState } from '../logged-state.ts'
import type { Processor } from '../processor.ts'
import type { Downstream } from './forward.ts'

/** Counters of dedupe. */
export interface DuplicateCounter {
  droppedRecords: number
  duplicateRecords: number
}

const FOREVER = -1

/** The dedupe node's processor and its logged filters. */
export class DedupeProcessor implements Processor, LoggedState {
  readonly spec: StoreSpec
  readonly isLogged = true
  readonly #node: DedupeNode
  readonly #next: Downstream
  readonly #sink: ChangelogSink
  readonly #counters: DuplicateCounter
  readonly #segments = new Map<number, BloomFilter | ScalableBloomFilter>()
  readonly #changed = new Set<number>()
  #watermark = -Infinity

  constructor(node: DedupeNode, spec: StoreSpec, next: Downstream, sink: ChangelogSink, counters: DuplicateCounter) {
    this.spec = spec
    this.#node = node
    this.#next = next
    this.#sink = sink
    this.#counters = counters
  }

  #id(key: unknown): SketchKey {
    const t = typeof key
    return t === 'string' || t === 'number' || t === 'boolean' || key instanceof Uint8Array ? key as SketchKey : this.spec.keySerde.serialize(key)
  }

  #filter(segment: number): BloomFilter | ScalableBloomFilter {
    let filter = this.#segments.get(segment)
    if (filter === undefined) {
      const { expectedItems, falsePositiveRate } = this.#node
      filter = segment === FOREVER ? new ScalableBloomFilter({ initialCapacity: expectedItems, falsePositiveRate }) : BloomFilter.forCapacity(expectedItems, falsePositiveRate)
      this.#segments.set(segment, filter)
    }
    return filter
  }

  process(key: unknown, value: unknown, timestamp: number): void {
    if (key === null || key === undefined) {
      this.#counters.droppedRecords++
      return
    }
    const id = this.#id(key)
    const withinMs = this.#node.withinMs
    if (withinMs === undefined) {
      if (!this.#filter(FOREVER).add(id)) {
        this.#counters.duplicateRecords++
        return
      }
      this.#changed.add(FOREVER)
    } else {
      const segment = Math.floor(timestamp / withinMs) * withinMs
      const previous = this.#segments.get(segment - withinMs)
      if (previous?.has(id) === true || this.#segments.get(segment + withinMs)?.has(id) === true || !this.#filter(segment).add(id)) {
        this.#counters.duplicateRecords++
        return
      }
      this.#changed.add(segment)
    }
    this.#next.process(key, value, timestamp)
  }

  /** Drops segments that no record within the span can reach any more. */
  advanceWatermark(watermark: number): void {
    const withinMs = this.#node.withinMs
    if (withinMs === undefined || watermark <= this.#watermark) return
    this.#watermark = watermark
    for (const segment of this.#segments.keys()) {
      if (segment + 2 * withinMs <= watermark) {
        this.#segments.delete(segment)
        this.#changed.add(segment)
      }
    }
  }

  flush(): void {
    for (const segment of this.#changed) {
      const key = Buffer.allocUnsafe(8)
      key.writeDoubleBE(segment)
      this.#sink.append(key, this.#segments.get(segment)?.serialize() ?? null)
    }
    this.#changed.clear()
  }

  restore(record: ChangelogRecord): void {
    const segment = record.key.readDoubleBE(0)
    if (record.value === null) this.#segments.delete(segment)
    else this.#segments.set(segment, segment === FOREVER ? ScalableBloomFilter.deserialize(record.value) : BloomFilter.deserialize(record.value))
  }

  finishRestore(): void {}
}
