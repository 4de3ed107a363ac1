// The keyed engine for session windows: per key, its open sessions (sorted, disjoint) with one
// accumulator each, merged by SessionWindows (session-windows.ts) as events arrive. Merging two
// sessions merges their accumulators, so the aggregator needs merge(); a 'none' aggregator keeps
// each session's inputs instead and folds them again after a merge.
//
// A session closes when the watermark reaches its end + grace (end = last event + gap), and is then
// emitted ('final') and forgotten. Lateness is per event, as Spark applies its watermark: an event
// is late when t + grace <= watermark. (Per window, as for time windows, does not work here: a
// session's start can creep back event by event while it is open, until it reaches one that
// already closed, which would then have to be reopened. Any closed session ends at or before
// watermark - grace, so an event after that can never touch one, and a key needs no memory of its
// closed sessions.)
// 'update' mode emits the merged session after each event, preceded by a 'retract' of every
// emitted session it replaced (Kafka Streams forwards a tombstone for those).
// Export and restore: a key's state is its open sessions (bounds, accumulator, kept inputs); its
// due time follows from them. The meta is the watermark. openWindows reads a key's open sessions.
import { assert } from '../../base/assert.ts'
import { SluiceError } from '../../base/errors.ts'
import type { Aggregator } from './aggregators.ts'
import type { SessionDefinition } from './definitions.ts'
import { DueQueue } from './due-queue.ts'
import { SessionWindows, type Session } from './session-windows.ts'
import { ChangedKeys, changedKeySet, checkTimestamp, checkWatermark, exportedArray, exportedNumber, exportedRecord, importedMeta, takeChanged, type AddOutcome, type EmitMode, type OpenWindow, type WindowOperator, type WindowSink } from './window-operator.ts'

/** An open session with its accumulator (and, for 'none' aggregators, its inputs). */
interface OpenSession<I, A> extends Session {
  acc: A
  inputs: I[] | undefined
}

/** One key's sessions. */
class KeySessions<K, I, A> {
  readonly key: K
  sessions: OpenSession<I, A>[] = []
  due = Infinity
  /** The ChangedKeys round it was last marked changed in. */
  changeRound = -1

  constructor(key: K) {
    this.key = key
  }
}

/** Keyed session window aggregation. */
export class SessionAggregation<K, I, A, O> implements WindowOperator<K, I, O> {
  readonly definition: SessionDefinition
  /** 'session-merge': merged sessions merge accumulators; 'session-refold' ('none' aggregators): they fold their kept inputs again. */
  readonly algorithm: 'session-merge' | 'session-refold'
  readonly emit: EmitMode
  readonly #windows: SessionWindows
  readonly #aggregator: Aggregator<I, A, O>
  readonly #keepsInputs: boolean
  readonly #sink: WindowSink<K, O>
  readonly #keys = new Map<K, KeySessions<K, I, A>>()
  readonly #due = new DueQueue<KeySessions<K, I, A>>()
  #watermark = -Infinity
  #isBusy = false
  /** Keys changed since takeChangedKeys, when tracking (undefined: not tracking). */
  readonly #changed: ChangedKeys<K> | undefined

  constructor(definition: SessionDefinition, aggregator: Aggregator<I, A, O>, options: { emit: EmitMode; sink: WindowSink<K, O>; trackChanges?: boolean }) {
    this.definition = definition
    this.emit = options.emit
    this.#windows = new SessionWindows(definition)
    this.#aggregator = aggregator
    this.#keepsInputs = aggregator.algebra === 'none'
    this.algorithm = this.#keepsInputs ? 'session-refold' : 'session-merge'
    this.#sink = options.sink
    this.#changed = changedKeySet<K>(options.trackChanges)
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
    if (timestamp + this.definition.graceMs <= this.#watermark) return 'late'
    const state = this.#keys.get(key)
    const sessions = state?.sessions ?? []
    const merge = this.#windows.merge(sessions, timestamp)
    let keyState = state
    if (keyState === undefined) {
      keyState = new KeySessions<K, I, A>(key)
      this.#keys.set(key, keyState)
    }
    const aggregator = this.#aggregator
    const replaced = sessions.slice(merge.from, merge.to)
    let merged: OpenSession<I, A>
    if (this.#keepsInputs) {
      const inputs: I[] = []
      for (const old of replaced) inputs.push(...old.inputs!)
      inputs.push(value)
      let acc = aggregator.init()
      for (const input of inputs) acc = aggregator.add(acc, input)
      merged = { start: merge.start, end: merge.end, acc, inputs }
    } else {
      let acc = replaced.length > 0 ? replaced[0]!.acc : aggregator.init()
      for (let i = 1; i < replaced.length; i++) acc = aggregator.merge!(acc, replaced[i]!.acc)
      merged = { start: merge.start, end: merge.end, acc: aggregator.add(acc, value), inputs: undefined }
    }
    keyState.sessions.splice(merge.from, merge.to - merge.from, merged)
    if (this.#changed !== undefined) this.#changed.mark(key, keyState)
    if (this.emit === 'update') {
      this.#isBusy = true
      try {
        for (const old of replaced) {
          if (old.start !== merged.start || old.end !== merged.end) this.#sink(key, old.start, old.end, aggregator.result(old.acc), 'retract')
        }
        this.#sink(key, merged.start, merged.end, aggregator.result(merged.acc), 'update')
      } finally {
        this.#isBusy = false
      }
    }
    this.#reschedule(keyState)
    return 'accepted'
  }

  advanceWatermark(watermark: number): void {
    checkWatermark(watermark)
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    if (!(watermark > this.#watermark)) return
    this.#watermark = watermark
    this.#isBusy = true
    try {
      this.#due.drain(watermark, (state, due) => {
        if (state.due !== due) return // stale: rescheduled since, or dropped
        state.due = Infinity
        if (this.#changed !== undefined) this.#changed.mark(state.key, state)
        this.#close(state)
      })
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
    const sessions = state.sessions.map((s) => (s.inputs === undefined ? { start: s.start, end: s.end, acc: s.acc } : { start: s.start, end: s.end, acc: s.acc, inputs: s.inputs.slice() }))
    return { sessions }
  }

  importKey(key: K, exported: unknown): void {
    assert(!this.#isBusy, 'a window sink must not call back into its operator')
    const old = this.#keys.get(key)
    if (old !== undefined) {
      old.due = Number.NaN
      this.#keys.delete(key)
    }
    if (exported === undefined) return
    const state = new KeySessions<K, I, A>(key)
    let previousEnd = -Infinity
    for (const item of exportedArray(exportedRecord(exported, 'importKey'), 'sessions', 'importKey')) {
      const session = exportedRecord(item, 'importKey session')
      const start = exportedNumber(session, 'start', 'importKey session')
      const end = exportedNumber(session, 'end', 'importKey session')
      if (!(start >= previousEnd && end > start)) throw new SluiceError('INVALID_ARGUMENT', `importKey: sessions must be sorted and disjoint, got [${start}, ${end}) after one ending at ${previousEnd}`)
      const inputs = this.#keepsInputs ? (exportedArray(session, 'inputs', 'importKey session').slice() as I[]) : undefined
      state.sessions.push({ start, end, acc: session['acc'] as A, inputs })
      previousEnd = end
    }
    if (state.sessions.length === 0) return
    this.#keys.set(key, state)
    this.#reschedule(state)
  }

  exportMeta(): unknown {
    return { ...this.#identity(), watermark: this.#watermark }
  }

  importMeta(exported: unknown): void {
    const meta = importedMeta(exported, this.#keys.size === 0 && this.#watermark === -Infinity, this.#identity())
    this.#watermark = exportedNumber(meta, 'watermark', 'importMeta')
  }

  openWindows(key: K): OpenWindow<O>[] {
    const state = this.#keys.get(key)
    if (state === undefined) return []
    // Closed sessions are emitted and dropped by the advance that closes them; the filter only
    // states the rule.
    const closesAfter = this.#watermark - this.definition.graceMs
    return state.sessions.filter((s) => s.end > closesAfter).map((s) => ({ start: s.start, end: s.end, value: this.#aggregator.result(s.acc) }))
  }

  /** What exported state must have been made by: this engine and algorithm (the gap may change: sessions keep their bounds). */
  #identity(): Record<string, string> {
    return { engine: 'session-windows', algorithm: this.algorithm }
  }

  /** Emits ('final') and forgets the sessions the watermark closed; drops a key left with none. */
  #close(state: KeySessions<K, I, A>): void {
    const graceMs = this.definition.graceMs
    const { sessions } = state
    let closed = 0
    while (closed < sessions.length && sessions[closed]!.end + graceMs <= this.#watermark) {
      const session = sessions[closed]!
      if (this.emit === 'final') this.#sink(state.key, session.start, session.end, this.#aggregator.result(session.acc), 'final')
      closed++
    }
    if (closed > 0) sessions.splice(0, closed)
    if (sessions.length === 0) {
      state.due = Number.NaN
      this.#keys.delete(state.key)
      return
    }
    this.#reschedule(state)
  }

  /** Due when the first session closes (sessions are disjoint and sorted, so their ends are too). */
  #reschedule(state: KeySessions<K, I, A>): void {
    const due = state.sessions[0]!.end + this.definition.graceMs
    if (due === state.due) return
    state.due = due
    this.#due.schedule(due, state)
  }
}
