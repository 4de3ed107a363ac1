// The front door: `Sluice.open({ dataDir })` opens an embedded log (locking the data dir) and hands
// out producers, consumers and the admin API over the embedded transport. `close()` closes every
// client it handed out, then the coordinator, so a process can shut down cleanly in one call.
import { systemClock, type Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { Coordinator, type CoordinatorEvent, type CoordinatorOptions } from '../coordinator/coordinator.ts'
import { Admin } from './admin.ts'
import { partitionKey, type Assignor } from './assignors/assignor.ts'
import { cooperativeStickyAssignor } from './assignors/cooperative-sticky.ts'
import { rangeAssignor } from './assignors/range.ts'
import { roundRobinAssignor } from './assignors/round-robin.ts'
import { Consumer, type MembershipFactory } from './consumer.ts'
import { EmbeddedTransport } from './embedded-transport.ts'
import { GroupMembership } from './group-membership.ts'
import { DefaultPartitioner } from './partitioner.ts'
import { Producer } from './producer.ts'
import type { ConsumerOptions, OpenOptions, ProducerOptions } from './types.ts'

const ASSIGNORS: Record<string, Assignor> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
}

/** What recovery found and did when a partition log opened (storage's report, via the coordinator's events). */
export type RecoveryReport = Extract<CoordinatorEvent, { type: 'partition-opened' }>['recovery']

/** Options of Sluice.open beyond the public ones: injected clock and coordinator settings for tests. */
export interface SluiceOpenOptions extends OpenOptions {
  clock?: Clock
  coordinator?: Partial<CoordinatorOptions>
}

/**
 * An open Sluice: the embedded log of one data dir and the clients that use it.
 * @example
 * const sluice = await Sluice.open({ dataDir: './data' })
 * await sluice.producer().send('events', [{ value: 'hello' }])
 * await sluice.close()
 */
export class Sluice {
  /** Topics, offsets and groups. */
  readonly admin: Admin
  readonly #coordinator: Coordinator
  readonly #transport: EmbeddedTransport
  readonly #clock: Clock
  readonly #partitioner = new DefaultPartitioner()
  readonly #clients = new Set<Producer | Consumer>()
  #closed = false

  private constructor(coordinator: Coordinator, transport: EmbeddedTransport, clock: Clock) {
    this.#coordinator = coordinator
    this.#transport = transport
    this.#clock = clock
    this.admin = new Admin(coordinator, transport)
  }

  /** Opens (creating if needed) and locks a data dir; recovers its logs after a crash. */
  static async open(options: SluiceOpenOptions = {}): Promise<Sluice> {
    const clock = options.clock ?? systemClock
    const coordinator = await Coordinator.open({
      ...options.coordinator,
      dataDir: options.dataDir ?? './sluice-data',
      clock,
    })
    const transport = new EmbeddedTransport(coordinator, {
      autoCreateTopics: options.autoCreateTopics ?? true,
      defaultPartitions: options.defaultPartitions ?? 1,
    })
    return new Sluice(coordinator, transport, clock)
  }

  /** The coordinator behind this instance (for the broker and the CLI's status view). */
  get coordinator(): Coordinator {
    return this.#coordinator
  }

  /** A new producer; see ProducerOptions for batching, acks, compression and idempotence. */
  producer(options: ProducerOptions = {}): Producer {
    this.#checkOpen()
    const producer = new Producer(this.#transport, this.#partitioner, this.#clock, options)
    this.#clients.add(producer)
    return producer
  }

  /** A new consumer; give it a `group` to subscribe with rebalancing and commits. */
  consumer(options: ConsumerOptions = {}): Consumer {
    this.#checkOpen()
    const consumer = new Consumer(this.#transport, this.#membershipFactory(options), this.#clock, options)
    this.#clients.add(consumer)
    return consumer
  }

  /** Closes every producer (flushing) and consumer (committing), then the log. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const results = await Promise.allSettled([...this.#clients].map((client) => client.close()))
    await this.#coordinator.close()
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure !== undefined) throw failure.reason
  }

  #checkOpen(): void {
    if (this.#closed) throw new SluiceError('CLOSED', 'this Sluice instance is closed')
  }

  #membershipFactory(options: ConsumerOptions): MembershipFactory | undefined {
    const groupId = options.group
    if (groupId === undefined) return undefined
    const assignors = (options.assignors ?? ['range', 'cooperative-sticky']).map((name) => {
      const assignor = ASSIGNORS[name]
      if (assignor === undefined) throw new SluiceError('INVALID_ARGUMENT', `unknown assignor '${name}' (range, roundrobin, cooperative-sticky)`)
      return assignor
    })
    const coordinator = this.#coordinator
    return (topics, callbacks) => {
      const membership = new GroupMembership({
        groups: coordinator.groups,
        groupId,
        topics,
        assignors,
        clock: this.#clock,
        partitionCounts: (topic) => (coordinator.topics.has(topic) ? coordinator.topics.partitionCount(topic) : 0),
        onAssigned: callbacks.onAssigned,
        onRevoked: callbacks.onRevoked,
        onLost: callbacks.onLost,
        onError: callbacks.onError,
        ...(options.sessionTimeoutMs !== undefined && { sessionTimeoutMs: options.sessionTimeoutMs }),
        ...(options.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: options.heartbeatIntervalMs }),
        ...(options.rebalanceTimeoutMs !== undefined && { rebalanceTimeoutMs: options.rebalanceTimeoutMs }),
      })
      return {
        start: async () => {
          // Subscribing to a topic that does not exist yet creates it (auto-create), as Kafka does.
          for (const topic of topics) await this.#transport.partitionCount(topic, { create: true })
          await membership.start()
        },
        stop: () => membership.stop(),
        commit: async (offsets) => {
          const results = await membership.commit(offsets)
          const failed = results.find((r) => r.errorCode !== undefined)
          if (failed !== undefined) {
            throw new SluiceError(failed.errorCode!, `commit for group '${groupId}' failed on ${failed.topic}/${failed.partition}: ${failed.errorCode}`)
          }
        },
        committed: async (partitions) => {
          const fetched = coordinator.groups.fetchOffsets(groupId, partitions)
          return new Map(fetched.offsets.filter((o) => o.offset >= 0).map((o) => [partitionKey(o.topic, o.partition), o.offset]))
        },
      }
    }
  }
}
