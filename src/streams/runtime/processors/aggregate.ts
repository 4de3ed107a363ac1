// The aggregate node's processors. A whole-stream aggregation keeps one accumulator per key in a
// key-value store and forwards (key, result) on every change: a table. A windowed one drives the
// window engine picked by windowAggregation (../../windows/) and forwards results keyed by
// { key, window: { start, end } }; a retracted window (a session merged away) is forwarded as a
// delete (null). Records too late for their window go, unchanged, to the late-records side stream.
// Records with a null key cannot be aggregated and are counted as dropped, as Kafka Streams does.
import v8 from 'node:v8'
import { windowAggregation, type AccumulatorCodec, type Aggregator, type WindowOperator } from '../../windows/index.ts'
import { decodeAccumulators, encodeAccumulators } from '../accumulator-codec.ts'
import type { AggregateNode, StoreSpec } from '../../topology/index.ts'
import type { ChangelogRecord, ChangelogSink } from '../../state/index.ts'
import type { KeyInterner } from '../key-interner.ts'
import type { KeyValueState } from '../key-value-state.ts'
import { isMetaKey, META_KEY, type LoggedState } from '../logged-state.ts'
import type { Processor, TableView } from '../processor.ts'
import type { Downstream } from './forward.ts'

/** Counters a processor reports to the task's metrics. */
export interface DropCounter {
  droppedRecords: number
}

/** Whole-stream aggregation over a key-value store of accumulators; also the table view of its results. */
export class TableAggregateProcessor implements Processor, TableView {
  readonly #aggregator: Aggregator<unknown, unknown, unknown>
  readonly #state: KeyValueState
  readonly #next: Downstream
  readonly #drops: DropCounter

  constructor(node: AggregateNode, state: KeyValueState, next: Downstream, drops: DropCounter) {
    this.#aggregator = node.aggregator
    this.#state = state
    this.#next = next
    this.#drops = drops
  }

  process(key: unknown, value: unknown, timestamp: number): void {
    if (key === null || key === undefined) {
      this.#drops.droppedRecords++
      return
    }
    const aggregator = this.#aggregator
    const previous = this.#state.get(key)
    const accumulator = aggregator.add(previous === undefined ? aggregator.init() : previous, value)
    this.#state.put(key, accumulator)
    this.#next.process(key, aggregator.result(accumulator), timestamp)
  }

  get(key: unknown): unknown {
    const accumulator = this.#state.get(key)
    return accumulator === undefined ? undefined : this.#aggregator.result(accumulator)
  }
}

/** A windowed result's key: the record key and the window [start, end). */
export interface WindowedKey {
  readonly key: unknown
  readonly window: { readonly start: number; readonly end: number }
}

/**
 * Windowed aggregation: feeds the window engine and forwards what it emits. Its LoggedState
 * writes, at each commit, the exported state of every key that changed (v8-serialized plain data)
 * and the operator's meta (watermark) under META_KEY.
 */
export class WindowAggregateProcessor implements Processor, LoggedState {
  readonly spec: StoreSpec
  readonly isLogged = true
  readonly isProcessingTime: boolean
  readonly #operator: WindowOperator<unknown, unknown>
  readonly #interner: KeyInterner
  readonly #sink: ChangelogSink
  readonly #late: Downstream
  readonly #drops: DropCounter
  readonly #isCountWindow: boolean
  readonly #now: () => number
  readonly #codec: AccumulatorCodec<unknown> | undefined
  /** Timestamp of the record being added; undefined while the watermark moves. */
  #currentTimestamp: number | undefined
  #restored = new Map<string, Buffer>()
  #restoredMeta: Buffer | undefined
  #loggedWatermark = -Infinity

  constructor(node: AggregateNode, spec: StoreSpec, options: { next: Downstream; late: Downstream; interner: KeyInterner; sink: ChangelogSink; drops: DropCounter; now: () => number }) {
    const window = node.window!
    this.spec = spec
    this.#interner = options.interner
    this.#sink = options.sink
    this.#late = options.late
    this.#drops = options.drops
    this.#now = options.now
    this.#codec = node.aggregator.codec
    this.#isCountWindow = window.kind === 'count'
    this.isProcessingTime = window.kind !== 'count' && window.time === 'processing'
    const next = options.next
    this.#operator = windowAggregation(window, node.aggregator, {
      emit: node.emit,
      trackChanges: true,
      sink: (key, start, end, value, kind) => {
        const timestamp = this.#currentTimestamp ?? (this.#isCountWindow ? this.#operator.watermark : end - 1)
        next.process({ key, window: { start, end } } satisfies WindowedKey, kind === 'retract' ? null : value, timestamp)
      },
    })
  }

  /** The operator's watermark (-Infinity before any). */
  get watermark(): number {
    return this.#operator.watermark
  }

  process(key: unknown, value: unknown, timestamp: number): void {
    if (key === null || key === undefined) {
      this.#drops.droppedRecords++
      return
    }
    // Processing-time windows place a record by when it is processed, not by its event time.
    const time = this.isProcessingTime ? this.#now() : timestamp
    this.#currentTimestamp = timestamp
    try {
      const outcome = this.#operator.add(this.#interner.intern(key), time, value)
      if (outcome !== 'accepted') this.#late.process(key, value, timestamp)
    } finally {
      this.#currentTimestamp = undefined
    }
  }

  advanceWatermark(watermark: number): void {
    if (watermark > this.#operator.watermark) this.#operator.advanceWatermark(watermark)
  }

  /** Open windows of `key` with their current results, oldest first (a read: in either emit mode). */
  windowsOf(key: unknown): Array<{ start: number; end: number; value: unknown }> {
    return this.#operator.openWindows(this.#interner.intern(key))
  }

  flush(): void {
    const keySerde = this.spec.keySerde
    for (const key of this.#operator.takeChangedKeys()) {
      const state = this.#operator.exportKey(key)
      this.#sink.append(keySerde.serialize(key), state === undefined ? null : v8.serialize(this.#codec === undefined ? state : encodeAccumulators(state, this.#codec)))
    }
    if (this.#operator.watermark !== this.#loggedWatermark) {
      this.#loggedWatermark = this.#operator.watermark
      this.#sink.append(META_KEY, v8.serialize(this.#operator.exportMeta()))
    }
  }

  restore(record: ChangelogRecord): void {
    if (isMetaKey(record.key)) {
      this.#restoredMeta = record.value ?? undefined
      return
    }
    const id = record.key.toString('latin1')
    if (record.value === null) this.#restored.delete(id)
    else this.#restored.set(id, Buffer.from(record.value))
  }

  finishRestore(): void {
    if (this.#restoredMeta !== undefined) this.#operator.importMeta(v8.deserialize(this.#restoredMeta))
    for (const [id, state] of this.#restored) {
      const key = this.#interner.intern(this.spec.keySerde.deserialize(Buffer.from(id, 'latin1')))
      const plain = v8.deserialize(state) as unknown
      this.#operator.importKey(key, this.#codec === undefined ? plain : decodeAccumulators(plain, this.#codec))
    }
    this.#loggedWatermark = this.#operator.watermark
    this.#restored = new Map()
    this.#restoredMeta = undefined
    // Restored keys are not changes: nothing to log again.
    this.#operator.takeChangedKeys()
  }
}
