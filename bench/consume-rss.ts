// Benchmark 6, peak RSS while consuming a 1 GiB topic: a child process (children/consume-log.ts)
// consumes the whole 1 GiB log that big-log.ts made through the Sluice consumer (the target row),
// and another through log.read + decode (informational), each reporting its peak RSS. The log's pages sit in the kernel's page
// cache, which is not the process's RSS: the figure is what the consumer itself holds (fetch
// buffers, decoded views, the heap). Baseline: the peak RSS of an idle child that loaded the same
// modules. The ratio says how much consuming adds; the target is on the absolute figure.
import type { Benchmark, RunContext } from './benchmark.ts'
import { SkipBenchmark } from './big-log.ts'
import { startChild } from './child.ts'
import { openLog } from './fixtures.ts'
import { mib, rate, report, reportSkipped } from './harness.ts'

const TARGET_MIB = 300
const NAME = 'peak RSS consuming 1 GiB'

interface ChildResult {
  records: number
  seconds: number
  peakRssBytes: number
  sampledPeakBytes: number
}

async function runChild(args: string[]): Promise<ChildResult> {
  const child = startChild('consume-log.ts', args)
  const message = (await child.nextMessage()) as unknown as ChildResult
  const { code } = await child.exited
  if (code !== 0) throw new Error(`consume-log.ts ${args[0]} exited with code ${code}`)
  return message
}

/** Benchmark 6. */
export const consumeRss: Benchmark = {
  name: 'consume-rss',
  description:
    'Peak RSS while consuming the 1 GiB topic (the one the recovery benchmark made, or a fresh one) in a child process, ' +
    'through the Sluice consumer (assign + poll), and (info) through log.read + forEachRecord; the kernel\'s peak RSS (VmHWM). ' +
    `Baseline: peak RSS of an idle child that loaded the same modules. Target: < ${TARGET_MIB} MiB.`,
  async run(context: RunContext) {
    let bigLog
    try {
      bigLog = await context.bigLog.get()
    } catch (error) {
      if (!(error instanceof SkipBenchmark)) throw error
      reportSkipped(NAME, error.message, `< ${TARGET_MIB} MiB`)
      return
    }
    if (!bigLog.recovered) {
      // Recover in this process first, so the child's peak is consumption alone.
      await (await openLog(bigLog.dir, { flush: 'none' })).close()
      bigLog.recovered = true
    }
    const idle = await runChild(['idle'])
    const idleBytes = idle.peakRssBytes
    for (const [label, args, target] of [
      ['Sluice consumer', ['client', bigLog.dataDir, bigLog.topic], true],
      ['log.read + decode', ['log', bigLog.dir], false],
    ] as const) {
      const result = await runChild([...args])
      if (result.records < bigLog.recordsAppended) throw new Error(`${label} consumed ${result.records} records, fewer than the ${bigLog.recordsAppended} acknowledged`)
      console.log(`${label}: ${result.records} records in ${result.seconds.toFixed(1)} s (${rate(result.records, result.seconds)}); ` +
        `sampled peak RSS ${mib(result.sampledPeakBytes)}`)
      report({
        name: `${NAME}, ${label}`,
        figure: `${mib(result.peakRssBytes)} peak RSS`,
        baseline: `idle child ${mib(idleBytes)}`,
        ratio: result.peakRssBytes / idleBytes,
        target: target ? `< ${TARGET_MIB} MiB` : 'info',
        pass: target ? result.peakRssBytes < TARGET_MIB * 1024 * 1024 : null,
      })
    }
  },
}
