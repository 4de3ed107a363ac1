// The contract between a stream task and the operators it runs: one Processor per topology node,
// wired to its downstream processors, and the context they share (the current record's topic,
// partition, offset and timestamp; where output records go; the stores of the task). Processors
// are synchronous: a record goes from the source through the graph in one call stack, as in Kafka
// Streams, so a task never holds a half-processed record across an await.
import type { Serde } from '../serdes/index.ts'

/** The record being processed: where it came from and its (event) time. */
export interface RecordContext {
  topic: string
  partition: number
  offset: number
  /** Event time of the record in ms (the extractor's, or the record's timestamp). */
  timestamp: number
  headers: Array<[string, Buffer | null]>
}

/** A record leaving the task for a topic (an app sink, a repartition topic or a changelog). */
export interface OutputRecord {
  topic: string
  /** The partition, when the task decides it (changelogs: the task's partition); else the key's hash. */
  partition: number | undefined
  key: Buffer | null
  value: Buffer | null
  timestamp: number
  headers: Array<[string, Buffer]> | undefined
}

/** Where a task's output records go: the runtime's producer, or the test driver's lists. */
export interface RecordCollector {
  send(record: OutputRecord): void
}

/** One node's operator: receives (key, value) at `timestamp`; `value === null` on a table is a delete. */
export interface Processor {
  process(key: unknown, value: unknown, timestamp: number): void
}

/** A table node's current rows, read by joins (the row as the table shows it, not its accumulator). */
export interface TableView {
  get(key: unknown): unknown
}

/** Serializes a key or value for an output record; a null value stays null (a tombstone). */
export function serializeOrNull(serde: Serde<unknown>, value: unknown): Buffer | null {
  return value === null || value === undefined ? null : serde.serialize(value)
}
