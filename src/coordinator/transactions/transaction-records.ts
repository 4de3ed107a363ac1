// The key and value of a record in the internal topic __transaction_state: the whole state of one
// transactional id — its producer id and epoch, and, while a commit is between its commit point and
// its completion, the full intent (every batch and every offset of the commit). Each record
// replaces the previous one of its key, so compaction keeps one record per transactional id.
// transaction-log.ts appends and loads them; transaction-coordinator.ts decides what they say.
// These are Sluice's own layouts (Kafka's TransactionLogValue has no room for the data itself).
// All integers big-endian; string = int16 length + UTF-8; bytes = int32 length + bytes.
//
//   key, version 0
//     version int16 | transactionalId string
//   value, version 0
//     version int16 | producerId int64 | producerEpoch int16 | state int8 | updatedMs int64
//     state 0 (ready: no commit in progress) and 2 (complete: the last commit is applied) end here;
//     state 1 (prepare-commit: the intent, durable = committed, maybe not yet applied) goes on:
//     writeCount int32, per write: topic string | partition int32 | batches bytes (record batches v2)
//     hasOffsets int8 (0/1), then if 1: groupId string | memberId string | generationId int32 |
//       offsetCount int32, per offset: topic string | partition int32 | offset int64 | metadata string
import { SluiceError } from '../../base/errors.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'

const KEY_VERSION = 0
const VALUE_VERSION = 0

/** Where a transactional id stands: ready, an intent durable but maybe not applied, or the last intent applied. */
export type TransactionPhase = 'ready' | 'prepare-commit' | 'complete'

const PHASE_CODES: Record<TransactionPhase, number> = { ready: 0, 'prepare-commit': 1, complete: 2 }
const PHASES: readonly TransactionPhase[] = ['ready', 'prepare-commit', 'complete']

/** The batches of one partition in a commit. */
export interface TransactionWrite {
  topic: string
  partition: number
  /** Record batches v2 of the transactional producer, one or more (at most 5) concatenated. */
  batches: Buffer
}

/** The offsets a commit stores for a consumer group, with the member identity that was checked. */
export interface TransactionOffsets {
  groupId: string
  memberId: string
  generationId: number
  offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string }>
}

/** The state of one transactional id as __transaction_state holds it. */
export interface TransactionStateValue {
  producerId: number
  producerEpoch: number
  phase: TransactionPhase
  updatedMs: number
  /** Present exactly when phase is 'prepare-commit'. */
  intent?: { writes: TransactionWrite[]; offsets?: TransactionOffsets }
}

/** Encodes the key of a transactional id's record. */
export function encodeTransactionKey(transactionalId: string): Buffer {
  const writer = new Writer(4 + Buffer.byteLength(transactionalId))
  writer.int16(KEY_VERSION)
  writer.string(transactionalId, false)
  return writer.toBuffer()
}

/** Decodes a key; throws CORRUPT_MESSAGE on malformed bytes or an unknown version. */
export function decodeTransactionKey(key: Buffer): string {
  const reader = new Reader(key)
  const version = reader.int16()
  if (version !== KEY_VERSION) throw new SluiceError('CORRUPT_MESSAGE', `__transaction_state key version ${version} is not one Sluice reads (0)`)
  const transactionalId = reader.string(false)
  check(reader, 'key')
  return transactionalId
}

/** Encodes a state record; the intent's batches are copied into it. */
export function encodeTransactionValue(value: TransactionStateValue): Buffer {
  const intentBytes = value.intent?.writes.reduce((sum, w) => sum + w.batches.length + 64, 0) ?? 0
  const writer = new Writer(64 + intentBytes)
  writer.int16(VALUE_VERSION)
  writer.int64(value.producerId)
  writer.int16(value.producerEpoch)
  writer.int8(PHASE_CODES[value.phase])
  writer.int64(value.updatedMs)
  if (value.phase !== 'prepare-commit') return writer.toBuffer()
  const intent = value.intent!
  writer.int32(intent.writes.length)
  for (const w of intent.writes) {
    writer.string(w.topic, false)
    writer.int32(w.partition)
    writer.bytes(w.batches, false)
  }
  const offsets = intent.offsets
  writer.int8(offsets === undefined ? 0 : 1)
  if (offsets !== undefined) {
    writer.string(offsets.groupId, false)
    writer.string(offsets.memberId, false)
    writer.int32(offsets.generationId)
    writer.int32(offsets.offsets.length)
    for (const o of offsets.offsets) {
      writer.string(o.topic, false)
      writer.int32(o.partition)
      writer.int64(o.offset)
      writer.string(o.metadata ?? '', false)
    }
  }
  return writer.toBuffer()
}

/** Decodes a state record; throws CORRUPT_MESSAGE on malformed bytes. */
export function decodeTransactionValue(bytes: Buffer): TransactionStateValue {
  const reader = new Reader(bytes)
  const version = reader.int16()
  if (version !== VALUE_VERSION) throw new SluiceError('CORRUPT_MESSAGE', `__transaction_state value version ${version} is not one Sluice reads (0)`)
  const producerId = reader.int64()
  const producerEpoch = reader.int16()
  const phase = PHASES[reader.int8()]
  const updatedMs = reader.int64()
  if (phase === undefined) throw new SluiceError('CORRUPT_MESSAGE', '__transaction_state value has an unknown state')
  if (phase !== 'prepare-commit') {
    check(reader, 'value')
    return { producerId, producerEpoch, phase, updatedMs }
  }
  const writes: TransactionWrite[] = []
  const writeCount = reader.int32()
  for (let i = 0; i < writeCount && reader.error === null; i++) {
    writes.push({ topic: reader.string(false), partition: reader.int32(), batches: reader.bytes(false) })
  }
  let offsets: TransactionOffsets | undefined
  if (reader.int8() === 1) {
    offsets = { groupId: reader.string(false), memberId: reader.string(false), generationId: reader.int32(), offsets: [] }
    const offsetCount = reader.int32()
    for (let i = 0; i < offsetCount && reader.error === null; i++) {
      offsets.offsets.push({ topic: reader.string(false), partition: reader.int32(), offset: reader.int64(), metadata: reader.string(false) })
    }
  }
  check(reader, 'value')
  return { producerId, producerEpoch, phase, updatedMs, intent: offsets === undefined ? { writes } : { writes, offsets } }
}

function check(reader: Reader, what: string): void {
  if (reader.error !== null) throw new SluiceError('CORRUPT_MESSAGE', `__transaction_state record ${what}: ${reader.error}`)
  if (reader.remaining > 0) {
    throw new SluiceError('CORRUPT_MESSAGE', `__transaction_state record ${what} has ${reader.remaining} trailing bytes`)
  }
}
