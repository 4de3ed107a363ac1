// The aggregate algebra windows are computed with. An Aggregator folds inputs into an accumulator
// (init, add, result) and declares what else it can do, because that decides how cheaply a sliding
// window can be kept (window-aggregation.ts picks the algorithm):
//   'invertible'  merge + subtract (and remove): one running accumulator per key, pane partials
//                 added when they enter the window and subtracted when they leave (count, sum, avg)
//   'associative' merge only: pane partials combined by two stacks (min, max, sketches)
//   'none'        add only: one accumulator per open window (the fallback, O(windows) per event)
// Accumulators are values: add/merge/subtract return a result and never mutate their arguments,
// because the engines keep one accumulator in several places (a pane, a prefix, a running total).
// Numbers cost nothing to copy; object accumulators (avg) allocate one small object per call.
import { SluiceError } from '../../base/errors.ts'

/** What an aggregator can do beyond folding, best first. */
export type Algebra = 'invertible' | 'associative' | 'none'

/** A fold from inputs I through accumulator A to result O, with its declared algebra. */
export interface Aggregator<I, A, O> {
  readonly algebra: Algebra
  /** The accumulator of no inputs. */
  init(): A
  /** The accumulator with one more input. */
  add(acc: A, input: I): A
  /** The result an accumulator stands for. */
  result(acc: A): O
  /**
   * The accumulator of an older span `a` followed by a newer span `b` (associative: the engines
   * combine pane partials in any grouping, always older first). Required unless algebra is 'none'.
   */
  merge?(a: A, b: A): A
  /** The inverse of merge: subtract(merge(a, b), b) equals a. Required for 'invertible'. */
  subtract?(acc: A, part: A): A
  /** The inverse of add, for retracting one input (table aggregations). Required for 'invertible'. */
  remove?(acc: A, input: I): A
  /**
   * How accumulators that are not plain data (sketch objects, class instances) are written to
   * changelogs and read back. Without it accumulators must be structured-clonable plain data.
   */
  codec?: AccumulatorCodec<A>
}

/** Turns an aggregator's non-plain accumulators into bytes for changelogs, and back. */
export interface AccumulatorCodec<A> {
  /** True for a value that is one of this aggregator's accumulators. */
  isAccumulator(value: unknown): value is A
  encode(accumulator: A): Uint8Array
  decode(bytes: Uint8Array): A
}

/** Throws INVALID_ARGUMENT unless the aggregator has the functions its algebra promises. */
export function validateAggregator(aggregator: Aggregator<unknown, unknown, unknown>): void {
  const { algebra } = aggregator
  const missing = (name: string): SluiceError =>
    new SluiceError('INVALID_ARGUMENT', `aggregator with algebra '${algebra}' must define ${name}()`)
  if (algebra !== 'invertible' && algebra !== 'associative' && algebra !== 'none') {
    throw new SluiceError('INVALID_ARGUMENT', `aggregator algebra must be 'invertible', 'associative' or 'none', got ${String(algebra)}`)
  }
  for (const name of ['init', 'add', 'result'] as const) if (typeof aggregator[name] !== 'function') throw missing(name)
  if (algebra !== 'none' && typeof aggregator.merge !== 'function') throw missing('merge')
  if (algebra === 'invertible') {
    if (typeof aggregator.subtract !== 'function') throw missing('subtract')
    if (typeof aggregator.remove !== 'function') throw missing('remove')
  }
}

/**
 * Counts inputs.
 * @example
 * stream.keyBy(p => p.card).window(sliding({ size: '10m', every: '1s' })).aggregate(count())
 */
export function count<I = unknown>(): Aggregator<I, number, number> {
  return {
    algebra: 'invertible',
    init: () => 0,
    add: (acc) => acc + 1,
    result: (acc) => acc,
    merge: (a, b) => a + b,
    subtract: (acc, part) => acc - part,
    remove: (acc) => acc - 1,
  }
}

/**
 * Sums a number taken from each input. Subtracting floats can leave rounding residue over long
 * runs (as Spark's inverse reduce does); integer values stay exact up to 2^53.
 * @example
 * stream.keyBy(o => o.shop).window(tumbling({ size: '1h' })).aggregate(sum(o => o.amount))
 */
export function sum<I>(value: (input: I) => number): Aggregator<I, number, number> {
  return {
    algebra: 'invertible',
    init: () => 0,
    add: (acc, input) => acc + value(input),
    result: (acc) => acc,
    merge: (a, b) => a + b,
    subtract: (acc, part) => acc - part,
    remove: (acc, input) => acc - value(input),
  }
}

/**
 * The smallest number taken from each input (undefined for no input). Associative, not
 * invertible: once the minimum leaves a window nothing says what the next one is.
 * @example
 * stream.keyBy(t => t.symbol).window(sliding({ size: '1m', every: '1s' })).aggregate(min(t => t.price))
 */
export function min<I>(value: (input: I) => number): Aggregator<I, number, number | undefined> {
  return {
    algebra: 'associative',
    init: () => Infinity,
    add: (acc, input) => Math.min(acc, value(input)),
    result: (acc) => (acc === Infinity ? undefined : acc),
    merge: (a, b) => Math.min(a, b),
  }
}

/**
 * The largest number taken from each input (undefined for no input). Associative, not invertible.
 * @example
 * stream.keyBy(t => t.symbol).window(sliding({ size: '1m', every: '1s' })).aggregate(max(t => t.price))
 */
export function max<I>(value: (input: I) => number): Aggregator<I, number, number | undefined> {
  return {
    algebra: 'associative',
    init: () => -Infinity,
    add: (acc, input) => Math.max(acc, value(input)),
    result: (acc) => (acc === -Infinity ? undefined : acc),
    merge: (a, b) => Math.max(a, b),
  }
}

/** The accumulator of avg: a sum and a count. */
export interface AvgAccumulator {
  readonly sum: number
  readonly count: number
}

const EMPTY_AVG: AvgAccumulator = Object.freeze({ sum: 0, count: 0 })

/**
 * The mean of a number taken from each input (undefined for no input), invertible through its
 * sum and count.
 * @example
 * readings.keyBy(r => r.room).window(tumbling({ size: '1m' })).aggregate(avg(r => r.celsius))
 */
export function avg<I>(value: (input: I) => number): Aggregator<I, AvgAccumulator, number | undefined> {
  return {
    algebra: 'invertible',
    init: () => EMPTY_AVG,
    add: (acc, input) => ({ sum: acc.sum + value(input), count: acc.count + 1 }),
    result: (acc) => (acc.count === 0 ? undefined : acc.sum / acc.count),
    merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
    subtract: (acc, part) => ({ sum: acc.sum - part.sum, count: acc.count - part.count }),
    remove: (acc, input) => ({ sum: acc.sum - value(input), count: acc.count - 1 }),
  }
}

/**
 * Reduces inputs of one type with an associative `fn` (undefined for no input); with `inverse`
 * (inverse(fn(a, b), b) = a, as Spark's reduceByKeyAndWindow takes it) it is invertible.
 * @example
 * const total = reduce((a: number, b: number) => a + b, { inverse: (a, b) => a - b })
 */
export function reduce<T>(fn: (a: T, b: T) => T, options: { inverse?: (acc: T, value: T) => T } = {}): Aggregator<T, T | undefined, T | undefined> {
  const { inverse } = options
  if (typeof fn !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'reduce(fn): fn must be a function (a, b) => value')
  if (inverse !== undefined && typeof inverse !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'reduce: inverse must be a function (acc, value) => value')
  // `undefined` stands for "no input yet", so fn never sees it and T needs no identity element.
  const merge = (a: T | undefined, b: T | undefined): T | undefined => (a === undefined ? b : b === undefined ? a : fn(a, b))
  const base = {
    init: (): T | undefined => undefined,
    add: (acc: T | undefined, input: T): T | undefined => (acc === undefined ? input : fn(acc, input)),
    result: (acc: T | undefined): T | undefined => acc,
    merge,
  }
  if (inverse === undefined) return { algebra: 'associative', ...base }
  // Without an identity, removing the last input cannot say "empty"; the engines know a window's
  // event count and never ask for the result of an empty one, so the inverse is applied as given.
  const subtract = (acc: T | undefined, part: T | undefined): T | undefined => (part === undefined ? acc : acc === undefined ? undefined : inverse(acc, part))
  return { algebra: 'invertible', ...base, subtract, remove: (acc, input) => subtract(acc, input) }
}
