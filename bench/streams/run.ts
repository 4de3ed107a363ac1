// Runs the streams benchmarks alone (`npx tsx bench/streams/run.ts [name…]`), printing each row as
// it is measured and a Markdown summary at the end, like bench/run.ts does for the whole suite.
// Exits non-zero when a benchmark throws (a missed target is a row marked MISS, not a failure).
import { allRows, report, type BenchRow } from '../harness.ts'
import { STREAMS_BENCHMARKS } from './benchmarks.ts'

function summary(rows: readonly BenchRow[]): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|')
  const lines = ['| benchmark | result | baseline (same run) | ratio | target | met |', '| --- | --- | --- | --- | --- | --- |']
  for (const row of rows) {
    const met = row.pass === null ? '-' : row.pass ? 'yes' : '**no**'
    lines.push(`| ${cell(row.name)} | ${cell(row.figure)} | ${cell(row.baseline)} | ${Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '-'} | ${cell(row.target)} | ${met} |`)
  }
  return lines.join('\n')
}

async function main(): Promise<number> {
  const names = process.argv.slice(2)
  const unknown = names.filter((name) => !STREAMS_BENCHMARKS.some((b) => b.name === name))
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${STREAMS_BENCHMARKS.map((b) => b.name).join(', ')}`)
    return 2
  }
  let failures = 0
  for (const benchmark of STREAMS_BENCHMARKS.filter((b) => names.length === 0 || names.includes(b.name))) {
    console.log(`== ${benchmark.name}\n${benchmark.description}`)
    const startMs = performance.now()
    try {
      await benchmark.run()
    } catch (error) {
      // Report the failure as a row and go on with the other benchmarks.
      failures++
      console.error(error)
      report({ name: benchmark.name, figure: `failed: ${error instanceof Error ? error.message : String(error)}`, baseline: '-', ratio: Number.NaN, target: '-', pass: false })
    }
    console.log(`(${((performance.now() - startMs) / 1000).toFixed(1)} s)\n`)
  }
  console.log(summary(allRows()))
  return failures === 0 ? 0 : 1
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
