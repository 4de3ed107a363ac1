// Quick measurement (not a test, not the formal benchmark in bench/): append MB/s of ready-made
// batches through PartitionLog (flush=none, NodeFs) against raw fs.writeSync of the same bytes,
// build+append records/s, and sequential read+decode records/s. Run:
//   node --import tsx src/storage/measure-append.ts [MiB=256] [dir=os tmpdir]
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '../base/clock.ts'
import { RecordBatchBuilder } from '../protocol/records/record-batch-builder.ts'
import { forEachBatch, forEachRecord } from '../protocol/records/record-batch-reader.ts'
import { NodeFs } from './fs.ts'
import { PartitionLog } from './partition-log.ts'

const totalMiB = Number(process.argv[2] ?? 256)
const root = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'sluice-measure-'))
const value = Buffer.alloc(100, 0x61)
const RECORDS = 1000

function build(): Buffer {
  const builder = new RecordBatchBuilder({ timestamp: systemClock.now() })
  for (let i = 0; i < RECORDS; i++) builder.add({ key: null, value })
  return builder.build()
}

const one = build()
const count = Math.ceil((totalMiB * 1024 * 1024) / one.length)
const batches = Array.from({ length: count }, () => Buffer.from(one))
const bytes = count * one.length
const mb = (n: number, s: number): string => `${(n / 1e6 / s).toFixed(0)} MB/s`

async function main(): Promise<void> {
  // Raw: the same bytes, one writeSync each, to a fresh file.
  const rawPath = join(root, 'raw.bin')
  let fd = openSync(rawPath, 'w')
  let t = performance.now()
  let position = 0
  for (const b of batches) position += writeSync(fd, b, 0, b.length, position)
  const raw = (performance.now() - t) / 1000
  closeSync(fd)
  rmSync(rawPath)

  const log = await PartitionLog.open({ fs: new NodeFs(), dir: join(root, 'log-0'), clock: systemClock, config: { flush: 'none' } })
  t = performance.now()
  for (const b of batches) await log.append(b)
  const append = (performance.now() - t) / 1000

  const log2 = await PartitionLog.open({ fs: new NodeFs(), dir: join(root, 'log-1'), clock: systemClock, config: { flush: 'none' } })
  t = performance.now()
  for (let i = 0; i < count; i++) await log2.append(build())
  const buildAppend = (performance.now() - t) / 1000

  t = performance.now()
  let decoded = 0
  let offset = 0
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1 << 20)
    forEachBatch(records, (pos) => {
      decoded += forEachRecord(records, pos, () => {})
      offset = Number(records.readBigInt64BE(pos)) + records.readInt32BE(pos + 23) + 1
    })
  }
  const read = (performance.now() - t) / 1000

  fd = 0
  console.log(`batches: ${count} x ${one.length} bytes (${RECORDS} records of 100 bytes), ${(bytes / 1e6).toFixed(0)} MB`)
  console.log(`raw writeSync:        ${mb(bytes, raw)}`)
  console.log(`PartitionLog.append:  ${mb(bytes, append)}  (${(raw / append * 100).toFixed(0)}% of raw)`)
  console.log(`build + append:       ${((count * RECORDS) / buildAppend / 1e6).toFixed(2)} M records/s`)
  console.log(`read + decode:        ${(decoded / read / 1e6).toFixed(2)} M records/s (${mb(bytes, read)})`)
  await log.close()
  await log2.close()
  rmSync(root, { recursive: true, force: true })
}

await main()
