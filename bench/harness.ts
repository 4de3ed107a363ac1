// Shared pieces of the benchmarks: timing a body over a fixed amount of work, formatting rates,
// collecting rows for the summary table that bench/run.ts prints (and README.md copies), and
// scratch directories that are removed at the end even when a benchmark throws or the run is
// interrupted. Every figure is printed beside a baseline measured in the same run, because the
// machines are shared and noisy: the ratio is what a target is judged by, the absolute figure only
// indicative (except where the issue sets an absolute target, which the row then states).
import { mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One line of the summary: a measured figure, its baseline, and the target it is judged by. */
export interface BenchRow {
  name: string
  figure: string
  baseline: string
  /** figure / baseline, in the direction the row's `target` names. */
  ratio: number
  target: string
  /** Whether the target is met; null for an informational row (no target) or a skipped one. */
  pass: boolean | null
}

const rows: BenchRow[] = []

/** Records a result and prints it at once. */
export function report(row: BenchRow): void {
  rows.push(row)
  const mark = row.pass === null ? 'info' : row.pass ? 'ok  ' : 'MISS'
  const ratio = Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '-'
  console.log(`${mark} ${row.name}: ${row.figure} | baseline ${row.baseline} | ratio ${ratio} (target ${row.target})`)
}

/** Records a benchmark that could not run here, with the reason, so the summary shows the gap. */
export function reportSkipped(name: string, reason: string, target: string): void {
  rows.push({ name, figure: `skipped: ${reason}`, baseline: '-', ratio: Number.NaN, target, pass: null })
  console.log(`skip ${name}: ${reason}`)
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

/** One timed trial: measures its own timed region and returns its seconds. */
export type Trial = () => Promise<number>

/** A Trial that runs an untimed `setup` (fresh files, fresh buffer copies), times `body`, then runs an untimed `teardown`. */
export function trial<T>(
  setup: () => Promise<T> | T,
  body: (state: T) => Promise<void> | void,
  teardown: (state: T) => Promise<void> | void,
): Trial {
  return async () => {
    const state = await setup()
    try {
      return await timeIt(() => body(state))
    } finally {
      await teardown(state)
    }
  }
}

/**
 * Best (lowest) seconds of the subject and of the baseline over `runs` trials each, after one
 * warm-up of each, alternating subject and baseline so that a neighbour's burst of load on the
 * shared machine hits both sides alike instead of skewing their ratio.
 */
export async function bestOfInterleaved(runs: number, subject: Trial, baseline: Trial): Promise<{ subject: number; baseline: number }> {
  await subject()
  await baseline()
  let best = { subject: Infinity, baseline: Infinity }
  for (let i = 0; i < runs; i++) {
    best = { subject: Math.min(best.subject, await subject()), baseline: Math.min(best.baseline, await baseline()) }
  }
  return best
}

/** '1.23 M rec/s' style rate. */
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

/** '123.4 MiB'. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** Where scratch data goes: BENCH_DIR, else the OS temp dir. */
export function scratchBase(): string {
  return process.env['BENCH_DIR'] ?? tmpdir()
}

/** Free bytes on the file system holding the scratch dirs. */
export function freeScratchBytes(): number {
  const stat = statfsSync(scratchBase())
  return stat.bavail * stat.bsize
}

const liveDirs = new Set<string>()

/** A fresh directory under scratchBase(), removed by the returned function or, at the latest, by removeAllScratch(). */
export function scratchDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(scratchBase(), `sluice-bench-${label}-`))
  liveDirs.add(dir)
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true })
      liveDirs.delete(dir)
    },
  }
}

/** Removes every scratch directory still present (run.ts calls it on exit, error and signals). */
export function removeAllScratch(): void {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true })
  liveDirs.clear()
}

/** Lets queued I/O callbacks and timers run between timed phases. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
