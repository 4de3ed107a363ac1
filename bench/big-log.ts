// The 1 GiB log that the recovery and peak-RSS benchmarks share: partition 0 of the topic 'bench'
// of a Sluice data dir (created through the admin API, then closed), so the peak-RSS child can read
// it through the consumer. A child process
// (children/fill-log.ts) appends batches of 1,000 records with flush 'interval' (Kafka's usual
// setup: fsync every second, default segment size and checkpoint period) until the log holds
// LOG_BYTES, tells the parent, and keeps appending until the parent kills it with SIGKILL: the log
// is left exactly as a crash leaves it, possibly with a torn last batch. Made once per run, in the
// scratch dir, only if the file system has room; removed at the end of the run.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startChild } from './child.ts'
import { BENCH_TOPIC, openWithTopic } from './consume-client.ts'
import { freeScratchBytes, scratchDir } from './harness.ts'

/** Bytes the filling child appends before it is killed. */
export const LOG_BYTES = 1024 ** 3
/** Free space required before making the log (the log, a margin, and what other benchmarks write). */
export const FREE_BYTES_REQUIRED = 4 * 1024 ** 3

/** The killed log on disk. */
export interface BigLog {
  /** The Sluice data dir holding the topic. */
  dataDir: string
  topic: string
  /** The partition's log directory. */
  dir: string
  /** Bytes of segment files on disk right after the kill. */
  bytes: number
  /** Records the child reported appended (acknowledged) before it was told to stop. */
  recordsAppended: number
  /** Whether PartitionLog.open has run on it since the kill. */
  recovered: boolean
}

/** Thrown when the log cannot be made here; the benchmark reports the reason as a skip. */
export class SkipBenchmark extends Error {}

/** Makes the log on first use and removes it at the end of the run. */
export class BigLogHolder {
  #log: BigLog | null = null
  #remove: (() => void) | null = null

  /** The log, filled and killed now if no benchmark did so earlier in this run. */
  async get(): Promise<BigLog> {
    if (this.#log !== null) return this.#log
    const free = freeScratchBytes()
    if (free < FREE_BYTES_REQUIRED) {
      throw new SkipBenchmark(`only ${(free / 1024 ** 3).toFixed(1)} GiB free under the scratch dir, ${FREE_BYTES_REQUIRED / 1024 ** 3} GiB needed (set BENCH_DIR)`)
    }
    const scratch = scratchDir('big-log')
    this.#remove = scratch.remove
    const dataDir = join(scratch.dir, 'data')
    const sluice = await openWithTopic(dataDir)
    const dir = sluice.coordinator.partition(BENCH_TOPIC, 0).dir
    await sluice.close()
    const startMs = performance.now()
    const child = startChild('fill-log.ts', [dir, String(LOG_BYTES)])
    const message = await child.nextMessage()
    child.process.kill('SIGKILL')
    const { signal } = await child.exited
    if (signal !== 'SIGKILL') throw new Error(`fill-log ended by ${signal ?? 'itself'} before the kill`)
    const bytes = logBytes(dir)
    console.log(`filled ${(bytes / 1024 ** 3).toFixed(2)} GiB in ${((performance.now() - startMs) / 1000).toFixed(1)} s ` +
      `(${String(message['records'])} records acknowledged), then SIGKILL`)
    this.#log = { dataDir, topic: BENCH_TOPIC, dir, bytes, recordsAppended: Number(message['records']), recovered: false }
    return this.#log
  }

  /** Deletes the log's files. */
  remove(): void {
    this.#remove?.()
    this.#remove = null
    this.#log = null
  }
}

/** Total bytes of the segment files (`*.log`) in `dir`. */
export function logBytes(dir: string): number {
  let bytes = 0
  for (const name of readdirSync(dir)) if (name.endsWith('.log')) bytes += statSync(join(dir, name)).size
  return bytes
}

/** Paths of every file in `dir`, sorted (segments in offset order). */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort().map((name) => join(dir, name))
}
