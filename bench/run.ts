// Entry of `npm run bench`: runs every benchmark, or those named (`npm run bench -- consume
// recovery`, `npm run bench -- broker`), printing each one's description before it runs and a Markdown summary table at the
// end (with the machine), which README.md copies. Scratch data lives under BENCH_DIR or the OS temp
// dir and is removed at the end, on failure, and on Ctrl-C; child processes are killed likewise.
// Not part of `npm test`: tools/run-tests.mjs only collects *.test.ts files.
import { appendBatches } from './append-batches.ts'
import { BigLogHolder } from './big-log.ts'
import type { Benchmark, RunContext } from './benchmark.ts'
import { brokerBenchmark } from './broker/benchmarks.ts'
import { killBrokerProcesses } from './broker/processes.ts'
import { buildAppend } from './build-append.ts'
import { killChildren } from './child.ts'
import { consume } from './consume.ts'
import { consumeRss } from './consume-rss.ts'
import { flushAlways } from './flush-always.ts'
import { allRows, removeAllScratch, report, type BenchRow } from './harness.ts'
import { describeMachine } from './machine.ts'
import { recovery } from './recovery.ts'
import { SKETCH_BENCHMARKS } from './sketches/benchmarks.ts'
import { STREAMS_BENCHMARKS } from './streams/benchmarks.ts'
import { latencyBenchmark } from './streams/latency.ts'
import { pipelineBenchmark } from './streams/pipeline.ts'

const BENCHMARKS: readonly Benchmark[] = [buildAppend, appendBatches, flushAlways, consume, recovery, consumeRss, ...SKETCH_BENCHMARKS, ...STREAMS_BENCHMARKS, pipelineBenchmark, latencyBenchmark, brokerBenchmark]

function cleanUp(): void {
  killChildren()
  killBrokerProcesses()
  removeAllScratch()
}

function selected(names: readonly string[]): Benchmark[] {
  if (names.length === 0) return [...BENCHMARKS]
  const unknown = names.filter((name) => !BENCHMARKS.some((b) => b.name === name))
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
    process.exit(2)
  }
  return BENCHMARKS.filter((b) => names.includes(b.name))
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|')
}

/** The summary as a Markdown table. */
function summaryTable(rows: readonly BenchRow[]): string {
  const lines = ['| benchmark | result | baseline (same run) | ratio | target | met |', '| --- | --- | --- | --- | --- | --- |']
  for (const row of rows) {
    const ratio = Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '-'
    const met = row.pass === null ? '-' : row.pass ? 'yes' : '**no**'
    lines.push(`| ${cell(row.name)} | ${cell(row.figure)} | ${cell(row.baseline)} | ${ratio} | ${cell(row.target)} | ${met} |`)
  }
  return lines.join('\n')
}

async function main(): Promise<number> {
  const benchmarks = selected(process.argv.slice(2))
  const machine = describeMachine()
  console.log(`Machine: ${machine}\n`)
  const context: RunContext = { bigLog: new BigLogHolder() }
  const startedMs = performance.now()
  let failures = 0
  try {
    for (const benchmark of benchmarks) {
      console.log(`== ${benchmark.name}\n${benchmark.description}`)
      const benchStartMs = performance.now()
      try {
        await benchmark.run(context)
      } catch (error) {
        // One benchmark's failure is reported in the table and the rest still run.
        failures++
        console.error(error)
        report({ name: benchmark.name, figure: `failed: ${error instanceof Error ? error.message : String(error)}`, baseline: '-', ratio: Number.NaN, target: '-', pass: false })
      }
      console.log(`(${((performance.now() - benchStartMs) / 1000).toFixed(1)} s)\n`)
    }
  } finally {
    context.bigLog.remove()
    cleanUp()
  }
  console.log(`## Benchmarks\n\nMachine: ${machine}. Run: \`npm run bench\` (${((performance.now() - startedMs) / 1000).toFixed(0)} s).\n`)
  console.log(summaryTable(allRows()))
  return failures === 0 ? 0 : 1
}

process.on('exit', cleanUp)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanUp()
    process.exit(130)
  })
}
main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
