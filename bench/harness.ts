// Shared pieces of the benchmarks: timing a body over a fixed amount of work, formatting rates,
// and collecting rows for the summary table that bench/run.ts prints (and README.md copies). Every
// figure is printed beside a baseline measured in the same run, because the machines are shared and
// noisy: the ratio is what a target is judged by, the absolute figure only indicative.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One line of the summary: a measured figure, its baseline, and the target on their ratio. */
export interface BenchRow {
  name: string
  figure: string
  baseline: string
  ratio: number
  target: string
  pass: boolean
}

const rows: BenchRow[] = []

/** Records a result and prints it at once. */
export function report(row: BenchRow): void {
  rows.push(row)
  const mark = row.pass ? 'ok  ' : 'MISS'
  console.log(`${mark} ${row.name}: ${row.figure} | baseline ${row.baseline} | ratio ${row.ratio.toFixed(2)} (target ${row.target})`)
}

/** All rows reported so far. */
export function allRows(): readonly BenchRow[] {
  return rows
}

/** Runs `body` and returns elapsed seconds (monotonic). */
export async function timeIt(body: () => Promise<void> | void): Promise<number> {
  const start = performance.now()
  await body()
  return (performance.now() - start) / 1000
}

/** Best (lowest) elapsed seconds of `runs` timings, after one warm-up run. */
export async function bestOf(runs: number, body: () => Promise<void> | void): Promise<number> {
  await body()
  let best = Infinity
  for (let i = 0; i < runs; i++) best = Math.min(best, await timeIt(body))
  return best
}

/** '1.23 M/s' style rate. */
export function rate(count: number, seconds: number, unit = 'rec/s'): string {
  const perSecond = count / seconds
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M ${unit}`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k ${unit}`
  return `${perSecond.toFixed(1)} ${unit}`
}

/** 'MB/s' with decimal megabytes, as disk tools report. */
export function mbPerSecond(bytes: number, seconds: number): string {
  return `${(bytes / 1e6 / seconds).toFixed(1)} MB/s`
}

/** A fresh temporary directory under BENCH_DIR or the OS temp dir, removed by the returned function. */
export function scratchDir(label: string): { dir: string; remove: () => void } {
  const base = process.env['BENCH_DIR'] ?? tmpdir()
  const dir = mkdtempSync(join(base, `sluice-bench-${label}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
