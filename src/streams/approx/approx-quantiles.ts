// approxQuantiles: quantiles of a number taken from each input, kept in a DDSketch
// (../../sketches/ddsketch.ts) whose answers are within a relative accuracy α of the true value.
// Associative: merge adds bucket counts (exactly the sketch of the union), so sliding windows keep
// one sketch per pane and combine panes with two stacks. Every add changes the sketch, so add
// returns a changed copy and never touches its argument.
import { SluiceError } from '../../base/errors.ts'
import { DDSketch } from '../../sketches/index.ts'
import type { Aggregator } from '../windows/index.ts'
import { checkFinite } from './keys.ts'

/** Options of approxQuantiles. */
export interface ApproxQuantilesOptions {
  /** Relative accuracy α in (0, 1) (default 0.01: every quantile within 1% of the true value). */
  relativeAccuracy?: number
}

/**
 * The result of approxQuantiles: one property per requested quantile, named by the number as
 * JavaScript prints it (`result[0.99]` and `result['0.99']` are the same), holding the value at
 * that quantile (the item of rank floor(q·(n-1)), within α). NaN (JSON null) for no input.
 * Property order is JavaScript's: integer-like names ('0', '1') first, then the others as asked.
 */
export type Quantiles = Record<string, number>

/**
 * Quantiles of `value(input)`; by default the median, p90 and p99.
 * @example
 * requests.keyBy((r) => r.route).window(sliding({ size: '5m', every: '10s' })).aggregate(approxQuantiles((r) => r.latencyMs, [0.5, 0.99]))
 */
export function approxQuantiles<I>(value: (input: I) => number, quantiles: readonly number[] = [0.5, 0.9, 0.99], options: ApproxQuantilesOptions = {}): Aggregator<I, DDSketch, Quantiles> {
  if (typeof value !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'approxQuantiles(value): value must be a function (input) => number')
  if (!Array.isArray(quantiles) || quantiles.length === 0 || !quantiles.every((q) => typeof q === 'number' && q >= 0 && q <= 1)) {
    throw new SluiceError('INVALID_ARGUMENT', `approxQuantiles: quantiles must be a non-empty array of numbers in [0, 1], got ${JSON.stringify(quantiles)}`)
  }
  const wanted = [...quantiles]
  const empty = new DDSketch({ relativeAccuracy: options.relativeAccuracy })
  return {
    algebra: 'associative',
    init: () => empty,
    add(acc, input) {
      const next = acc.clone()
      next.add(checkFinite('approxQuantiles', value(input)))
      return next
    },
    result(acc) {
      const out: Quantiles = {}
      for (const q of wanted) out[String(q)] = acc.quantile(q)
      return out
    },
    merge(a, b) {
      if (b.count === 0) return a
      if (a.count === 0) return b
      return a.clone().merge(b)
    },
    codec: {
      isAccumulator: (candidate): candidate is DDSketch => candidate instanceof DDSketch,
      encode: (acc) => acc.serialize(),
      decode: (bytes) => DDSketch.deserialize(bytes),
    },
  }
}
