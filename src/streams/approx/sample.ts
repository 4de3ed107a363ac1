// sample: a uniform random sample of up to n of a window's (or a table key's) inputs, kept in a
// Reservoir (../../sketches/reservoir.ts, Algorithm L). Associative in distribution: merge draws a
// uniform sample of the union of two reservoirs, so sliding windows keep one reservoir per pane
// and combine panes with two stacks. Randomness comes from one seeded Random per aggregator, so a
// run over the same input in the same order draws the same samples (never Math.random). Items are
// written to changelogs with node:v8 (structured-clonable values, as plain accumulators are).
import v8 from 'node:v8'
import { SluiceError } from '../../base/errors.ts'
import { Random } from '../../base/random.ts'
import { Reservoir } from '../../sketches/index.ts'
import type { Aggregator } from '../windows/index.ts'

/** Options of sample. */
export interface SampleOptions {
  /** Seed of the aggregator's Random (default 0x5a3c1e): one seed, one sequence of samples. */
  seed?: number
}

const NO_BYTES = new Uint8Array(0)

/**
 * An exact copy (items, count seen, Algorithm L state) that draws from `random`. The library has
 * no clone, so this goes through serialize with placeholder items and puts the items back in order.
 */
function copyReservoir<T>(reservoir: Reservoir<T>, random: Random): Reservoir<T> {
  const items = reservoir.sample()
  let next = 0
  return Reservoir.deserialize(reservoir.serialize(() => NO_BYTES), () => items[next++]!, random)
}

/**
 * Up to n of the inputs (or `value(input)`), each subset of the window's inputs equally likely;
 * the array's order carries no meaning.
 * @example
 * errors.keyBy((e) => e.service).window(tumbling({ size: '1m' })).aggregate(sample(5, (e) => e.message, { seed: 7 }))
 */
export function sample<I, T = I>(n: number, value: (input: I) => T = (input) => input as unknown as T, options: SampleOptions = {}): Aggregator<I, Reservoir<T>, T[]> {
  if (!Number.isInteger(n) || n < 1) throw new SluiceError('INVALID_ARGUMENT', `sample(n): n must be a positive integer, got ${String(n)}`)
  if (typeof value !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'sample(n, value): value must be a function (input) => item')
  const random = new Random(options.seed ?? 0x5a3c1e)
  const empty = new Reservoir<T>(n, random)
  return {
    algebra: 'associative',
    init: () => empty,
    add(acc, input) {
      const next = copyReservoir(acc, random)
      next.offer(value(input))
      return next
    },
    result: (acc) => acc.sample(),
    merge(a, b) {
      if (b.seen === 0) return a
      if (a.seen === 0) return b
      return Reservoir.merge(a, b, random)
    },
    codec: {
      isAccumulator: (candidate): candidate is Reservoir<T> => candidate instanceof Reservoir,
      encode: (acc) => acc.serialize((item) => v8.serialize(item)),
      decode: (bytes) => Reservoir.deserialize(bytes, (item) => v8.deserialize(item) as T, random),
    },
  }
}
