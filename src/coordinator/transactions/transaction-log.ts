// The durable side of the transaction coordinator: the state of every transactional id, kept as
// records of the compacted internal topic __transaction_state (layouts in transaction-records.ts)
// and read back whole at open, as the offset store does with __consumer_offsets. A transactional
// id's records go to partition abs(javaHashCode(id)) % partitions, so one id's records stay in
// order in one log. The topic is created with flush=always: `write` resolves only once its record
// is fsynced, which is what makes an intent record a commit point. Writes of one transactional id
// are ordered by the caller (transaction-coordinator.ts serializes them).
import { assert } from '../../base/assert.ts'
import type { Clock } from '../../base/clock.ts'
import { SluiceError } from '../../base/errors.ts'
import { buildRecordBatch, forEachBatch, forEachRecord, isControl, lastOffset } from '../../protocol/records/index.ts'
import type { OffsetsLog } from '../offsets/offset-store.ts'
import { offsetsPartitionFor } from '../offsets/offset-store.ts'
import { decodeTransactionKey, decodeTransactionValue, encodeTransactionKey, encodeTransactionValue, type TransactionStateValue } from './transaction-records.ts'

/** Read sizes stop growing here (the topic's max.message.bytes is below it). */
const LOAD_READ_BYTES_MAX = 256 * 1024 * 1024

/** The state of every transactional id, durable in __transaction_state. */
export class TransactionLog {
  readonly #logs: readonly OffsetsLog[]
  readonly #clock: Clock

  private constructor(logs: readonly OffsetsLog[], clock: Clock) {
    assert(logs.length > 0, '__transaction_state needs at least one partition')
    this.#logs = logs
    this.#clock = clock
  }

  /** Opens the log and returns it with the latest state of each transactional id found in it. */
  static async open(logs: readonly OffsetsLog[], clock: Clock): Promise<{ log: TransactionLog; states: Map<string, TransactionStateValue> }> {
    const log = new TransactionLog(logs, clock)
    const states = new Map<string, TransactionStateValue>()
    for (let partition = 0; partition < logs.length; partition++) await log.#load(partition, states)
    return { log, states }
  }

  async #load(partition: number, states: Map<string, TransactionStateValue>): Promise<void> {
    const log = this.#logs[partition]!
    let offset = log.logStartOffset
    let readBytes = 1024 * 1024
    while (offset < log.highWatermark) {
      const { records } = await log.read(offset, readBytes)
      let next = offset
      forEachBatch(records, (pos) => {
        const last = lastOffset(records, pos)
        if (last < offset) return
        next = last + 1
        if (isControl(records, pos)) return
        forEachRecord(records, pos, (recordOffset, _timestamp, key, value) => {
          if (recordOffset < offset || key === null) return
          const transactionalId = decodeTransactionKey(key)
          // Sluice writes no tombstones here; one from elsewhere forgets the id.
          if (value === null) states.delete(transactionalId)
          else states.set(transactionalId, decodeTransactionValue(value))
        })
      })
      if (next === offset) {
        // Nothing whole came back: a batch larger than the read size. Ask for more.
        if (readBytes >= LOAD_READ_BYTES_MAX) {
          throw new SluiceError('CORRUPT_MESSAGE', `__transaction_state-${partition}: no readable batch at offset ${offset}`)
        }
        readBytes *= 2
        continue
      }
      offset = next
    }
  }

  /** The partition of __transaction_state holding a transactional id's records. */
  partitionFor(transactionalId: string): number {
    return offsetsPartitionFor(transactionalId, this.#logs.length)
  }

  /** Appends the new state of a transactional id; resolves once the log made it durable (fsync). */
  async write(transactionalId: string, value: TransactionStateValue): Promise<void> {
    const batch = buildRecordBatch(
      [{ key: encodeTransactionKey(transactionalId), value: encodeTransactionValue(value) }],
      { timestamp: this.#clock.now() },
    )
    await this.#logs[this.partitionFor(transactionalId)]!.append(batch)
  }

  /** The encoded size of a state record (to refuse an intent the log would not take, before anything is written). */
  static recordBytes(transactionalId: string, value: TransactionStateValue): number {
    return buildRecordBatch([{ key: encodeTransactionKey(transactionalId), value: encodeTransactionValue(value) }], { timestamp: 0 }).length
  }
}
