// The streams benchmarks as a list shaped like bench/benchmark.ts's Benchmark (name, description,
// run), so bench/run.ts can add them to `npm run bench` (`npm run bench -- streams-windows` runs one).
import { windowsBenchmark } from './windows.ts'

/** Every streams benchmark, in the order they run. */
export const STREAMS_BENCHMARKS: readonly { name: string; description: string; run(): Promise<void> }[] = [windowsBenchmark]
