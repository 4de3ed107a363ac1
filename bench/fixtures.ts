// Data and baselines the benchmarks share: records with 100-byte values, ready-made record batches
// (and fresh copies of them, since the log patches base offsets into the Buffer it is given), the
// raw-file baselines (writeSync of the same bytes; write + fdatasync per batch), and opening a
// PartitionLog on the real file system. Values are random bytes from a fixed seed: no compression
// is involved, so their content only matters for being distinct.
import { closeSync, fdatasync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { systemClock } from '../src/base/clock.ts'
import { Random } from '../src/base/random.ts'
import { RecordBatchBuilder, buildRecordBatch, type RecordInput } from '../src/protocol/records/index.ts'
import { NodeFs } from '../src/storage/fs.ts'
import type { LogConfig } from '../src/storage/log-config.ts'
import { PartitionLog } from '../src/storage/partition-log.ts'

/** Value size of every benchmark record. */
export const VALUE_BYTES = 100
/** Records per batch where the issue says "batches of 1,000". */
export const RECORDS_PER_BATCH = 1000
/** Create time stamped on every record (a fixed instant keeps batches byte-identical between runs). */
export const TIMESTAMP_MS = 1_700_000_000_000

/** `count` records with null keys and distinct random `valueBytes`-byte values (views into one Buffer). */
export function makeRecords(count: number, valueBytes = VALUE_BYTES, seed = 42): RecordInput[] {
  const random = new Random(seed)
  const pool = Buffer.allocUnsafe(count * valueBytes)
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(random.uint32(), i)
  const records: RecordInput[] = new Array(count)
  for (let i = 0; i < count; i++) records[i] = { key: null, value: pool.subarray(i * valueBytes, (i + 1) * valueBytes) }
  return records
}

/** One record batch v2 of `recordsPerBatch` records, uncompressed, offsets from 0. */
export function makeBatch(recordsPerBatch: number, valueBytes = VALUE_BYTES): Buffer {
  return buildRecordBatch(makeRecords(recordsPerBatch, valueBytes), { timestamp: TIMESTAMP_MS })
}

/** Builds one batch of `count` records taken from `pool` (cyclically) from index `from`. */
export function buildFromPool(pool: readonly RecordInput[], from: number, count = RECORDS_PER_BATCH): Buffer {
  const builder = new RecordBatchBuilder({ timestamp: TIMESTAMP_MS })
  for (let i = from; i < from + count; i++) builder.add(pool[i % pool.length] as RecordInput)
  return builder.build()
}

/** `batchCount` distinct batches of RECORDS_PER_BATCH records cycling through a pool of `poolRecords`. */
export function prebuiltBatches(batchCount: number, poolRecords = 100_000): Buffer[] {
  const pool = makeRecords(poolRecords)
  const batches: Buffer[] = new Array(batchCount)
  for (let b = 0; b < batchCount; b++) batches[b] = buildFromPool(pool, b * RECORDS_PER_BATCH)
  return batches
}

/** A fresh copy of each of `buffers`, each its own Buffer (made before a timed region). */
export function freshCopies(buffers: readonly Buffer[]): Buffer[] {
  return buffers.map((buffer) => Buffer.from(buffer))
}

/** Total bytes of `buffers`. */
export function totalBytes(buffers: readonly Buffer[]): number {
  let bytes = 0
  for (const buffer of buffers) bytes += buffer.length
  return bytes
}

/** Appends `records` records to `log` in batches of RECORDS_PER_BATCH (copies of 100 distinct pre-built batches). */
export async function fillLog(log: PartitionLog, records: number): Promise<void> {
  const batches = prebuiltBatches(100)
  for (let i = 0; i < records / RECORDS_PER_BATCH; i++) await log.append(Buffer.from(batches[i % batches.length] as Buffer))
}

/** Opens (creating) a partition log in `dir` on the real file system. */
export function openLog(dir: string, config: Partial<LogConfig>): Promise<PartitionLog> {
  return PartitionLog.open({ fs: new NodeFs(), dir, config, clock: systemClock })
}

/**
 * The raw-write baseline: writes `buffers` one writeSync each, in order, to a new file `name` in
 * `dir` and closes it (no fsync: the page cache, as the log with flush 'none').
 */
export function writeRaw(dir: string, name: string, buffers: readonly Buffer[]): void {
  const fd = openSync(join(dir, name), 'w')
  let position = 0
  for (const buffer of buffers) {
    let written = 0
    while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written, position + written)
    position += buffer.length
  }
  closeSync(fd)
}

/**
 * The fsync-per-append baseline: for `durationMs`, writes `batch` then fdatasyncs (asynchronously,
 * through libuv's threadpool, the same call the log's NodeFs makes), one append after the other.
 * Returns the appends completed and the seconds taken.
 */
export async function fsyncPerAppend(path: string, batch: Buffer, durationMs: number): Promise<{ appends: number; seconds: number }> {
  const fd = openSync(path, 'w')
  try {
    const start = performance.now()
    let appends = 0
    let position = 0
    while (performance.now() - start < durationMs) {
      writeSync(fd, batch, 0, batch.length, position)
      position += batch.length
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error === null ? resolve() : reject(error))))
      appends++
    }
    return { appends, seconds: (performance.now() - start) / 1000 }
  } finally {
    closeSync(fd)
  }
}
