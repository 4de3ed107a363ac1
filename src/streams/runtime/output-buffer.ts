// The runtime's RecordCollector: tasks hand it output records one at a time, synchronously, while
// a batch of input is processed; it groups them per topic and hands each group to the producer in
// one send() when the batch is done (one call and one promise per topic per batch, not per record).
// Sends under at-least-once are in flight until the commit awaits them; under exactly-once they
// are staged in the open transaction. A failed send is kept and raised at the next drain/settle.
import type { ProducerRecord } from '../../client/types.ts'
import type { OutputRecord, RecordCollector } from './processor.ts'

/** Something that takes records for a topic: a Producer or a TransactionalProducer. */
export interface RecordSender {
  send(topic: string, records: readonly ProducerRecord[]): Promise<unknown>
  /** Like send without per-record metadata (Producer.write), when the sender has it. */
  write?(topic: string, records: readonly ProducerRecord[]): Promise<void>
}

/** Buffers a batch's output records per topic and sends them together. */
export class OutputBuffer implements RecordCollector {
  #byTopic = new Map<string, ProducerRecord[]>()
  readonly #inFlight = new Set<Promise<unknown>>()
  #failure: unknown = undefined
  /** Records handed to the producer so far. */
  sentRecords = 0

  send(record: OutputRecord): void {
    let list = this.#byTopic.get(record.topic)
    if (list === undefined) this.#byTopic.set(record.topic, list = [])
    // One object shape for every record (no conditional spreads): the producer's loop stays monomorphic.
    list.push({ key: record.key, value: record.value, timestamp: record.timestamp, partition: record.partition, headers: record.headers })
  }

  /** Hands every buffered record to `sender`; throws a failure of an earlier send. */
  drain(sender: RecordSender): void {
    this.#raise()
    if (this.#byTopic.size === 0) return
    const batches = this.#byTopic
    this.#byTopic = new Map()
    for (const [topic, records] of batches) {
      this.sentRecords += records.length
      const sending = sender.write !== undefined ? sender.write(topic, records) : sender.send(topic, records)
      this.#inFlight.add(sending)
      sending.then(() => this.#inFlight.delete(sending), (error: unknown) => {
        this.#inFlight.delete(sending)
        this.#failure ??= error
      })
    }
  }

  /** Waits for every send handed over so far; throws the first failure. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
    this.#raise()
  }

  /** Drops buffered records (an aborted transaction's). */
  discard(): void {
    this.#byTopic = new Map()
  }

  #raise(): void {
    if (this.#failure !== undefined) {
      const failure = this.#failure
      this.#failure = undefined
      throw failure
    }
  }
}
