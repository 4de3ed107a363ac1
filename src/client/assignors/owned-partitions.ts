// What one group member owns, and how a rebalance changes it under each protocol: eager members
// give up everything before they join; cooperative members (KIP-429) keep what the new assignment
// keeps, revoke only what moved and then ask for one more rebalance; a member whose generation was
// reset has lost what it had. Listener calls (onAssigned / onRevoked / onLost) run one at a time
// in order, so a stop() that revokes waits for a rebalance's callback in progress. Used by
// ../group-membership.ts; the partition arithmetic is group-assignment.ts.
import type { TopicPartition } from '../types.ts'
import type { RebalanceProtocol } from './assignor.ts'
import { comparePartitions } from './assignor.ts'
import { diffAssignment } from './group-assignment.ts'

/** A rebalance listener; awaited before the rebalance goes on. */
export type PartitionsListener = (partitions: TopicPartition[]) => void | Promise<void>

/** The listeners a member's owner (the consumer) provides. */
export interface OwnershipListeners {
  onAssigned: PartitionsListener
  onRevoked: PartitionsListener
  /** Default: onRevoked. */
  onLost?: PartitionsListener
  /** Told about a listener that threw; the rebalance goes on, as in Kafka. */
  onError?: (error: unknown) => void
}

/** The partitions a member owns, changed only through listener calls in order. */
export class OwnedPartitions {
  readonly #protocol: RebalanceProtocol
  readonly #listeners: OwnershipListeners
  #owned: TopicPartition[] = []
  #callbacks: Promise<void> = Promise.resolve()

  constructor(protocol: RebalanceProtocol, listeners: OwnershipListeners) {
    this.#protocol = protocol
    this.#listeners = listeners
  }

  /** What the member owns now (what a cooperative member reports in its subscription). */
  get partitions(): TopicPartition[] {
    return [...this.#owned]
  }

  /**
   * Before a JoinGroup: with `isGenerationValid` false everything is lost; eager members revoke
   * everything; cooperative ones revoke only partitions that `isStillWanted` rejects.
   */
  beforeJoin(isGenerationValid: boolean, isStillWanted: (p: TopicPartition) => boolean): Promise<void> {
    return this.#serially(async () => {
      if (!isGenerationValid) return this.#give(this.#owned, this.#listeners.onLost ?? this.#listeners.onRevoked)
      if (this.#protocol === 'eager') return this.#give(this.#owned, this.#listeners.onRevoked)
      return this.#give(this.#owned.filter((p) => !isStillWanted(p)), this.#listeners.onRevoked)
    })
  }

  /** Takes a SyncGroup assignment; resolves true when partitions were revoked and a follow-up rebalance must hand them over. */
  apply(assigned: readonly TopicPartition[]): Promise<boolean> {
    let needsRejoin = false
    return this.#serially(async () => {
      if (this.#protocol === 'eager') {
        this.#owned = [...assigned]
        return this.#notify(this.#listeners.onAssigned, this.#owned)
      }
      const { revoked, added } = diffAssignment(this.#owned, assigned)
      if (revoked.length > 0) {
        await this.#give(revoked, this.#listeners.onRevoked)
        needsRejoin = true
      }
      this.#owned = [...this.#owned, ...added].sort(comparePartitions)
      await this.#notify(this.#listeners.onAssigned, added)
    }).then(() => needsRejoin)
  }

  /** Gives up everything: revoked while the generation is valid, else lost. */
  releaseAll(isGenerationValid: boolean): Promise<void> {
    return this.#serially(() => this.#give(this.#owned, isGenerationValid ? this.#listeners.onRevoked : this.#listeners.onLost ?? this.#listeners.onRevoked))
  }

  async #give(partitions: readonly TopicPartition[], listener: PartitionsListener): Promise<void> {
    if (partitions.length === 0) return
    const given = new Set(partitions)
    this.#owned = this.#owned.filter((p) => !given.has(p))
    await this.#notify(listener, [...partitions])
  }

  /** Runs `task` after every earlier listener call finished. */
  #serially(task: () => Promise<void>): Promise<void> {
    const run = this.#callbacks.then(task)
    // Listener errors are caught in #notify; this keeps the chain alive even after a bug.
    this.#callbacks = run.then(() => undefined, () => undefined)
    return run
  }

  async #notify(listener: PartitionsListener, partitions: TopicPartition[]): Promise<void> {
    try {
      await listener([...partitions])
    } catch (error) {
      this.#listeners.onError?.(error)
    }
  }
}
