// Benchmark 2, append ready-made batches: the broker's produce path. Each batch arrives built (by a
// client); the log validates its header and CRC-32C, assigns offsets by patching the header, and
// writes it, with flush 'none'. Because the patch happens in place, every appended Buffer is a fresh
// copy, made before the timed region. The baseline writes the same pre-built Buffers with
// fs.writeSync, one after the other, to a fresh file in the same directory.
import type { Benchmark } from './benchmark.ts'
import { RECORDS_PER_BATCH, freshCopies, openLog, prebuiltBatches, totalBytes, writeRaw } from './fixtures.ts'
import { bestOfInterleaved, mbPerSecond, rate, report, scratchDir, trial } from './harness.ts'

const BATCHES = 5_000
const RUNS = 5
const TARGET_RATIO = 0.5

/** Benchmark 2. */
export const appendBatches: Benchmark = {
  name: 'append-batches',
  description:
    `Append ready-made batches: ${BATCHES} distinct batches of ${RECORDS_PER_BATCH} records (100-byte values, ` +
    `~${Math.round((BATCHES * RECORDS_PER_BATCH * 108) / 1e6)} MB) appended one at a time (await each) to a PartitionLog, ` +
    `flush none: CRC-32C check, offset assignment, write. Fresh copies made outside the timing; best of ${RUNS}, alternating with the baseline. ` +
    `Baseline: the same Buffers written with fs.writeSync sequentially to a fresh file. Target: >= ${TARGET_RATIO * 100}% of the baseline's MB/s.`,
  async run() {
    const batches = prebuiltBatches(BATCHES)
    const bytes = totalBytes(batches)
    const best = await bestOfInterleaved(
      RUNS,
      trial(
        async () => {
          const scratch = scratchDir('append')
          const log = await openLog(scratch.dir, { flush: 'none' })
          return { scratch, log, copies: freshCopies(batches) }
        },
        async ({ log, copies }) => {
          for (const copy of copies) await log.append(copy)
        },
        async ({ scratch, log }) => {
          await log.close()
          scratch.remove()
        },
      ),
      trial(
        () => scratchDir('append-raw'),
        (scratch) => writeRaw(scratch.dir, 'raw.bin', batches),
        (scratch) => scratch.remove(),
      ),
    )
    const ratio = best.baseline / best.subject
    const records = BATCHES * RECORDS_PER_BATCH
    report({
      name: 'append ready-made batches, flush none',
      figure: `${mbPerSecond(bytes, best.subject)} (${rate(records, best.subject)}, ${rate(BATCHES, best.subject, 'batches/s')})`,
      baseline: `raw writeSync ${mbPerSecond(bytes, best.baseline)}`,
      ratio,
      target: `>= ${TARGET_RATIO.toFixed(2)} of baseline`,
      pass: ratio >= TARGET_RATIO,
    })
  },
}
