// Join processors. Stream-table: each record reads the table's current row (TableView) by key.
// Table-table: a change on either side reads the other side's row and forwards the joined row or
// a delete. Stream-stream: each side buffers its records per key until the watermark passes
// t + within + grace (JoinBuffer, logged per key to the side's changelog); a record joins every
// buffered record of the other side within `within` of it, at the later of the two timestamps.
// Left and outer joins emit a record that found no match when it expires, as Kafka Streams does
// since 3.1, so an unmatched record is emitted once, not first alone and then again joined.
import type { StreamStreamJoinNode, StreamTableJoinNode, TableTableJoinNode } from '../../topology/index.ts'
import type { DropCounter } from './aggregate.ts'
import type { Downstream } from './forward.ts'
import type { JoinBuffer } from './join-buffer.ts'
import type { KeyValueState } from '../key-value-state.ts'
import type { Processor, TableView } from '../processor.ts'

/** Stream-table join: inner drops records without a row, left joins them with undefined. */
export class StreamTableJoinProcessor implements Processor {
  readonly #node: StreamTableJoinNode
  readonly #table: TableView
  readonly #next: Downstream
  readonly #drops: DropCounter

  constructor(node: StreamTableJoinNode, table: TableView, next: Downstream, drops: DropCounter) {
    this.#node = node
    this.#table = table
    this.#next = next
    this.#drops = drops
  }

  process(key: unknown, value: unknown, timestamp: number): void {
    if (key === null || key === undefined) {
      this.#drops.droppedRecords++
      return
    }
    const row = this.#table.get(key)
    if (row === undefined && this.#node.joinType === 'inner') return
    this.#next.process(key, this.#node.joiner(value, row, key), timestamp)
  }
}

/** Table-table join; `side` says which input a change came from. Keeps its rows when materialized. */
export class TableTableJoinProcessor implements TableView {
  readonly #node: TableTableJoinNode
  readonly #left: TableView
  readonly #right: TableView
  readonly #state: KeyValueState | undefined
  readonly #next: Downstream

  constructor(node: TableTableJoinNode, sides: { left: TableView; right: TableView }, state: KeyValueState | undefined, next: Downstream) {
    this.#node = node
    this.#left = sides.left
    this.#right = sides.right
    this.#state = state
    this.#next = next
  }

  #join(key: unknown, left: unknown, right: unknown): unknown {
    const type = this.#node.joinType
    if (left === undefined && right === undefined) return null
    if (type === 'inner' && (left === undefined || right === undefined)) return null
    if (type === 'left' && left === undefined) return null
    return this.#node.joiner(left, right, key)
  }

  /** The processor for changes arriving from one side. */
  input(side: 'left' | 'right'): Processor {
    return {
      process: (key, value, timestamp) => {
        if (key === null || key === undefined) return
        const mine = value === null || value === undefined ? undefined : value
        const other = side === 'left' ? this.#right.get(key) : this.#left.get(key)
        const row = side === 'left' ? this.#join(key, mine, other) : this.#join(key, other, mine)
        if (this.#state !== undefined) {
          if (row === null) this.#state.delete(key)
          else this.#state.put(key, row)
        }
        this.#next.process(key, row, timestamp)
      },
    }
  }

  get(key: unknown): unknown {
    if (this.#state !== undefined) return this.#state.get(key)
    const row = this.#join(key, this.#left.get(key), this.#right.get(key))
    return row === null ? undefined : row
  }
}

/** Stream-stream join over two buffers (one per side). */
export class StreamStreamJoinProcessor {
  readonly #node: StreamStreamJoinNode
  readonly #left: JoinBuffer
  readonly #right: JoinBuffer
  readonly #next: Downstream
  readonly #drops: DropCounter
  #watermark = -Infinity

  constructor(node: StreamStreamJoinNode, buffers: { left: JoinBuffer; right: JoinBuffer }, next: Downstream, drops: DropCounter) {
    this.#node = node
    this.#left = buffers.left
    this.#right = buffers.right
    this.#next = next
    this.#drops = drops
  }

  /** The processor for records arriving from one side. */
  input(side: 'left' | 'right'): Processor {
    const node = this.#node
    const mine = side === 'left' ? this.#left : this.#right
    const other = side === 'left' ? this.#right : this.#left
    // A left record at t matches right records in [t - before, t + after]; seen from the right, the reverse.
    const fromMs = side === 'left' ? node.beforeMs : node.afterMs
    const toMs = side === 'left' ? node.afterMs : node.beforeMs
    return {
      process: (key, value, timestamp) => {
        if (key === null || key === undefined || timestamp + Math.max(node.beforeMs, node.afterMs) + node.graceMs <= this.#watermark) {
          this.#drops.droppedRecords++
          return
        }
        const entry = mine.add(key, timestamp, value)
        for (const match of other.between(key, timestamp - fromMs, timestamp + toMs)) {
          entry.matched = true
          if (!match.matched) {
            match.matched = true
            other.touch(key)
          }
          const joined = side === 'left' ? node.joiner(value, match.value, key) : node.joiner(match.value, value, key)
          this.#next.process(key, joined, Math.max(timestamp, match.timestamp))
        }
      },
    }
  }

  advanceWatermark(watermark: number): void {
    if (watermark <= this.#watermark) return
    this.#watermark = watermark
    const node = this.#node
    const emitLeft = node.joinType !== 'inner'
    const emitRight = node.joinType === 'outer'
    this.#left.expire(watermark - node.afterMs - node.graceMs, (key, entry) => {
      if (emitLeft && !entry.matched) this.#next.process(key, node.joiner(entry.value, undefined, key), entry.timestamp)
    })
    this.#right.expire(watermark - node.beforeMs - node.graceMs, (key, entry) => {
      if (emitRight && !entry.matched) this.#next.process(key, node.joiner(undefined, entry.value, key), entry.timestamp)
    })
  }
}
