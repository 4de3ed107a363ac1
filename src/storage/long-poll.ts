// Long polls on one log: fetches waiting for the high watermark to pass an offset. Each waiter
// costs one Clock timer and resolves exactly once — true when data arrived, false on timeout,
// abort, close or a storage error. No polling loop: the log calls `advance` when the high
// watermark moves.
import type { Clock } from '../base/clock.ts'

interface Waiter {
  offset: number
  finish: (appended: boolean) => void
}

/** The pending waitForAppend calls of one log. */
export class LongPolls {
  readonly #clock: Clock
  #waiters = new Set<Waiter>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Resolves true once `advance` passes `offset`, false after `timeoutMs`, on abort or on `wakeAll(false)`. */
  wait(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => waiter.finish(false)
      const waiter: Waiter = {
        offset,
        finish: (appended) => {
          if (!this.#waiters.delete(waiter)) return
          timer.cancel()
          signal?.removeEventListener('abort', onAbort)
          resolve(appended)
        },
      }
      const timer = this.#clock.setTimeout(() => waiter.finish(false), timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.add(waiter)
    })
  }

  /** The high watermark is now `highWatermark`: wake the waiters below it. */
  advance(highWatermark: number): void {
    if (this.#waiters.size === 0) return
    for (const waiter of this.#waiters) if (waiter.offset < highWatermark) waiter.finish(true)
  }

  /** Wakes every waiter with `appended`. */
  wakeAll(appended: boolean): void {
    for (const waiter of this.#waiters) waiter.finish(appended)
  }
}
