// Benchmark 5, recovery of a 1 GiB log after kill -9: how long PartitionLog.open takes on the log
// big-log.ts leaves behind (a child appended ~1 GiB with flush 'interval' and was SIGKILLed). No
// recovery checkpoint exists yet (the default period is 60 s and the fill takes seconds), so this is
// the worst case: every batch is re-validated (header, CRC-32C) and every index rebuilt. The
// baseline reads the same files sequentially into one 1 MiB buffer (what `cat` does). Both read
// through the page cache, which still holds the freshly written log: this compares CPU work against
// a read of the same bytes, not the disk's cold-read speed.
import { closeSync, openSync, readSync } from 'node:fs'
import type { Benchmark, RunContext } from './benchmark.ts'
import { SkipBenchmark, filesIn } from './big-log.ts'
import { openLog } from './fixtures.ts'
import { mbPerSecond, report, reportSkipped } from './harness.ts'

const TARGET_SECONDS = 3
const NAME = 'recovery of 1 GiB after kill -9'

/** Reads every file in `dir` front to back; returns bytes read. */
function readAll(dir: string): number {
  const buffer = Buffer.allocUnsafe(1024 * 1024)
  let bytes = 0
  for (const path of filesIn(dir)) {
    const fd = openSync(path, 'r')
    try {
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) bytes += n
    } finally {
      closeSync(fd)
    }
  }
  return bytes
}

/** Benchmark 5. */
export const recovery: Benchmark = {
  name: 'recovery',
  description:
    'Recovery after kill -9: a child appends ~1 GiB (batches of 1,000 records, flush interval 1 s, default segment ' +
    'and checkpoint settings) and is SIGKILLed mid-append; the parent times PartitionLog.open (re-validation, ' +
    `truncation of a torn tail, index rebuild). Baseline: reading the same files sequentially. Target: <= ${TARGET_SECONDS} s.`,
  async run(context: RunContext) {
    let bigLog
    try {
      bigLog = await context.bigLog.get()
    } catch (error) {
      if (!(error instanceof SkipBenchmark)) throw error
      reportSkipped(NAME, error.message, `<= ${TARGET_SECONDS} s`)
      return
    }
    if (bigLog.recovered) throw new Error('the 1 GiB log was already recovered in this run; recovery must run first')
    const start = performance.now()
    const log = await openLog(bigLog.dir, { flush: 'interval', flushIntervalMs: 1000 })
    const seconds = (performance.now() - start) / 1000
    bigLog.recovered = true
    const r = log.recovery
    console.log(`recovery report: ${r.segmentsScanned} segments scanned, ${(r.bytesValidated / 1024 ** 2).toFixed(0)} MiB validated, ` +
      `${r.indexesRebuilt} indexes rebuilt, ${r.truncatedBytes} bytes truncated${r.problem === null ? '' : ` (${r.problem})`}, ` +
      `clean shutdown ${r.cleanShutdown}; log end offset ${log.logEndOffset} (child acknowledged ${bigLog.recordsAppended}+ records)`)
    if (log.logEndOffset < bigLog.recordsAppended) throw new Error(`recovery lost acknowledged records: ${log.logEndOffset} < ${bigLog.recordsAppended}`)
    await log.close()

    readAll(bigLog.dir) // once to settle the page cache state the same way for both timings
    const readStart = performance.now()
    const bytes = readAll(bigLog.dir)
    const readSeconds = (performance.now() - readStart) / 1000
    report({
      name: NAME,
      figure: `${seconds.toFixed(2)} s (${mbPerSecond(bigLog.bytes, seconds)})`,
      baseline: `sequential read ${readSeconds.toFixed(2)} s (${mbPerSecond(bytes, readSeconds)})`,
      ratio: seconds / readSeconds,
      target: `<= ${TARGET_SECONDS} s`,
      pass: seconds <= TARGET_SECONDS,
    })
  },
}
