// Benchmark 1, build + append: what an embedded producer costs end to end on one thread. Records
// (100-byte values) go through RecordBatchBuilder in batches of 1,000 and each built batch is
// appended to a PartitionLog with flush 'none'. The baseline writes the very same batch bytes,
// built beforehand, with one fs.writeSync each to a file in the same directory: the page-cache
// write speed of this machine, which no log can beat.
import type { Benchmark } from './benchmark.ts'
import { RECORDS_PER_BATCH, buildFromPool, makeRecords, openLog, writeRaw, totalBytes } from './fixtures.ts'
import { bestOfInterleaved, mbPerSecond, rate, report, scratchDir, trial } from './harness.ts'

const RECORDS_PER_RUN = 5_000_000
/** Distinct records cycled through (10 MB of values): enough to leave the CPU caches, as real data would. */
const RECORD_POOL = 100_000
const RUNS = 3
const TARGET_RECORDS_PER_SECOND = 2_000_000

/** Benchmark 1. */
export const buildAppend: Benchmark = {
  name: 'build-append',
  description:
    `Build + append: ${RECORDS_PER_RUN / 1e6} M records (100-byte values, null keys) built with RecordBatchBuilder ` +
    `in batches of ${RECORDS_PER_BATCH} and appended to a PartitionLog (flush none), best of ${RUNS} after a warm-up, alternating with the baseline. ` +
    `Baseline: the same batch bytes, pre-built, written with one fs.writeSync each to a file in the same dir. ` +
    `Target: >= ${TARGET_RECORDS_PER_SECOND / 1e6} M records/s.`,
  async run() {
    const pool = makeRecords(RECORD_POOL)
    const batchCount = RECORDS_PER_RUN / RECORDS_PER_BATCH
    // The baseline's bytes: the very batches the timed loop builds, built beforehand.
    const batches: Buffer[] = new Array(batchCount)
    for (let b = 0; b < batchCount; b++) batches[b] = buildFromPool(pool, b * RECORDS_PER_BATCH)
    const bytes = totalBytes(batches)
    const best = await bestOfInterleaved(
      RUNS,
      trial(
        async () => {
          const scratch = scratchDir('build-append')
          return { scratch, log: await openLog(scratch.dir, { flush: 'none' }) }
        },
        async ({ log }) => {
          for (let b = 0; b < batchCount; b++) await log.append(buildFromPool(pool, b * RECORDS_PER_BATCH))
        },
        async ({ scratch, log }) => {
          await log.close()
          scratch.remove()
        },
      ),
      trial(
        () => scratchDir('build-append-raw'),
        (scratch) => writeRaw(scratch.dir, 'raw.bin', batches),
        (scratch) => scratch.remove(),
      ),
    )
    const recordsPerSecond = RECORDS_PER_RUN / best.subject
    report({
      name: 'build + append, flush none',
      figure: `${rate(RECORDS_PER_RUN, best.subject)}, ${mbPerSecond(bytes, best.subject)}`,
      baseline: `raw writeSync ${mbPerSecond(bytes, best.baseline)} (${rate(RECORDS_PER_RUN, best.baseline)})`,
      ratio: best.baseline / best.subject,
      target: `>= ${TARGET_RECORDS_PER_SECOND / 1e6} M rec/s`,
      pass: recordsPerSecond >= TARGET_RECORDS_PER_SECOND,
    })
  },
}
