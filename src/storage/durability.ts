// What is on disk and what is not, for one log: which segments were written since their last
// fsync (and whether the directory gained a segment), the group-commit rounds that fsync them
// (group-commit.ts), and checkpoints — fsync, then index files, producer snapshot and the recovery
// checkpoint (recovery-checkpoint.ts). partition-log.ts tells it what it wrote; it tells the log
// when offsets became durable (the high watermark under flush 'always') and reports failures.
import type { Clock } from '../base/clock.ts'
import type { SluiceError } from '../base/errors.ts'
import type { Fs } from './fs.ts'
import { GroupCommit } from './group-commit.ts'
import type { LogConfig } from './log-config.ts'
import type { ProducerState } from './producer-state.ts'
import { recordCheckpoint } from './recovery-checkpoint.ts'
import type { Segment } from './segment.ts'
import type { SegmentSet } from './segment-set.ts'

/** What Durability needs from its log. */
export interface DurabilityHost {
  readonly fs: Fs
  readonly dir: string
  readonly clock: Clock
  readonly segments: SegmentSet
  readonly producers: ProducerState
  logEndOffset(): number
  logStartOffset(): number
  config(): LogConfig
  /** Every offset below `offset` is now durable. */
  durable(offset: number): void
  /** Takes the log offline; returns the error to throw. */
  fail(cause: unknown, action: string, path: string): SluiceError
}

/** fsync bookkeeping, group commit and checkpoints of one log. */
export class Durability {
  readonly #host: DurabilityHost
  readonly #commit: GroupCommit
  #unsynced = new Set<Segment>()
  #dirNeedsSync = false
  #lastCheckpoint: { offset: number; logStartOffset: number }

  /** Everything below `durableOffset` is on disk; `lastCheckpoint` is what the checkpoint file says. */
  constructor(host: DurabilityHost, durableOffset: number, lastCheckpoint: { offset: number; logStartOffset: number } | null) {
    this.#host = host
    this.#commit = new GroupCommit(durableOffset, () => this.#syncRound())
    this.#lastCheckpoint = lastCheckpoint ?? { offset: -1, logStartOffset: -1 }
  }

  /** fsync rounds so far. */
  get rounds(): number {
    return this.#commit.rounds
  }

  /** An append wrote to `segment`. */
  written(segment: Segment): void {
    this.#unsynced.add(segment)
  }

  /** A segment file was created: the directory needs an fsync before data in it is durable. */
  created(): void {
    this.#dirNeedsSync = true
  }

  /** Segments deleted by retention need no fsync. */
  forget(segments: readonly Segment[]): void {
    for (const segment of segments) this.#unsynced.delete(segment)
  }

  /** Resolves once every offset below `offset` is fsynced (one group-commit round covers many callers). */
  waitFor(offset: number): Promise<void> {
    return this.#commit.waitFor(offset)
  }

  /** Asks for an fsync round soon (flush 'interval'). */
  request(): void {
    this.#commit.request()
  }

  /** Fails every waiter now and later (the log went offline). */
  fail(error: SluiceError): void {
    this.#commit.fail(error)
  }

  /**
   * Makes everything appended so far durable, then records it: index files, a producer snapshot
   * and the recovery checkpoint; `clean` marks a clean shutdown. The caller runs checkpoints one at
   * a time. Resolves with the base offset of the segment holding the recovery point.
   */
  async checkpoint(clean: boolean): Promise<number> {
    const host = this.#host
    const active = host.segments.active
    const target = host.logEndOffset()
    const position = active.size
    const logStartOffset = host.logStartOffset()
    const last = this.#lastCheckpoint
    if (!clean && target === last.offset && logStartOffset === last.logStartOffset) return active.baseOffset
    host.producers.removeExpired(host.clock.now(), host.config().producerIdExpirationMs)
    const snapshot = host.producers.serialize(target) // taken now: it describes exactly the offsets below target
    await this.#commit.waitFor(target)
    try {
      await recordCheckpoint(host.fs, host.dir, host.segments.segments, snapshot, {
        recoveryPointOffset: target, segmentBaseOffset: active.baseOffset, position, logStartOffset, cleanShutdown: clean,
      })
    } catch (error) {
      throw host.fail(error, 'checkpointing', host.dir)
    }
    this.#lastCheckpoint = { offset: target, logStartOffset }
    return active.baseOffset
  }

  /** One group-commit round: fsync every segment written since the last round (and the directory after a roll). */
  async #syncRound(): Promise<number> {
    const host = this.#host
    const target = host.logEndOffset()
    if (this.#unsynced.size > 0 || this.#dirNeedsSync) {
      const segments = [...this.#unsynced]
      this.#unsynced.clear()
      const syncDir = this.#dirNeedsSync
      this.#dirNeedsSync = false
      const work = segments.map((s) => s.sync().catch((error: unknown) => { throw host.fail(error, 'fsyncing', s.logPath) }))
      if (syncDir) work.push(host.fs.fsyncDir(host.dir).catch((error: unknown) => { throw host.fail(error, 'fsyncing', host.dir) }))
      await Promise.all(work)
    }
    host.durable(target)
    return target
  }
}
