// Time, injected. Core code asks a Clock for the time and for timers so tests can drive it with a
// ManualClock (src/testing/manual-clock.ts) and never sleep. SystemClock is the real one.

/** A cancellable timer handle returned by Clock.setTimeout. */
export interface TimerHandle {
  cancel(): void
}

/** The source of wall-clock time and timers for everything in Sluice. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Monotonic milliseconds, for measuring intervals. */
  monotonic(): number
  /**
   * Runs `fn` after `delayMs`. The timer does not keep the process alive unless `keepAlive` is
   * set: background work (heartbeats, checkpoints, retention) must not stop a process from
   * exiting, but a consumer waiting for records must, as an open socket would.
   */
  setTimeout(fn: () => void, delayMs: number, options?: { keepAlive?: boolean }): TimerHandle
}

/** The real clock: Date.now, performance.now and unref'd Node timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now()
  }

  monotonic(): number {
    return performance.now()
  }

  setTimeout(fn: () => void, delayMs: number, options?: { keepAlive?: boolean }): TimerHandle {
    const timer = setTimeout(fn, delayMs)
    if (options?.keepAlive !== true) timer.unref()
    return { cancel: () => clearTimeout(timer) }
  }
}

/** The process-wide default clock. */
export const systemClock: Clock = new SystemClock()
