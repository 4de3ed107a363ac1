// The shape every benchmark file exports, and what bench/run.ts hands them: the 1 GiB log that the
// recovery and peak-RSS benchmarks share (made once per run, see big-log.ts).
import type { BigLogHolder } from './big-log.ts'

/** One benchmark: a name to select it by (`npm run bench -- <name>`), what it does, and its body. */
export interface Benchmark {
  name: string
  /** Printed before it runs: what is measured, against which baseline, and the target. */
  description: string
  run(context: RunContext): Promise<void>
}

/** State shared by the benchmarks of one run. */
export interface RunContext {
  bigLog: BigLogHolder
}
