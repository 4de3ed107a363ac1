// One side of a stream-stream join: the records of each key still inside the join window, with
// whether each found a match (left and outer joins emit the unmatched ones when they expire).
// Expiry is driven by the watermark through a DueQueue keyed by record time, so a watermark
// advance touches only keys with something to drop. The buffer is logged per key: at each commit
// every changed key's entries go to the side's changelog as one record
// (v8-serialized [timestamp, value bytes, matched] triples; a tombstone when the key is empty).
import v8 from 'node:v8'
import { DueQueue } from '../../windows/due-queue.ts'
import type { ChangelogRecord, ChangelogSink } from '../../state/index.ts'
import type { StoreSpec } from '../../topology/index.ts'
import type { KeyInterner } from '../key-interner.ts'
import type { LoggedState } from '../logged-state.ts'

/** A buffered record. */
export interface JoinEntry {
  readonly timestamp: number
  readonly value: unknown
  matched: boolean
}

/** The buffered records of one join side, by key. */
export class JoinBuffer implements LoggedState {
  readonly spec: StoreSpec
  readonly isLogged = true
  readonly #interner: KeyInterner
  readonly #sink: ChangelogSink
  readonly #entries = new Map<unknown, JoinEntry[]>()
  readonly #due = new DueQueue<unknown>()
  readonly #changed = new Set<unknown>()
  #restored = new Map<string, Buffer>()

  constructor(spec: StoreSpec, interner: KeyInterner, sink: ChangelogSink) {
    this.spec = spec
    this.#interner = interner
    this.#sink = sink
  }

  /** Buffers a record of `key` at `timestamp`; returns its entry. */
  add(key: unknown, timestamp: number, value: unknown): JoinEntry {
    const id = this.#interner.intern(key)
    const entry: JoinEntry = { timestamp, value, matched: false }
    let list = this.#entries.get(id)
    if (list === undefined) this.#entries.set(id, list = [])
    list.push(entry)
    this.#due.schedule(timestamp, id)
    this.#changed.add(id)
    return entry
  }

  /** Entries of `key` with from <= timestamp <= to, in arrival order. */
  *between(key: unknown, from: number, to: number): Generator<JoinEntry> {
    const list = this.#entries.get(this.#interner.intern(key))
    if (list === undefined) return
    for (const entry of list) if (entry.timestamp >= from && entry.timestamp <= to) yield entry
  }

  /** Marks `key` changed (an entry's matched flag moved). */
  touch(key: unknown): void {
    this.#changed.add(this.#interner.intern(key))
  }

  /** Drops entries with timestamp <= cutoff, calling `fn` for each before it goes. */
  expire(cutoff: number, fn: (key: unknown, entry: JoinEntry) => void): void {
    this.#due.drain(cutoff, (id) => {
      const list = this.#entries.get(id)
      if (list === undefined) return
      const kept: JoinEntry[] = []
      for (const entry of list) {
        if (entry.timestamp <= cutoff) fn(id, entry)
        else kept.push(entry)
      }
      if (kept.length === list.length) return
      if (kept.length === 0) this.#entries.delete(id)
      else this.#entries.set(id, kept)
      this.#changed.add(id)
    })
  }

  /** Buffered records over all keys. */
  get size(): number {
    let n = 0
    for (const list of this.#entries.values()) n += list.length
    return n
  }

  flush(): void {
    const { keySerde, valueSerde } = this.spec
    for (const id of this.#changed) {
      const list = this.#entries.get(id)
      const value = list === undefined ? null : v8.serialize(list.map((e) => [e.timestamp, valueSerde.serialize(e.value), e.matched]))
      this.#sink.append(keySerde.serialize(id), value)
    }
    this.#changed.clear()
  }

  restore(record: ChangelogRecord): void {
    const id = record.key.toString('latin1')
    if (record.value === null) this.#restored.delete(id)
    else this.#restored.set(id, Buffer.from(record.value))
  }

  finishRestore(): void {
    const { keySerde, valueSerde } = this.spec
    for (const [id, bytes] of this.#restored) {
      const key = this.#interner.intern(keySerde.deserialize(Buffer.from(id, 'latin1')))
      const triples = v8.deserialize(bytes) as Array<[number, Uint8Array, boolean]>
      const list = triples.map(([timestamp, value, matched]) => ({ timestamp, value: valueSerde.deserialize(Buffer.from(value)), matched }))
      this.#entries.set(key, list)
      for (const entry of list) this.#due.schedule(entry.timestamp, key)
    }
    this.#restored = new Map()
  }
}
