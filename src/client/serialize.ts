// Turns what an application hands the producer into the bytes Kafka stores: Buffers pass through,
// strings become UTF-8, anything else becomes JSON. Kept apart from the producer so the streams
// layer's serdes can build on the same rules.
import { SluiceError } from '../base/errors.ts'
import type { RecordInput } from '../protocol/records/record.ts'
import type { DefaultPartitioner } from './partitioner.ts'
import type { HeadersInput, Payload, ProducerRecord } from './types.ts'

/** Bytes of a key or value; null/undefined stay null (a tombstone when it is the value). */
export function toBytes(payload: Payload): Buffer | null {
  if (payload === null || payload === undefined) return null
  if (Buffer.isBuffer(payload)) return payload
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  let json: string | undefined
  try {
    json = JSON.stringify(payload)
  } catch (cause) {
    throw new SluiceError('INVALID_RECORD', `cannot serialize value as JSON: ${(cause as Error).message}`, { cause })
  }
  if (json === undefined) throw new SluiceError('INVALID_RECORD', `cannot serialize a ${typeof payload} as JSON`)
  return Buffer.from(json, 'utf8')
}

/** Headers as Kafka's ordered list of [name, bytes] pairs. */
export function toHeaders(headers: HeadersInput | undefined): Array<[string, Buffer | null]> | undefined {
  if (headers === undefined) return undefined
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers)
  return pairs.map(([name, value]) => [name, value === null ? null : typeof value === 'string' ? Buffer.from(value, 'utf8') : value])
}

/**
 * The partition a record goes to: its own, or the partitioner's pick for its key bytes; throws
 * UNKNOWN_TOPIC_OR_PARTITION for one the topic does not have. Shared by both producers.
 */
export function partitionOf(topic: string, record: ProducerRecord, key: Buffer | null, partitioner: DefaultPartitioner, partitionCount: number): number {
  const partition = record.partition ?? partitioner.partition(topic, key, partitionCount)
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
    throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${partition} (it has ${partitionCount})`)
  }
  return partition
}

/** A record as the batch builder takes it (timestamp defaulting to `nowMs`). */
export function toRecordInput(record: ProducerRecord, key: Buffer | null, nowMs: number): RecordInput {
  const input: RecordInput = { key, value: toBytes(record.value), timestamp: record.timestamp ?? nowMs }
  if (record.headers !== undefined) input.headers = toHeaders(record.headers)
  return input
}
