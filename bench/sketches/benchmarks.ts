// The sketch benchmarks as a list shaped like bench/benchmark.ts's Benchmark (name, description,
// run), so bench/run.ts can add them to `npm run bench` (`npm run bench -- sketch-hll` runs one).
import { bloomBenchmark } from './bloom.ts'
import { countMinBenchmark } from './count-min.ts'
import { hllBenchmark } from './hll.ts'
import { quantilesBenchmark } from './quantiles.ts'
import { reservoirBenchmark } from './reservoir.ts'
import { topKBenchmark } from './top-k.ts'

/** Every sketch benchmark, in the order they run. */
export const SKETCH_BENCHMARKS: readonly { name: string; description: string; run(): Promise<void> }[] = [
  hllBenchmark,
  bloomBenchmark,
  countMinBenchmark,
  reservoirBenchmark,
  topKBenchmark,
  quantilesBenchmark,
]
