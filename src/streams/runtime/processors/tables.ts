// Processors of table nodes: toTable / app.table (latest value per key, kept in a key-value
// store), table filter and mapValues (materialized when a join reads them), and the table view
// each offers to joins. A table change is (key, value), with value null meaning the row was
// deleted (Kafka's tombstone); rows with a null key cannot exist and are counted as dropped.
import type { TableFilterNode, TableMapValuesNode } from '../../topology/index.ts'
import type { KeyValueState } from '../key-value-state.ts'
import type { Processor, TableView } from '../processor.ts'
import type { DropCounter } from './aggregate.ts'
import type { Downstream } from './forward.ts'

/** toTable / app.table: upserts each record into the store and forwards it as a table change. */
export class ToTableProcessor implements Processor, TableView {
  readonly #state: KeyValueState
  readonly #next: Downstream
  readonly #drops: DropCounter

  constructor(state: KeyValueState, next: Downstream, drops: DropCounter) {
    this.#state = state
    this.#next = next
    this.#drops = drops
  }

  process(key: unknown, value: unknown, timestamp: number): void {
    if (key === null || key === undefined) {
      this.#drops.droppedRecords++
      return
    }
    if (value === null || value === undefined) this.#state.delete(key)
    else this.#state.put(key, value)
    this.#next.process(key, value ?? null, timestamp)
  }

  get(key: unknown): unknown {
    return this.#state.get(key)
  }
}

/**
 * Table filter and mapValues: a row that fails the filter becomes a delete; mapValues maps rows,
 * deletes stay deletes. When a join reads the node it keeps its rows in `state`; otherwise it
 * reads through to the upstream table's view.
 */
export class TableTransformProcessor implements Processor, TableView {
  readonly #node: TableFilterNode | TableMapValuesNode
  readonly #state: KeyValueState | undefined
  readonly #upstream: TableView | undefined
  readonly #next: Downstream

  constructor(node: TableFilterNode | TableMapValuesNode, state: KeyValueState | undefined, upstream: TableView | undefined, next: Downstream) {
    this.#node = node
    this.#state = state
    this.#upstream = upstream
    this.#next = next
  }

  #transform(key: unknown, value: unknown): unknown {
    if (value === null || value === undefined) return null
    const node = this.#node
    if (node.kind === 'table-filter') return node.predicate(key, value) ? value : null
    return node.mapper(key, value)
  }

  process(key: unknown, value: unknown, timestamp: number): void {
    const row = this.#transform(key, value)
    if (this.#state !== undefined) {
      if (row === null) this.#state.delete(key)
      else this.#state.put(key, row)
    }
    this.#next.process(key, row, timestamp)
  }

  get(key: unknown): unknown {
    if (this.#state !== undefined) return this.#state.get(key)
    const row = this.#transform(key, this.#upstream?.get(key))
    return row === null ? undefined : row
  }
}
