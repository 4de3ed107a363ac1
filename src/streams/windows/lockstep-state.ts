// The state records of lockstep-aggregation.ts: a key's own object (running accumulator, pending
// panes, due time) and the buckets that all keys share, one per pane of the running window, plus
// the two pieces of their export: gathering one key's contributions back out of the buckets, and
// reading them in again; and the per-bucket index that interactive queries find a key's entries by. The engine's file says how the records move with the watermark.
import { SluiceError } from '../../base/errors.ts'
import type { Aggregator } from './aggregators.ts'

/** One key: its running window's accumulator and event count, and its panes not yet in the window. */
export class LockstepKey<K, A> {
  readonly key: K
  runAcc: A
  runEvents = 0
  /**
   * Panes at or after the running window's end: [pane, partial, events, …], ascending by pane.
   * Created with room for four panes (enough for a watermark a few panes behind), so its storage
   * is allocated with this object and an event finds both in neighbouring cache lines.
   */
  readonly pending: unknown[]
  pendingCount = 0
  /** This key's latest record in a bucket (pane, index), which the next contribution to that pane joins. */
  recordPane = Number.NaN
  recordIndex = 0
  /** Due time in the DueQueue (relative ms; Infinity: none; NaN: dropped). */
  due = Infinity
  /** The ChangedKeys round it was last marked changed in (window-operator.ts). */
  changeRound = -1

  constructor(key: K, init: A) {
    this.key = key
    this.runAcc = init
    this.pending = [0, init, 0, 0, init, 0, 0, init, 0, 0, init, 0]
  }
}

/** The contributions that leave the running windows when the watermark passes one pane. */
export class Bucket<K, A> {
  pane = 0
  length = 0
  readonly keys: LockstepKey<K, A>[] = []
  readonly accs: A[] = []
  readonly events: number[] = []
}

/**
 * Which entries of each bucket belong to which key, for interactive queries (openWindows): built
 * per bucket on the first query that reads it and caught up with the entries appended since, so
 * add and the watermark pay nothing for it and each entry is indexed once, however many queries
 * read it. Entries never move within a bucket (they are appended, merged in place, or all dropped
 * when the window passes the pane), so an index stays right until its bucket holds another pane.
 */
export class BucketIndex<K, A> {
  readonly #panes: number[] = []
  readonly #indexed: number[] = []
  readonly #byKey: (Map<LockstepKey<K, A>, number[]> | undefined)[] = []

  /** The indices, in `bucket` (ring slot `slot`), of the entries `state` owns; undefined if none. */
  #entriesOf(slot: number, bucket: Bucket<K, A>, state: LockstepKey<K, A>): readonly number[] | undefined {
    let byKey = this.#byKey[slot]
    if (byKey === undefined || this.#panes[slot] !== bucket.pane || this.#indexed[slot]! > bucket.length) {
      byKey = new Map<LockstepKey<K, A>, number[]>()
      this.#byKey[slot] = byKey
      this.#panes[slot] = bucket.pane
      this.#indexed[slot] = 0
    }
    for (let i = this.#indexed[slot]!; i < bucket.length; i++) {
      const owner = bucket.keys[i]!
      const list = byKey.get(owner)
      if (list === undefined) byKey.set(owner, [i])
      else list.push(i)
    }
    this.#indexed[slot] = bucket.length
    return byKey.get(state)
  }

  /**
   * The non-empty panes of `state`, ascending, with their partials: its contributions to the
   * running window starting at `runStart` (in `buckets`, a ring indexed by pane & (length - 1)),
   * merged with its pending panes (some may already lie in the running window: they enter when
   * the key is next due). All are at or after `runStart`.
   */
  panesOf(state: LockstepKey<K, A>, buckets: readonly Bucket<K, A>[], runStart: number, merge: (older: A, newer: A) => A): { positions: number[]; partials: A[] } {
    const positions: number[] = []
    const partials: A[] = []
    if (Number.isFinite(runStart)) {
      const mask = buckets.length - 1
      for (let pane = runStart; pane < runStart + buckets.length; pane++) {
        const slot = pane & mask
        const bucket = buckets[slot]!
        if (bucket.length === 0 || bucket.pane !== pane) continue
        const entries = this.#entriesOf(slot, bucket, state)
        if (entries === undefined) continue
        let acc = bucket.accs[entries[0]!] as A
        for (let j = 1; j < entries.length; j++) acc = merge(acc, bucket.accs[entries[j]!] as A)
        positions.push(pane)
        partials.push(acc)
      }
    }
    const pending = state.pending
    for (let j = 0, at = 0; j < state.pendingCount; j++) {
      const pane = pending[3 * j] as number
      const acc = pending[3 * j + 1] as A
      while (at < positions.length && positions[at]! < pane) at++
      if (positions[at] === pane) {
        partials[at] = merge(partials[at]!, acc)
      } else {
        positions.splice(at, 0, pane)
        partials.splice(at, 0, acc)
      }
    }
    return { positions, partials }
  }
}

/**
 * Each key's contributions to the running window starting at `runStart`, as [pane, partial,
 * events, …] with one entry per pane, ascending: every bucket read once, in pane order.
 */
export function indexContributions<K, A>(buckets: readonly Bucket<K, A>[], runStart: number, aggregator: Aggregator<unknown, A, unknown>): Map<LockstepKey<K, A>, unknown[] | null> {
  const index = new Map<LockstepKey<K, A>, unknown[] | null>()
  if (!Number.isFinite(runStart)) return index // no window is running: every pane is pending
  const mask = buckets.length - 1
  for (let pane = runStart; pane < runStart + buckets.length; pane++) {
    const bucket = buckets[pane & mask]!
    if (bucket.length === 0 || bucket.pane !== pane) continue
    for (let i = 0; i < bucket.length; i++) {
      const state = bucket.keys[i]!
      let list = index.get(state)
      if (list === undefined || list === null) index.set(state, (list = []))
      const n = list.length
      if (n > 0 && list[n - 3] === pane) {
        list[n - 2] = aggregator.merge!(list[n - 2] as A, bucket.accs[i]!)
        list[n - 1] = (list[n - 1] as number) + bucket.events[i]!
      } else {
        list.push(pane, bucket.accs[i], bucket.events[i])
      }
    }
  }
  return index
}

/** [pane, partial, events] triples of an exported flat array, panes ascending; INVALID_ARGUMENT otherwise. */
export function* triples(flat: readonly unknown[]): Generator<[number, unknown, number]> {
  if (flat.length % 3 !== 0) throw new SluiceError('INVALID_ARGUMENT', `importKey: expected [pane, partial, events, …], got ${flat.length} values`)
  let previous = -Infinity
  for (let i = 0; i < flat.length; i += 3) {
    const pane = flat[i]
    const events = flat[i + 2]
    if (typeof pane !== 'number' || !(pane > previous) || typeof events !== 'number' || !(events > 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `importKey: pane entries must have ascending panes and positive event counts, got ${String(pane)}, ${String(events)}`)
    }
    previous = pane
    yield [pane, flat[i + 1], events]
  }
}
