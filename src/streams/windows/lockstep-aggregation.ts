// Subtract-on-evict for the commonest sliding case, laid out for the cache: 'final' emission, an
// invertible aggregate, tumbling-or-sliding windows of several panes. In final mode every key's
// next window to emit is the same one (the first window still open at the watermark), so all
// keys' running accumulators can move in lockstep with the watermark, as Spark's
// reduceByKeyAndWindow moves a whole batch. What a pane contributed to a key's running window is
// recorded, when it enters, in a bucket shared by all keys and indexed by the pane; when the
// window moves past that pane the bucket is read front to back and each contribution subtracted.
// So the memory an event touches is its key's own small object (running accumulator, events, the
// panes not in the window yet), and evictions read and write buckets sequentially instead of each
// key's history at random: with 10,000 keys that, not the arithmetic, decides the cost.
//
// Per event O(1); per emitted window O(1) plus O(1) per pane entering and leaving. Panes ahead of
// the running window (events up to grace + watermark lag early) wait in the key's `pending` list
// and enter when the window reaches them; an event inside the running window adds to it directly
// and records its own contribution. Update mode, other algebras and queries of arbitrary windows
// use the per-key stores of time-window-aggregation.ts instead; both are checked against the same
// brute-force reference (time-window-aggregation.test.ts).
//
// Export and restore, with buckets shared by all keys: a key's export assembles its own part of
// them, its contributions to the running window by pane ([pane, partial, events, …]), next to its
// pending panes and due time. Finding them reads every bucket once per checkpoint (an index
// built on the first exportKey after a change, sequential reads of state that the exports of the
// changed keys mostly copy anyway), so neither add nor the watermark pays anything for it. The
// subtractions of a watermark move change keys without a call of their own, yet need no extra
// tracking: a key with contributions is always due at the close of the running window, so any
// move past one of its panes also wakes it (and marks it changed) in the same advance.
// Interactive queries (openWindows) find a key's contributions through a per-bucket index that
// only queries build and catch up (BucketIndex, lockstep-state.ts): O(panes of a window + the
// key's panes and windows) per query, plus, amortized, O(1) per bucket entry made since the last.
import { assert } from '../../base/assert.ts'
import { SluiceError } from '../../base/errors.ts'
import type { Aggregator } from './aggregators.ts'
import type { TimeWindowDefinition } from './definitions.ts'
import { DueQueue } from './due-queue.ts'
import { Bucket, BucketIndex, indexContributions, LockstepKey, triples } from './lockstep-state.ts'
import { readPaneWindows } from './pane-windows-read.ts'
import { TimeWindowGeometry } from './time-windows.ts'
import { ChangedKeys, changedKeySet, checkTimestamp, checkWatermark, exportedArray, exportedNumber, exportedRecord, importedMeta, takeChanged, type AddOutcome, type OpenWindow, type WindowOperator, type WindowSink } from './window-operator.ts'

/** Keyed sliding aggregation for invertible aggregates in final mode, with lockstep running windows. */
export class LockstepAggregation<K, I, A, O> implements WindowOperator<K, I, O> {
  readonly definition: TimeWindowDefinition
  readonly algorithm = 'subtract-on-evict'
  readonly emit = 'final'
  #geometry: TimeWindowGeometry
  #isAnchored = false
  readonly #aggregator: Aggregator<I, A, O>
  readonly #sink: WindowSink<K, O>
  readonly #keys = new Map<K, LockstepKey<K, A>>()
  readonly #due = new DueQueue<LockstepKey<K, A>>()
  /** Ring of buckets indexed by pane & mask: only panes of the running window have entries, and it is at most n panes. */
  readonly #buckets: Bucket<K, A>[] = []
  readonly #mask: number
  /** Every contribution of a pane before this has been subtracted. */
  #drainedBefore = -Infinity
  #watermark = -Infinity
  /** Start pane of the running window: the first window still open at the watermark. */
  #runStart = -Infinity
  #isBusy = false
  /** Keys changed since takeChangedKeys, when tracking (undefined: not tracking). */
  readonly #changed: ChangedKeys<K> | undefined
  /**
   * Each key's contributions to the running window, [pane, partial, events, …], gathered for
   * exportKey (null once handed over); dropped when a bucket changes.
   */
  #contributions: Map<LockstepKey<K, A>, unknown[] | null> | undefined
  /** Which bucket entries are whose, for openWindows (built and caught up by queries only). */
  readonly #bucketIndex = new BucketIndex<K, A>()

  constructor(definition: TimeWindowDefinition, aggregator: Aggregator<I, A, O>, options: { sink: WindowSink<K, O>; trackChanges?: boolean }) {
    assert(aggregator.algebra === 'invertible', 'lockstep aggregation needs an invertible aggregator')
    this.definition = definition
    this.#geometry = new TimeWindowGeometry(definition)
    this.#aggregator = aggregator
    this.#sink = options.sink
    this.#changed = changedKeySet<K>(options.trackChanges)
    let size = 1
    while (size < this.#geometry.windowPanes) size *= 2
    for (let i = 0; i < size; i++) this.#buckets.push(new Bucket<K, A>())
    this.#mask = size - 1
  }

  get watermark(): number {
    return this.#watermark
  }

  get keyCount(): number {
    return this.#keys.size
  }

  add(key: K, timestamp: number, value: I): AddOutcome {
    checkTimestamp(timestamp)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (!this.#isAnchored) this.#anchor(timestamp)
    const geometry = this.#geometry
    const pane = geometry.paneOf(timestamp)
    const runStart = this.#runStart
    if (geometry.lastStartContaining(pane) < runStart) return 'late'
    const aggregator = this.#aggregator
    let state = this.#keys.get(key)
    if (state === undefined) {
      state = new LockstepKey<K, A>(key, aggregator.init())
      this.#keys.set(key, state)
    }
    let firstWindow: number
    if (pane < runStart + geometry.windowPanes) {
      // Inside the running window (an event up to grace behind): count it now, and record its
      // contribution for when the window moves past its pane.
      const contribution = aggregator.add(aggregator.init(), value)
      state.runAcc = aggregator.merge!(state.runAcc, contribution)
      state.runEvents++
      this.#record(pane, state, contribution, 1)
      firstWindow = runStart
    } else {
      this.#addPending(state, pane, value)
      firstWindow = Math.max(runStart, geometry.firstStartContaining(pane))
    }
    const due = geometry.closeRelativeMs(firstWindow)
    if (due < state.due) this.#schedule(state, due)
    if (this.#changed !== undefined) this.#changed.mark(key, state)
    return 'accepted'
  }

  advanceWatermark(watermark: number): void {
    checkWatermark(watermark)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (!(watermark > this.#watermark)) return
    if (!this.#isAnchored && Number.isFinite(watermark)) this.#anchor(watermark)
    this.#watermark = watermark
    const geometry = this.#geometry
    const relativeWatermark = geometry.relativeMs(watermark)
    const target = geometry.firstOpenStart(watermark)
    this.#isBusy = true
    try {
      // Walk the windows that close, in order, stopping only where some key has one to emit
      // (due times are close times, so each names its window).
      for (let due = this.#due.nextTime(); due !== Infinity && due <= relativeWatermark; due = this.#due.nextTime()) {
        const start = (due - geometry.graceMs) / geometry.paneMs - geometry.windowPanes
        assert(Number.isInteger(start) && start >= this.#runStart, 'due times are window close times, in order')
        this.#moveTo(start)
        this.#due.drain(due, (state, dueTime) => {
          if (state.due !== dueTime) return // stale: rescheduled since, or dropped
          state.due = Infinity
          if (this.#changed !== undefined) this.#changed.mark(state.key, state)
          this.#close(state, start)
        })
      }
      this.#moveTo(target)
    } finally {
      this.#isBusy = false
    }
  }

  takeChangedKeys(): K[] {
    return takeChanged(this.#changed)
  }

  exportKey(key: K): unknown {
    const state = this.#keys.get(key)
    if (state === undefined) return undefined
    // The first export since a change, or a second one of this key: gather them all (again).
    if (this.#contributions === undefined || this.#contributions.get(state) === null) this.#contributions = indexContributions(this.#buckets, this.#runStart, this.#aggregator)
    const window = this.#contributions.get(state) ?? []
    // Handed over, not copied: the export shares nothing mutable with the operator.
    this.#contributions.set(state, null)
    return { due: state.due, window, pending: state.pending.slice(0, 3 * state.pendingCount) }
  }

  importKey(key: K, exported: unknown): void {
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    const old = this.#keys.get(key)
    if (old !== undefined) {
      // Its bucket records stay behind and are subtracted from the detached object: harmless.
      old.due = Number.NaN
      this.#keys.delete(key)
    }
    if (exported === undefined) return
    const record = exportedRecord(exported, 'importKey')
    const aggregator = this.#aggregator
    const state = new LockstepKey<K, A>(key, aggregator.init())
    const runStart = this.#runStart
    const window = exportedArray(record, 'window', 'importKey')
    for (const [pane, acc, events] of triples(window)) {
      if (!(pane >= runStart && pane < runStart + this.#geometry.windowPanes)) {
        throw new SluiceError('INVALID_ARGUMENT', `importKey: a contribution to pane ${pane} is outside the running window starting at ${runStart} (restore the meta of the same checkpoint first)`)
      }
      state.runAcc = aggregator.merge!(state.runAcc, acc as A)
      state.runEvents += events
      this.#record(pane, state, acc as A, events)
    }
    const pending = exportedArray(record, 'pending', 'importKey')
    let k = 0
    for (const [pane, acc, events] of triples(pending)) {
      // Reuse the slots the key was created with (see LockstepKey), then grow.
      if (k < state.pending.length) state.pending.splice(k, 3, pane, acc, events)
      else state.pending.push(pane, acc, events)
      k += 3
    }
    state.pendingCount = k / 3
    this.#keys.set(key, state)
    const due = exportedNumber(record, 'due', 'importKey')
    if (Number.isFinite(due)) this.#schedule(state, due)
  }

  exportMeta(): unknown {
    const geometry = this.#geometry
    return { ...this.#identity(), watermark: this.#watermark, originMs: this.#isAnchored ? geometry.originPane * geometry.paneMs : null }
  }

  importMeta(exported: unknown): void {
    const meta = importedMeta(exported, this.#keys.size === 0 && this.#watermark === -Infinity && !this.#isAnchored, this.#identity())
    if (meta['originMs'] !== null) this.#anchor(exportedNumber(meta, 'originMs', 'importMeta'))
    const watermark = exportedNumber(meta, 'watermark', 'importMeta')
    this.#watermark = watermark
    // After every advance the running window is the first one open at the watermark.
    this.#runStart = this.#geometry.firstOpenStart(watermark)
    this.#drainedBefore = this.#runStart
  }

  openWindows(key: K): OpenWindow<O>[] {
    const state = this.#keys.get(key)
    if (state === undefined) return []
    const aggregator = this.#aggregator
    const merge = (older: A, newer: A): A => aggregator.merge!(older, newer)
    const { positions, partials } = this.#bucketIndex.panesOf(state, this.#buckets, this.#runStart, merge)
    const geometry = this.#geometry
    const out: OpenWindow<O>[] = []
    readPaneWindows(geometry.grid, merge, positions, partials, this.#runStart, (start, acc) => {
      out.push({ start: geometry.startMs(start), end: geometry.endMs(start), value: aggregator.result(acc) })
    })
    return out
  }

  /** What exported state must have been made by: this engine and pane geometry. */
  #identity(): Record<string, string> {
    return { engine: 'lockstep', window: `${this.definition.sizeMs}/${this.definition.advanceMs}` }
  }

  #anchor(timeMs: number): void {
    assert(this.#keys.size === 0 && this.#watermark === -Infinity, 'anchor before any state')
    this.#geometry = new TimeWindowGeometry(this.definition, timeMs)
    this.#isAnchored = true
  }

  /** Moves every running window to start at `start`: subtracts what the panes before it contributed. */
  #moveTo(start: number): void {
    if (start <= this.#runStart) return
    this.#contributions = undefined
    const from = this.#drainedBefore
    // Only panes of the old running window hold contributions, so one turn of the ring (any
    // #buckets.length consecutive panes) visits them all. (Infinity: the end of the input.)
    const ring = this.#buckets.length
    const first = start === Infinity ? 0 : Number.isFinite(from) && start - from <= ring ? from : start - ring
    const last = start === Infinity ? ring : start
    const aggregator = this.#aggregator
    for (let pane = first; pane < last; pane++) {
      const bucket = this.#buckets[pane & this.#mask]!
      if (bucket.length === 0 || bucket.pane >= start) continue
      const { keys, accs, events } = bucket
      for (let i = 0; i < bucket.length; i++) {
        const state = keys[i]!
        state.runEvents -= events[i]!
        // An emptied window restarts from init(): no inverse rounding residue outlives its events.
        state.runAcc = state.runEvents === 0 ? aggregator.init() : aggregator.subtract!(state.runAcc, accs[i]!)
      }
      bucket.length = 0
    }
    this.#drainedBefore = start
    this.#runStart = start
  }

  /** A key due at the close of window `start`: brings in its panes that entered, emits, reschedules or drops. */
  #close(state: LockstepKey<K, A>, start: number): void {
    const geometry = this.#geometry
    const end = start + geometry.windowPanes
    const aggregator = this.#aggregator
    const pending = state.pending
    let taken = 0
    for (; taken < state.pendingCount && (pending[3 * taken] as number) < end; taken++) {
      const pane = pending[3 * taken] as number
      const acc = pending[3 * taken + 1] as A
      const events = pending[3 * taken + 2] as number
      assert(pane >= start, 'a pending pane enters no later than the first window holding it closes')
      state.runAcc = aggregator.merge!(state.runAcc, acc)
      state.runEvents += events
      this.#record(pane, state, acc, events)
    }
    if (taken > 0) {
      pending.copyWithin(0, 3 * taken, 3 * state.pendingCount)
      state.pendingCount -= taken
    }
    if (state.runEvents > 0) {
      this.#sink(state.key, geometry.startMs(start), geometry.endMs(start), aggregator.result(state.runAcc), 'final')
      // The next window holds events unless all of them leave with this slide; #close will see.
      this.#schedule(state, geometry.closeRelativeMs(start + geometry.slidePanes))
    } else if (state.pendingCount > 0) {
      this.#schedule(state, geometry.closeRelativeMs(geometry.firstStartContaining(pending[0] as number)))
    } else {
      // Nothing in the window and nothing pending: every contribution was subtracted already.
      state.due = Number.NaN
      this.#keys.delete(state.key)
    }
  }

  /**
   * Records a contribution to the running window, to subtract when the window moves past `pane`.
   * A key's contributions to one pane share a record while they come one after another (events
   * inside the window mostly fall in its newest panes), so buckets grow with panes, not events.
   */
  #record(pane: number, state: LockstepKey<K, A>, acc: A, events: number): void {
    this.#contributions = undefined
    const bucket = this.#buckets[pane & this.#mask]!
    const mine = state.recordIndex
    if (state.recordPane === pane && bucket.pane === pane && mine < bucket.length && bucket.keys[mine] === state) {
      bucket.accs[mine] = this.#aggregator.merge!(bucket.accs[mine]!, acc)
      bucket.events[mine]! += events
      return
    }
    assert(bucket.length === 0 || bucket.pane === pane, 'one pane per bucket: the running window is at most a ring long')
    bucket.pane = pane
    const i = bucket.length++
    if (i < bucket.keys.length) {
      bucket.keys[i] = state
      bucket.accs[i] = acc
      bucket.events[i] = events
    } else {
      bucket.keys.push(state)
      bucket.accs.push(acc)
      bucket.events.push(events)
    }
    state.recordPane = pane
    state.recordIndex = i
  }

  /** Adds to a pane ahead of the running window (newest first: where in-order events land). */
  #addPending(state: LockstepKey<K, A>, pane: number, value: I): void {
    const aggregator = this.#aggregator
    const pending = state.pending
    let j = state.pendingCount - 1
    while (j >= 0 && (pending[3 * j] as number) > pane) j--
    if (j >= 0 && pending[3 * j] === pane) {
      pending[3 * j + 1] = aggregator.add(pending[3 * j + 1] as A, value)
      pending[3 * j + 2] = (pending[3 * j + 2] as number) + 1
      return
    }
    // Insert after j, shifting the newer panes up.
    const at = j + 1
    if (pending.length < 3 * (state.pendingCount + 1)) pending.push(0, pending[1], 0)
    for (let k = 3 * state.pendingCount + 2; k >= 3 * (at + 1); k--) pending[k] = pending[k - 3]
    pending[3 * at] = pane
    pending[3 * at + 1] = aggregator.add(aggregator.init(), value)
    pending[3 * at + 2] = 1
    state.pendingCount++
  }

  #schedule(state: LockstepKey<K, A>, due: number): void {
    assert(Number.isFinite(due), 'due time must be finite')
    state.due = due
    this.#due.schedule(due, state)
  }
}
