// The client's view of a Kafka-protocol cluster: the bootstrap list, the brokers and topics that
// Metadata reports (each partition's leader), the group coordinators that FindCoordinator names,
// and the connections to each broker. Requests are routed here; what they mean is for
// kafka-transport.ts (produce, fetch, offsets), kafka-groups.ts and kafka-admin.ts.
//
// Connections per broker: one shared "control" connection for short requests (metadata, produce,
// offsets, admin, heartbeats, commits); a pool of fetch connections, so a long-polling Fetch never
// holds up a produce or a commit and concurrent consumers do not queue behind each other's waits;
// and dedicated connections on request (a group member's JoinGroup/SyncGroup, which wait for the
// whole group). Kafka brokers read a connection's next request only after answering the last one,
// so anything that waits long gets a connection of its own.
//
// Metadata is cached per topic for metadataMaxAgeMs and refreshed when a caller reports it stale
// (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, a lost connection). Concurrent lookups of
// the same topics share one Metadata request.
import type { Clock } from '../../base/clock.ts'
import { SluiceError, isSluiceError } from '../../base/errors.ts'
import { ApiKey, type FindCoordinatorResponse, type MetadataResponse } from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import { BrokerConnection } from './connection.ts'
import { parseAddress, uuidOfWireId } from './wire-forms.ts'
import { networkError, wireError } from './wire-errors.ts'

/** Settings of a cluster connection (Kafka's client settings, camelCased). */
export interface ClusterOptions {
  /** Bootstrap brokers as 'host:port'. */
  brokers: readonly string[]
  clientId: string
  clock: Clock
  /** request.timeout.ms (default 30000). */
  requestTimeoutMs?: number
  /** socket.connection.setup.timeout.ms (default 10000). */
  connectTimeoutMs?: number
  /** metadata.max.age.ms (default 300000). */
  metadataMaxAgeMs?: number
  /** retry.backoff.ms (default 100). */
  retryBackoffMs?: number
}

/** A broker as Metadata lists it. */
export interface BrokerInfo {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** A partition as Metadata lists it. */
export interface PartitionInfo {
  partition: number
  /** -1 while there is no leader. */
  leaderId: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  errorCode: number
}

/** A topic as Metadata lists it; `errorCode` non-zero for an unknown or failed one. */
export interface TopicInfo {
  name: string
  /** The registry's UUID form ('3f2c…-…'), '' when the broker sends none. */
  topicId: string
  isInternal: boolean
  errorCode: number
  partitions: PartitionInfo[]
}

/** A fetch connection pool per broker is capped here; more concurrent fetches open and drop extras. */
const IDLE_FETCH_CONNECTIONS_MAX = 4

/** The cluster behind a bootstrap list. */
export class KafkaCluster {
  readonly clientId: string
  readonly clock: Clock
  readonly requestTimeoutMs: number
  readonly retryBackoffMs: number
  readonly #bootstrap: Array<{ host: string; port: number }>
  readonly #connectTimeoutMs: number
  readonly #metadataMaxAgeMs: number
  readonly #brokers = new Map<number, BrokerInfo>()
  readonly #control = new Map<number, Promise<BrokerConnection>>()
  readonly #idleFetch = new Map<number, BrokerConnection[]>()
  readonly #open = new Set<BrokerConnection>()
  readonly #topics = new Map<string, { info: TopicInfo; fetchedMs: number }>()
  readonly #coordinators = new Map<string, number>()
  /** Single-topic lookups in flight, shared by concurrent callers (keyed by name and create flag). */
  readonly #lookups = new Map<string, Promise<TopicInfo>>()
  /** A connection not tied to a known node id yet (the bootstrap broker). */
  #bootstrapConnection: Promise<BrokerConnection> | null = null
  #clusterId: string | null = null
  #controllerId = -1
  #closed = false

  private constructor(options: ClusterOptions) {
    this.clientId = options.clientId
    this.clock = options.clock
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.retryBackoffMs = options.retryBackoffMs ?? 100
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000
    this.#bootstrap = options.brokers.map(parseAddress)
  }

  /** Connects to the first reachable bootstrap broker and loads the broker list. */
  static async connect(options: ClusterOptions): Promise<KafkaCluster> {
    if (options.brokers.length === 0) throw new SluiceError('INVALID_ARGUMENT', 'Sluice.connect needs at least one broker (host:port)')
    const cluster = new KafkaCluster(options)
    try {
      await cluster.refreshMetadata([])
    } catch (error) {
      cluster.close()
      throw error
    }
    return cluster
  }

  /** The cluster id from the last Metadata answer (null if the broker sent none). */
  get clusterId(): string | null {
    return this.#clusterId
  }

  /** The controller's node id from the last Metadata answer (-1 when unknown). */
  get controllerId(): number {
    return this.#controllerId
  }

  /** The brokers from the last Metadata answer, by node id. */
  get brokers(): BrokerInfo[] {
    return [...this.#brokers.values()].sort((a, b) => a.nodeId - b.nodeId)
  }

  // ---- metadata ----

  /**
   * Asks Metadata about `topics` (null: all, []: none, only brokers) and updates the cache; `create`
   * lets the broker auto-create unknown ones (Metadata v4+).
   */
  async refreshMetadata(topics: readonly string[] | null, options: { create?: boolean } = {}): Promise<TopicInfo[]> {
    const { response } = await this.requestAny<MetadataResponse>(ApiKey.Metadata, (version) => ({
      topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
      // Before v4 every Metadata request may create topics: ask for none then unless told to.
      allowAutoTopicCreation: version >= 4 ? options.create === true : true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }))
    this.#clusterId = response.clusterId
    this.#controllerId = response.controllerId
    for (const b of response.brokers) this.#brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })
    const nowMs = this.clock.monotonic()
    const infos: TopicInfo[] = []
    for (const t of response.topics) {
      if (t.name === null) continue
      const info: TopicInfo = {
        name: t.name,
        topicId: t.topicId === ZERO_UUID || t.topicId === '' ? '' : uuidOfWireId(t.topicId),
        isInternal: t.isInternal,
        errorCode: t.errorCode,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode }))
          .sort((a, b) => a.partition - b.partition),
      }
      infos.push(info)
      if (info.errorCode === 0) this.#topics.set(info.name, { info, fetchedMs: nowMs })
      else this.#topics.delete(info.name)
    }
    if (topics === null) {
      // An "all topics" answer is complete: what it lacks no longer exists.
      const listed = new Set(infos.map((i) => i.name))
      for (const name of [...this.#topics.keys()]) if (!listed.has(name)) this.#topics.delete(name)
    }
    return infos
  }

  /** A topic's metadata: cached while fresh, else asked for (and, with `create`, auto-created). */
  async topic(name: string, options: { create?: boolean; refresh?: boolean } = {}): Promise<TopicInfo> {
    const cached = this.#topics.get(name)
    if (options.refresh !== true && cached !== undefined && this.clock.monotonic() - cached.fetchedMs < this.#metadataMaxAgeMs) return cached.info
    const key = `${options.create === true ? '+' : '-'}${name}`
    let lookup = this.#lookups.get(key)
    if (lookup === undefined) {
      lookup = this.refreshMetadata([name], options).then(([info]) => {
        if (info === undefined) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `the cluster did not describe topic '${name}'`)
        return info
      }).finally(() => this.#lookups.delete(key))
      this.#lookups.set(key, lookup)
    }
    return lookup
  }

  /** The partition count of a topic known to the cache (0 when unknown): for synchronous callers. */
  cachedPartitionCount(name: string): number {
    return this.#topics.get(name)?.info.partitions.length ?? 0
  }

  /** Marks a topic's metadata stale (all topics when none is named): the next lookup asks again. */
  invalidate(topic?: string): void {
    if (topic === undefined) {
      for (const entry of this.#topics.values()) entry.fetchedMs = -Infinity
    } else {
      const entry = this.#topics.get(topic)
      if (entry !== undefined) entry.fetchedMs = -Infinity
    }
  }

  /** The leader of a partition; refreshes once when the cache has none. */
  async leader(topic: string, partition: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const info = await this.topic(topic, { refresh: attempt > 0 })
      if (info.errorCode !== 0) throw wireError(info.errorCode, `topic '${topic}'`)
      const p = info.partitions[partition]
      if (p === undefined || p.partition !== partition) {
        if (attempt === 0) continue
        throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${partition} (it has ${info.partitions.length})`)
      }
      if (p.leaderId >= 0 && this.#brokers.has(p.leaderId)) return p.leaderId
      if (attempt >= 2) throw wireError(5, `${topic}/${partition}`)
      await this.sleep(this.retryBackoffMs)
    }
  }

  // ---- group coordinators ----

  /** The node coordinating `groupId` (FindCoordinator), cached until forgotten. */
  async coordinator(groupId: string): Promise<number> {
    const known = this.#coordinators.get(groupId)
    if (known !== undefined && this.#brokers.has(known)) return known
    const { version, response } = await this.requestAny<FindCoordinatorResponse>(ApiKey.FindCoordinator, (v) => ({
      key: v <= 3 ? groupId : '', keyType: 0, coordinatorKeys: v >= 4 ? [groupId] : [],
    }))
    const found = version >= 4 ? response.coordinators[0] : response
    if (found === undefined) throw new SluiceError('COORDINATOR_NOT_AVAILABLE', `FindCoordinator named no coordinator for group '${groupId}'`)
    if (found.errorCode !== 0) throw wireError(found.errorCode, `finding the coordinator of group '${groupId}'`, found.errorMessage)
    if (!this.#brokers.has(found.nodeId)) this.#brokers.set(found.nodeId, { nodeId: found.nodeId, host: found.host, port: found.port, rack: null })
    this.#coordinators.set(groupId, found.nodeId)
    return found.nodeId
  }

  /** Forgets a group's coordinator (after NOT_COORDINATOR or a lost connection). */
  forgetCoordinator(groupId: string): void {
    this.#coordinators.delete(groupId)
  }

  // ---- requests ----

  /** Sends a request on the control connection to `nodeId`. */
  async request<Response>(nodeId: number, apiKey: number, body: (version: number) => unknown, options: { timeoutMs?: number } = {}): Promise<{ version: number; response: Response }> {
    const connection = await this.connection(nodeId)
    return this.#tracked(connection.request<Response>(apiKey, body, options))
  }

  /** Sends a request to any reachable broker (the bootstrap list when none is known yet). */
  async requestAny<Response>(apiKey: number, body: (version: number) => unknown, options: { timeoutMs?: number } = {}): Promise<{ version: number; response: Response }> {
    const connection = await this.anyConnection()
    return this.#tracked(connection.request<Response>(apiKey, body, options))
  }

  /** A lost connection makes every cached route suspect. */
  async #tracked<T>(answer: Promise<T>): Promise<T> {
    try {
      return await answer
    } catch (error) {
      if (isSluiceError(error) && (error.code as string) === 'NETWORK_EXCEPTION') {
        this.invalidate()
        this.#coordinators.clear()
      }
      throw error
    }
  }

  /** The control connection to a broker, opened (or reopened) on demand. */
  connection(nodeId: number): Promise<BrokerConnection> {
    this.#checkOpen()
    const existing = this.#control.get(nodeId)
    if (existing !== undefined) return existing
    const opening = this.#openTo(nodeId)
    this.#control.set(nodeId, opening)
    opening.then(
      (c) => c.onClose(() => { if (this.#control.get(nodeId) === opening) this.#control.delete(nodeId) }),
      () => { if (this.#control.get(nodeId) === opening) this.#control.delete(nodeId) },
    )
    return opening
  }

  /** A connection to whichever broker answers: an open one first, then known brokers, then the bootstrap list. */
  async anyConnection(): Promise<BrokerConnection> {
    this.#checkOpen()
    for (const opening of this.#control.values()) {
      const c = await opening.catch(() => null)
      if (c !== null && !c.isClosed) return c
    }
    const failures: string[] = []
    for (const broker of this.brokers) {
      try {
        return await this.connection(broker.nodeId)
      } catch (error) {
        failures.push((error as Error).message)
      }
    }
    const bootstrap = await this.#bootstrapConnection?.catch(() => null)
    if (bootstrap != null && !bootstrap.isClosed) return bootstrap
    for (const address of this.#bootstrap) {
      const opening = this.#openAddress(address.host, address.port)
      this.#bootstrapConnection = opening
      try {
        return await opening
      } catch (error) {
        failures.push((error as Error).message)
      }
    }
    throw networkError(`no broker of ${this.#bootstrap.map((a) => `${a.host}:${a.port}`).join(', ')} can be reached (${failures.join('; ')})`)
  }

  /** Runs `fn` on a fetch connection of `nodeId` (pooled; a long poll holds only its own). */
  async withFetchConnection<T>(nodeId: number, fn: (connection: BrokerConnection) => Promise<T>): Promise<T> {
    this.#checkOpen()
    const idle = this.#idleFetch.get(nodeId) ?? []
    let connection: BrokerConnection | undefined
    while (connection === undefined && idle.length > 0) {
      const c = idle.pop()!
      if (!c.isClosed) connection = c
    }
    connection ??= await this.#openTo(nodeId)
    try {
      return await this.#tracked(fn(connection))
    } finally {
      if (connection.isClosed) {
        // Failed or timed out: nothing to return to the pool.
      } else if (this.#closed || idle.length >= IDLE_FETCH_CONNECTIONS_MAX) {
        this.#drop(connection)
      } else {
        idle.push(connection)
        this.#idleFetch.set(nodeId, idle)
      }
    }
  }

  /** A new connection to `nodeId` that the caller owns and closes (see closeDedicated). */
  openDedicated(nodeId: number): Promise<BrokerConnection> {
    this.#checkOpen()
    return this.#openTo(nodeId)
  }

  /** Closes a connection from openDedicated. */
  closeDedicated(connection: BrokerConnection): void {
    this.#drop(connection)
  }

  /** Waits on the clock (retry backoff). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms, { keepAlive: true }))
  }

  /** Closes every connection; requests in flight fail with CLOSED. Idempotent. */
  close(): void {
    this.#closed = true
    for (const c of [...this.#open]) this.#drop(c)
    this.#control.clear()
    this.#idleFetch.clear()
  }

  #checkOpen(): void {
    if (this.#closed) throw new SluiceError('CLOSED', 'this Sluice instance is closed')
  }

  async #openTo(nodeId: number): Promise<BrokerConnection> {
    const broker = this.#brokers.get(nodeId)
    if (broker === undefined) {
      this.invalidate()
      throw new SluiceError('UNKNOWN_SERVER_ERROR', `broker ${nodeId} is not in the cluster's metadata`, { retriable: true })
    }
    return this.#openAddress(broker.host, broker.port)
  }

  async #openAddress(host: string, port: number): Promise<BrokerConnection> {
    const connection = await BrokerConnection.open({
      host, port, clientId: this.clientId, clock: this.clock, connectTimeoutMs: this.#connectTimeoutMs, requestTimeoutMs: this.requestTimeoutMs,
    })
    if (this.#closed) {
      connection.close()
      throw new SluiceError('CLOSED', 'this Sluice instance is closed')
    }
    this.#open.add(connection)
    connection.onClose(() => this.#open.delete(connection))
    return connection
  }

  #drop(connection: BrokerConnection): void {
    this.#open.delete(connection)
    connection.close()
  }
}
