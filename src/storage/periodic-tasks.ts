// The background schedule of one log on its Clock: fsync (flush 'interval'), checkpoints,
// retention, compaction. A task is re-armed only after it settles, so a slow one never overlaps
// itself; a failing one is reported (the log goes offline), never thrown out of a timer.
import type { Clock, TimerHandle } from '../base/clock.ts'

/** Named repeating tasks on a Clock. */
export class PeriodicTasks {
  readonly #clock: Clock
  readonly #isActive: () => boolean
  readonly #onError: (error: unknown, name: string) => void
  #timers = new Map<string, TimerHandle>()

  /** Tasks run only while `isActive()`; failures go to `onError`. */
  constructor(clock: Clock, isActive: () => boolean, onError: (error: unknown, name: string) => void) {
    this.#clock = clock
    this.#isActive = isActive
    this.#onError = onError
  }

  /** Runs `task` every `intervalMs`, measured from the end of the previous run. */
  every(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    const arm = (): void => {
      const handle = this.#clock.setTimeout(() => {
        if (!this.#isActive()) return
        void task().catch((error: unknown) => this.#onError(error, name)).finally(() => {
          if (this.#timers.get(name) === handle) arm()
        })
      }, intervalMs)
      this.#timers.set(name, handle)
    }
    arm()
  }

  /** Stops every task (a run in progress finishes but is not re-armed). */
  cancelAll(): void {
    for (const timer of this.#timers.values()) timer.cancel()
    this.#timers.clear()
  }
}
