// approxDistinct: the number of distinct keys among a window's (or a table key's) inputs, kept in
// a HyperLogLog (../../sketches/hyperloglog.ts) per accumulator. Associative: merge is the
// sketch's register max, so sliding windows keep one sketch per pane and combine panes with two
// stacks. Sketches are treated as values (copy on write): add returns the same sketch when the
// key changes nothing (most adds, once a sketch has seen many keys) and a changed copy otherwise.
// The other approximate aggregators sit beside this file; index.ts lists them.
import { SluiceError } from '../../base/errors.ts'
import { HyperLogLog, type SketchKey } from '../../sketches/index.ts'
import type { Aggregator } from '../windows/index.ts'
import { checkSketchKey } from './keys.ts'

/** Options of approxDistinct. */
export interface ApproxDistinctOptions {
  /**
   * log2 of the register count, 4..18 (default 12: 4 KiB per dense sketch, standard error about
   * 1.6%; exact-ish below 2^p/4 distinct keys, where the sketch stays sparse). One sketch is kept
   * per pane, so precision multiplies with a sliding window's pane count.
   */
  precision?: number
}

/**
 * The estimated number of distinct `value(input)` keys (the input itself by default).
 * @example
 * visits.keyBy((v) => v.page).window(sliding({ size: '1h', every: '1m' })).aggregate(approxDistinct((v) => v.user))
 */
export function approxDistinct<I>(value: (input: I) => SketchKey = (input) => input as SketchKey, options: ApproxDistinctOptions = {}): Aggregator<I, HyperLogLog, number> {
  if (typeof value !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'approxDistinct(value): value must be a function (input) => key')
  const precision = options.precision ?? 12
  // The one empty sketch every init() shares: nothing ever mutates an accumulator.
  const empty = new HyperLogLog({ precision })
  return {
    algebra: 'associative',
    init: () => empty,
    add(acc, input) {
      const key = checkSketchKey('approxDistinct', value(input))
      if (!acc.wouldChange(key)) return acc
      const next = acc.clone()
      next.add(key)
      return next
    },
    result: (acc) => Math.round(acc.estimate()),
    merge(a, b) {
      if (isEmpty(b)) return a
      if (isEmpty(a)) return b
      return a.clone().merge(b)
    },
    codec: {
      isAccumulator: (candidate): candidate is HyperLogLog => candidate instanceof HyperLogLog,
      encode: (acc) => acc.serialize(),
      decode: (bytes) => HyperLogLog.deserialize(bytes),
    },
  }
}

function isEmpty(sketch: HyperLogLog): boolean {
  return sketch.isSparse && sketch.estimate() === 0
}
