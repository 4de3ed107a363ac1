// The front door: `Sluice.open({ dataDir })` opens an embedded log (locking the data dir);
// `Sluice.connect({ brokers })` reaches a Kafka-protocol cluster over the network. Either way it
// hands out producers, consumers and the admin API, over the embedded transport (the coordinator
// in-process) or the kafka transport (kafka/). `close()` closes every client it handed out, then
// the coordinator or the connections, so a process can shut down cleanly in one call.
import { systemClock, type Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { Coordinator, type CoordinatorEvent, type CoordinatorOptions } from '../coordinator/coordinator.ts'
import { Admin } from './admin.ts'
import { partitionKey, type Assignor } from './assignors/assignor.ts'
import { cooperativeStickyAssignor } from './assignors/cooperative-sticky.ts'
import { rangeAssignor } from './assignors/range.ts'
import { roundRobinAssignor } from './assignors/round-robin.ts'
import { Consumer, type MembershipFactory } from './consumer.ts'
import { EmbeddedAdminOps } from './embedded-admin.ts'
import { EmbeddedTransport } from './embedded-transport.ts'
import { GroupMembership } from './group-membership.ts'
import { KafkaCluster } from './kafka/cluster.ts'
import { KafkaAdminOps } from './kafka/kafka-admin.ts'
import { KafkaGroups } from './kafka/kafka-groups.ts'
import { KafkaTransport } from './kafka/kafka-transport.ts'
import { DefaultPartitioner } from './partitioner.ts'
import { Producer } from './producer.ts'
import type { AdminOps, GroupOps, Transport } from './transport.ts'
import type { ConnectOptions, ConsumerOptions, OpenOptions, ProducerOptions, TransactionalProducerOptions } from './types.ts'
import { TransactionalProducer } from './transactional-producer.ts'

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

/** Options of Sluice.connect beyond the public ones: an injected clock for tests. */
export interface SluiceConnectOptions extends ConnectOptions {
  clock?: Clock
}

/** Options of `sluice.listen`: where Kafka clients reach the embedded log. */
export interface ListenOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
  /** Port (default 9092; 0 picks a free one, read it back from the result). */
  port?: number
  /** Host clients are told to connect to (default: host). */
  advertisedHost?: string
  /** Closed connections and failed requests, one line each (default: ignored). */
  onWarning?: (message: string) => void
}

/** A running Kafka-protocol listener. */
export interface Listener {
  host: string
  port: number
  close(): Promise<void>
}

/**
 * Serves a coordinator over Kafka's wire protocol. The client layer may not import the broker
 * (DESIGN.md's arrows point down), so the package entry (src/index.ts) registers the broker's
 * startBroker here; `sluice.listen` calls whatever is registered.
 */
export type LogServer = (coordinator: Coordinator, options: ListenOptions) => Promise<Listener>

let logServer: LogServer | null = null

/** Registers how `sluice.listen` serves the log (done once by src/index.ts). */
export function registerLogServer(server: LogServer): void {
  logServer = server
}

/** Where a Sluice's log lives: what differs between Sluice.open and Sluice.connect. */
interface Backend {
  transport: Transport
  admin: AdminOps
  /** The group coordinator calls of one new group member; `close` when the member stops. */
  member(): { groups: GroupOps; close(): void }
  /** Partition counts for a group leader's assignment (synchronous: cached metadata remotely). */
  partitionCounts(topic: string): number
  /** Brings partitionCounts up to date before a rebalance (remote metadata only). */
  refreshPartitionCounts?: (topics: readonly string[]) => Promise<void>
  close(): Promise<void>
}

/**
 * An open Sluice: the embedded log of one data dir, or a connection to a Kafka-protocol cluster,
 * and the clients that use it.
 * @example
 * const sluice = await Sluice.open({ dataDir: './data' })   // or Sluice.connect({ brokers: ['kafka-1:9092'] })
 * await sluice.producer().send('events', [{ value: 'hello' }])
 * await sluice.close()
 */
export class Sluice {
  /** Topics, offsets, groups and the cluster. */
  readonly admin: Admin
  readonly #coordinator: Coordinator | null
  readonly #backend: Backend
  readonly #clock: Clock
  readonly #partitioner = new DefaultPartitioner()
  readonly #clients = new Set<Producer | TransactionalProducer | Consumer>()
  readonly #listeners = new Set<Listener>()
  #closed = false

  private constructor(coordinator: Coordinator | null, backend: Backend, clock: Clock) {
    this.#coordinator = coordinator
    this.#backend = backend
    this.#clock = clock
    this.admin = new Admin(backend.admin, backend.transport)
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
    return new Sluice(coordinator, {
      transport,
      admin: new EmbeddedAdminOps(coordinator),
      // The in-process GroupCoordinator is GroupOps as it is; there is nothing per member to close.
      member: () => ({ groups: coordinator.groups, close: () => undefined }),
      partitionCounts: (topic) => (coordinator.topics.has(topic) ? coordinator.topics.partitionCount(topic) : 0),
      close: () => coordinator.close(),
    }, clock)
  }

  /**
   * Connects to a Kafka-protocol cluster (the Sluice broker, Apache Kafka, Redpanda) through its
   * bootstrap brokers; fails with a NETWORK_EXCEPTION SluiceError when none can be reached.
   * @example
   * const sluice = await Sluice.connect({ brokers: ['localhost:9092'], clientId: 'billing' })
   */
  static async connect(options: SluiceConnectOptions): Promise<Sluice> {
    const clock = options.clock ?? systemClock
    const cluster = await KafkaCluster.connect({
      brokers: options.brokers,
      clientId: options.clientId ?? 'sluice',
      clock,
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.metadataMaxAgeMs !== undefined && { metadataMaxAgeMs: options.metadataMaxAgeMs }),
    })
    const transport = new KafkaTransport(cluster, { autoCreateTopics: options.autoCreateTopics ?? true })
    const groups = new KafkaGroups(cluster)
    return new Sluice(null, {
      transport,
      admin: new KafkaAdminOps(cluster, transport, groups),
      member: () => {
        const member = groups.member()
        return { groups: member, close: () => member.close() }
      },
      partitionCounts: (topic) => cluster.cachedPartitionCount(topic),
      refreshPartitionCounts: async (topics) => { await cluster.refreshMetadata(topics) },
      close: async () => cluster.close(),
    }, clock)
  }

  /** True for a Sluice from Sluice.connect (a remote cluster), false for an embedded one. */
  get isConnected(): boolean {
    return this.#coordinator === null
  }

  /**
   * The coordinator behind an embedded instance (for the broker and the CLI's status view). A
   * connected instance has none: its log lives in the cluster.
   */
  get coordinator(): Coordinator {
    if (this.#coordinator === null) {
      throw new SluiceError('INVALID_ARGUMENT', 'this Sluice is connected to a Kafka cluster (Sluice.connect): only an embedded one (Sluice.open) has a coordinator')
    }
    return this.#coordinator
  }

  /**
   * Also serves this embedded log to Kafka clients (KafkaJS, librdkafka/kcat, Java…) on a TCP port;
   * `close()` stops the listener too.
   * @example
   * const { port } = await sluice.listen({ port: 9092 })   // kcat -b 127.0.0.1:9092 -L
   */
  async listen(options: ListenOptions = {}): Promise<Listener> {
    this.#checkOpen()
    const coordinator = this.coordinator
    if (logServer === null) {
      throw new SluiceError('INVALID_ARGUMENT', "no Kafka listener is registered: import Sluice from the package entry ('sluice'), which wires the broker")
    }
    const listener = await logServer(coordinator, options)
    this.#listeners.add(listener)
    return {
      host: listener.host,
      port: listener.port,
      close: async () => {
        this.#listeners.delete(listener)
        await listener.close()
      },
    }
  }

  /**
   * A new producer; see ProducerOptions for batching, acks, compression and idempotence. With a
   * `transactionalId`, a TransactionalProducer (begin / send / sendOffsets / commit, embedded only).
   * @example
   * const txn = sluice.producer({ transactionalId: 'task-0' })
   */
  producer(options: TransactionalProducerOptions): TransactionalProducer
  producer(options?: ProducerOptions): Producer
  producer(options: ProducerOptions | TransactionalProducerOptions = {}): Producer | TransactionalProducer {
    this.#checkOpen()
    if ('transactionalId' in options && options.transactionalId !== undefined) {
      const transactional = new TransactionalProducer(this.#backend.transport, this.#partitioner, this.#clock, options)
      this.#clients.add(transactional)
      return transactional
    }
    const producer = new Producer(this.#backend.transport, this.#partitioner, this.#clock, options)
    this.#clients.add(producer)
    return producer
  }

  /** A new consumer; give it a `group` to subscribe with rebalancing and commits. */
  consumer(options: ConsumerOptions = {}): Consumer {
    this.#checkOpen()
    const consumer = new Consumer(this.#backend.transport, this.#membershipFactory(options), this.#clock, options)
    this.#clients.add(consumer)
    return consumer
  }

  /** Closes every producer (flushing) and consumer (committing), then the log or the connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    // Listeners first: no Kafka client should reach a log that is closing.
    const stopped = await Promise.allSettled([...this.#listeners].map((listener) => listener.close()))
    const results = [...stopped, ...(await Promise.allSettled([...this.#clients].map((client) => client.close())))]
    await this.#backend.close()
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
    const backend = this.#backend
    return (topics, callbacks) => {
      const member = backend.member()
      const membership = new GroupMembership({
        groups: member.groups,
        groupId,
        topics,
        assignors,
        clock: this.#clock,
        partitionCounts: backend.partitionCounts,
        ...(backend.refreshPartitionCounts !== undefined && { refreshPartitionCounts: () => backend.refreshPartitionCounts!(topics) }),
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
          for (const topic of topics) await backend.transport.partitionCount(topic, { create: true })
          await membership.start()
        },
        stop: async () => {
          try {
            await membership.stop()
          } finally {
            member.close()
          }
        },
        commit: async (offsets) => {
          const results = await membership.commit(offsets)
          const failed = results.find((r) => r.errorCode !== undefined)
          if (failed !== undefined) {
            throw new SluiceError(failed.errorCode!, `commit for group '${groupId}' failed on ${failed.topic}/${failed.partition}: ${failed.errorCode}`)
          }
        },
        groupMetadata: () => ({ groupId, memberId: membership.memberId, generationId: membership.generationId, groupInstanceId: null }),
        committed: async (partitions) => {
          const fetched = await membership.committed(partitions)
          return new Map(fetched.filter((o) => o.offset >= 0).map((o) => [partitionKey(o.topic, o.partition), o.offset]))
        },
      }
    }
  }
}
