// Helpers for the storage tests only (nothing in production imports this): build batches with the
// real builder, open a log on a MemoryFs with a ManualClock, and decode everything a log holds.
import { buildRecordBatch, type RecordBatchOptions } from '../protocol/records/record-batch-builder.ts'
import { forEachBatch, readRecords } from '../protocol/records/record-batch-reader.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import { MemoryFs } from '../testing/memory-fs.ts'
import type { Fs } from './fs.ts'
import type { LogConfig } from './log-config.ts'
import { PartitionLog } from './partition-log.ts'

/** Start time of test clocks. */
export const T0 = 1_700_000_000_000

/** A batch of records with string values (and optional string keys; null for a tombstone value). */
export function batchOf(
  records: ReadonlyArray<string | { key: string | null; value: string | null; timestamp?: number }>,
  options: RecordBatchOptions = {},
): Buffer {
  return buildRecordBatch(
    records.map((r) => (typeof r === 'string'
      ? { key: null, value: Buffer.from(r) }
      : { key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }) })),
    { timestamp: T0, ...options },
  )
}

/** A fresh MemoryFs with its root directory made durable. */
export async function memoryFs(options: ConstructorParameters<typeof MemoryFs>[0] = {}): Promise<MemoryFs> {
  const fs = new MemoryFs(options)
  await fs.mkdir('/data')
  await fs.fsyncDir('/')
  return fs
}

/** Opens the test log `/data/topic-0` (config overrides on top of small test-friendly sizes). */
export function openLog(fs: Fs, config: Partial<LogConfig> = {}, clock = new ManualClock(T0)): Promise<PartitionLog> {
  return PartitionLog.open({ fs, dir: '/data/topic-0', clock, config })
}

/** One decoded record as the tests compare them. */
export interface SeenRecord {
  offset: number
  key: string | null
  value: string | null
}

/** Every record from `from` to the high watermark, read in chunks of `maxBytes`. */
export async function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 4096): Promise<SeenRecord[]> {
  const seen: SeenRecord[] = []
  let offset = from
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, maxBytes)
    if (records.length === 0) break
    let next = offset
    forEachBatch(records, (pos) => {
      for (const r of readRecords(records, pos)) {
        if (r.offset >= offset) seen.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })
      }
      next = Number(records.readBigInt64BE(pos)) + records.readInt32BE(pos + 23) + 1
    })
    offset = next
  }
  return seen
}

/** Values of every record, in offset order. */
export async function valuesOf(log: PartitionLog): Promise<(string | null)[]> {
  return (await readAll(log)).map((r) => r.value)
}
