// A Clock that only moves when a test says so: `advance(ms)` fires due timers in time order, so
// session timeouts, linger and retention run deterministically with no sleeping.
import type { Clock, TimerHandle } from '../base/clock.ts'

interface Timer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

/** A deterministic Clock for tests: time stands still until advance() or set(). */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  #timers: Timer[] = []

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  monotonic(): number {
    return this.#now
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn, cancelled: false }
    this.#timers.push(timer)
    return { cancel: () => { timer.cancelled = true } }
  }

  /** Moves time forward by `ms`, running each timer that falls due, in order. */
  advance(ms: number): void {
    this.set(this.#now + ms)
  }

  /** Moves time to `targetMs` (never backwards), running due timers in order. */
  set(targetMs: number): void {
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled)
      let next: Timer | undefined
      for (const t of this.#timers) {
        if (t.at <= targetMs && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (next === undefined) break
      this.#now = Math.max(this.#now, next.at)
      next.cancelled = true
      next.fn()
    }
    this.#now = Math.max(this.#now, targetMs)
  }

  /** Number of timers still pending. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length
  }
}
