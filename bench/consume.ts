// Benchmark 4, sequential consume: records decoded to key/value Buffers from a log of 5 M records
// (100-byte values, batches of 1,000), read from the start to the end. Through the log's read path
// (log.read in 1 MiB fetches, Kafka's max.partition.fetch.bytes default, + forEachRecord) and
// through the Sluice consumer (assign + poll, one ConsumerRecord per record; consume-client.ts).
// Baseline: the same segment bytes already in one Buffer, decoded with forEachBatch + forEachRecord,
// so the ratio is what reading from the log costs on top of decoding. The log was just written, so
// its pages are cached, as they are for a consumer that keeps up with its producers.
import { readFileSync } from 'node:fs'
import type { Benchmark } from './benchmark.ts'
import { filesIn } from './big-log.ts'
import { consumeThroughClient } from './consume-client.ts'
import { RECORDS_PER_BATCH, fillLog, openLog } from './fixtures.ts'
import { bestOfInterleaved, mbPerSecond, rate, report, scratchDir, timeIt } from './harness.ts'
import { decodeBuffer, readWholeLog, type ReadTotals } from './read-loop.ts'

const RECORDS = 5_000_000
const FETCH_BYTES = 1024 * 1024
const RUNS = 2
const TARGET_RECORDS_PER_SECOND = 3_000_000

function check(totals: ReadTotals, what: string): void {
  if (totals.records !== RECORDS) throw new Error(`${what} decoded ${totals.records} records, expected ${RECORDS}`)
}

/** Benchmark 4. */
export const consume: Benchmark = {
  name: 'consume',
  description:
    `Sequential consume: ${RECORDS / 1e6} M records (100-byte values, batches of ${RECORDS_PER_BATCH}) decoded to key/value ` +
    `Buffers from start to end, through log.read (${FETCH_BYTES / 1024} KiB reads) + forEachRecord, and through the Sluice ` +
    `consumer (assign + poll, default fetch sizes); best of ${RUNS}, alternating with the baseline. Baseline: decoding the same bytes from one in-memory Buffer. ` +
    `Target: >= ${TARGET_RECORDS_PER_SECOND / 1e6} M records/s.`,
  async run() {
    const scratch = scratchDir('consume')
    try {
      const log = await openLog(scratch.dir, { flush: 'none' })
      let best: { subject: number; baseline: number }
      let whole: Buffer
      try {
        await fillLog(log, RECORDS)
        whole = Buffer.concat(filesIn(scratch.dir).filter((p) => p.endsWith('.log')).map((p) => readFileSync(p)))
        best = await bestOfInterleaved(
          RUNS,
          () => timeIt(async () => check(await readWholeLog(log, FETCH_BYTES), 'log.read')),
          () => timeIt(() => check(decodeBuffer(whole), 'in-memory decode')),
        )
      } finally {
        await log.close()
      }
      const logSeconds = best.subject
      const memorySeconds = best.baseline
      const memoryRate = RECORDS / memorySeconds
      const baseline = `in-memory decode ${rate(RECORDS, memorySeconds)}`

      report({
        name: 'sequential consume, log.read + decode',
        figure: `${rate(RECORDS, logSeconds)} (${mbPerSecond(whole.length, logSeconds)})`,
        baseline,
        ratio: RECORDS / logSeconds / memoryRate,
        target: `>= ${TARGET_RECORDS_PER_SECOND / 1e6} M rec/s`,
        pass: RECORDS / logSeconds >= TARGET_RECORDS_PER_SECOND,
      })

      const client = await consumeThroughClient(RECORDS, RUNS)
      report({
        name: 'sequential consume, Sluice consumer (assign + poll)',
        figure: `${rate(RECORDS, client.seconds)} (${mbPerSecond(whole.length, client.seconds)})`,
        baseline,
        ratio: RECORDS / client.seconds / memoryRate,
        target: `>= ${TARGET_RECORDS_PER_SECOND / 1e6} M rec/s`,
        pass: RECORDS / client.seconds >= TARGET_RECORDS_PER_SECOND,
      })
    } finally {
      scratch.remove()
    }
  },
}
