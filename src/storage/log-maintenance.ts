// The maintenance of one log, run one job at a time (`exclusive`) while appends and reads go on:
// checkpoints, retention (retention.ts picks the segments), DeleteRecords and compaction
// (compaction.ts). Deleting segments goes: take them out of the live set, advance the log start
// offset, checkpoint (so a restart never resurrects the old start), then unlink the files.
import type { Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { compactLog, type CompactionResult } from './compaction.ts'
import type { Durability } from './durability.ts'
import type { Fs } from './fs.ts'
import type { LogConfig } from './log-config.ts'
import { segmentsBelowLogStart, segmentsToDelete } from './retention.ts'
import type { SegmentSet } from './segment-set.ts'

/** What LogMaintenance needs from its log. */
export interface MaintenanceHost {
  readonly fs: Fs
  readonly dir: string
  readonly clock: Clock
  readonly segments: SegmentSet
  readonly durability: Durability
  config(): LogConfig
  logStartOffset(): number
  setLogStartOffset(offset: number): void
  highWatermark(): number
  logEndOffset(): number
  /** Closes the active segment (if it holds records) and starts an empty one at the log end. */
  rollActive(): Promise<void>
  /** False once the log is closing or offline: jobs stop. */
  isActive(): boolean
  /** Takes the log offline; returns the error to throw. */
  fail(cause: unknown, action: string, path: string): SluiceError
}

/** Checkpoints, retention, DeleteRecords and compaction of one log, serialised. */
export class LogMaintenance {
  readonly #host: MaintenanceHost
  #chain: Promise<unknown> = Promise.resolve()
  #compactedActiveBase = -1
  #tombstonesPending = false
  #compactionError: SluiceError | null = null

  constructor(host: MaintenanceHost) {
    this.#host = host
  }

  /** Why compaction stopped for this log (a damaged closed segment), if it did. */
  get compactionError(): SluiceError | null {
    return this.#compactionError
  }

  /** True when a segment closed since the last compaction pass, or tombstones wait for their horizon. */
  get isCompactionDue(): boolean {
    return this.#tombstonesPending || this.#host.segments.active.baseOffset !== this.#compactedActiveBase
  }

  /** Runs `work` after every job queued before it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work)
    this.#chain = run.catch(() => {}) // the caller gets the error from `run`
    return run
  }

  /** A periodic (or final, `clean`) checkpoint. */
  checkpoint(clean: boolean): Promise<number> {
    return this.exclusive(() => this.#host.durability.checkpoint(clean))
  }

  /** Deletes the segments retention selects now; resolves with how many. */
  enforceRetention(): Promise<number> {
    return this.exclusive(async () => {
      const host = this.#host
      if (!host.isActive()) return 0
      const select = (withActive: boolean): number =>
        segmentsToDelete(host.segments.segments, host.config(), host.clock.now(), host.logStartOffset(), host.highWatermark(), withActive ? host.logEndOffset() : undefined)
      let count = select(true)
      if (count > 0 && count === host.segments.segments.length) {
        // Everything is expired, the active segment included: roll, then choose again among the
        // closed segments (an append may have arrived meanwhile and made the old one young again).
        await host.rollActive()
        count = select(false)
      }
      if (count > 0) await this.#deleteOldest(count)
      return count
    })
  }

  /** Makes an advanced log start offset durable and deletes the segments wholly below it. */
  deleteRecords(): Promise<void> {
    return this.exclusive(async () => {
      const host = this.#host
      await host.durability.checkpoint(false)
      const count = segmentsBelowLogStart(host.segments.segments, host.logStartOffset(), host.highWatermark())
      if (count > 0) await this.#deleteOldest(count)
    })
  }

  /** One compaction pass; null when the log is not active or compaction has stopped. */
  compact(): Promise<CompactionResult | null> {
    return this.exclusive(async () => {
      const host = this.#host
      if (!host.isActive() || this.#compactionError !== null) return null
      this.#compactedActiveBase = host.segments.active.baseOffset
      try {
        const result = await compactLog({
          fs: host.fs,
          dir: host.dir,
          config: host.config(),
          clock: host.clock,
          checkpoint: () => host.durability.checkpoint(false),
          segments: () => host.segments.segments,
          replace: (olds, replacement) => host.segments.replace(olds, replacement),
          isStopping: () => !host.isActive(),
        })
        this.#tombstonesPending = result.tombstonesRetained > 0
        return result
      } catch (error) {
        // Damage in a closed segment stops compaction for this log (Kafka marks it uncleanable);
        // a storage error takes the log offline.
        if (error instanceof SluiceError && error.code === 'CORRUPT_MESSAGE') {
          this.#compactionError = error
          return null
        }
        throw host.fail(error, 'compacting', host.dir)
      }
    })
  }

  async #deleteOldest(count: number): Promise<void> {
    const host = this.#host
    const removed = host.segments.removeOldest(count)
    host.durability.forget(removed)
    host.setLogStartOffset(Math.max(host.logStartOffset(), host.segments.first.baseOffset))
    await host.durability.checkpoint(false)
    try {
      for (const segment of removed) {
        segment.retire()
        await segment.settled() // an index write from the roll must not land after the unlink
        await segment.deleteFiles()
      }
      await host.fs.fsyncDir(host.dir)
    } catch (error) {
      throw host.fail(error, 'deleting old segments of', host.dir)
    }
  }
}
