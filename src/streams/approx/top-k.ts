// topK: the most frequent keys among a window's (or a table key's) inputs, kept in a Space-Saving
// summary (../../sketches/space-saving.ts). Associative: merge is the mergeable-summaries rule, so
// sliding windows keep one summary per pane and combine panes with two stacks. Every add changes
// the summary (a count grows), so add returns a changed copy and never touches its argument.
import { SluiceError } from '../../base/errors.ts'
import { SpaceSaving, type TopKEntry, type TopKKey } from '../../sketches/index.ts'
import type { Aggregator } from '../windows/index.ts'
import { checkTopKKey } from './keys.ts'

/** Options of topK. */
export interface TopKOptions {
  /**
   * Keys monitored per summary (default max(4k, 16)). Every key occurring more than N/capacity
   * times in the window is monitored, and each count is over by at most N/capacity.
   */
  capacity?: number
}

/**
 * The k most frequent `value(input)` keys (the input itself by default), largest count first:
 * `{ key, count, error }` where `count` is an upper bound on the key's true count and
 * `count - error` a lower bound (both exact while the window holds fewer distinct keys than the capacity).
 * @example
 * tags.keyBy((t) => t.region).window(sliding({ size: '10m', every: '1m' })).aggregate(topK(10, (t) => t.tag))
 */
export function topK<I, K extends TopKKey = TopKKey>(k: number, value: (input: I) => K = (input) => input as unknown as K, options: TopKOptions = {}): Aggregator<I, SpaceSaving<K>, TopKEntry<K>[]> {
  if (!Number.isInteger(k) || k < 1) throw new SluiceError('INVALID_ARGUMENT', `topK(k): k must be a positive integer, got ${String(k)}`)
  if (typeof value !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'topK(k, value): value must be a function (input) => key')
  const capacity = options.capacity ?? Math.max(4 * k, 16)
  if (!Number.isInteger(capacity) || capacity < k) throw new SluiceError('INVALID_ARGUMENT', `topK: capacity must be an integer >= k (${k}), got ${String(capacity)}`)
  const empty = new SpaceSaving<K>(capacity)
  return {
    algebra: 'associative',
    init: () => empty,
    add(acc, input) {
      const next = acc.clone()
      next.add(checkTopKKey('topK', value(input)) as K)
      return next
    },
    result: (acc) => acc.top(k),
    merge(a, b) {
      if (b.totalCount === 0) return a
      if (a.totalCount === 0) return b
      return a.clone().merge(b)
    },
    codec: {
      isAccumulator: (candidate): candidate is SpaceSaving<K> => candidate instanceof SpaceSaving,
      encode: (acc) => acc.serialize(),
      decode: (bytes) => SpaceSaving.deserialize(bytes) as SpaceSaving<K>,
    },
  }
}
