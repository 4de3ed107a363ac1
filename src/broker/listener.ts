// The broker's TCP listener: `startBroker` serves a Coordinator to Kafka clients on host:port and
// returns the bound port and a `close`. It owns the set of connections (connection.ts) and the
// connection limit; the coordinator stays the caller's (close the broker first, then it). main.ts,
// through the CLI's `start`, and `sluice.listen` are its callers.
//
// Shutdown: `close` stops accepting, destroys every connection (aborting their long-polls; requests
// still running finish against the coordinator but their answers are dropped) and resolves when the
// server has closed.
import { createServer, type Server, type Socket } from 'node:net'
import { systemClock, type Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { OFFSETS_TOPIC, type Coordinator } from '../coordinator/coordinator.ts'
import { FetchSessionCache } from './fetch-sessions.ts'
import { Connection, type ConnectionLimits } from './connection.ts'
import { Dispatcher } from './dispatch.ts'
import type { ApiHandler, BrokerInfo } from './handler.ts'
import { handlers as defaultHandlers } from './handlers/index.ts'
import { wireTopicId } from './topic-ids.ts'

/** Kafka's socket.request.max.bytes default: 100 MiB. */
export const MAX_REQUEST_BYTES_DEFAULT = 100 * 1024 * 1024
/** Unanswered requests per connection before reading pauses (librdkafka pipelines many Produce requests). */
export const MAX_IN_FLIGHT_REQUESTS_DEFAULT = 64
/** Connections accepted at once; more are closed on arrival. */
export const MAX_CONNECTIONS_DEFAULT = 10_000
/** Time allowed from a request frame's first byte to its last. */
export const FRAME_DEADLINE_MS_DEFAULT = 30_000
/** Unanswered Fetch requests per connection before reading pauses (clients keep one in flight per broker). */
export const MAX_IN_FLIGHT_FETCHES_DEFAULT = 1

/** Options of startBroker. */
export interface BrokerOptions {
  coordinator: Coordinator
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
  /** Port to listen on (default 9092; 0 picks a free one). */
  port?: number
  /** Host clients are told to connect to (default: `host`, or 127.0.0.1 when that is a wildcard). */
  advertisedHost?: string
  /** Port clients are told to connect to (default: the bound port). */
  advertisedPort?: number
  /** This broker's node id (default 0). */
  nodeId?: number
  /** Cluster id; by default derived from the data dir's `__consumer_offsets` topic id, so it is stable across restarts. */
  clusterId?: string
  /** Create unknown topics on Metadata requests that allow it (default true, as Kafka). */
  autoCreateTopics?: boolean
  clock?: Clock
  maxConnections?: number
  maxRequestBytes?: number
  maxInFlightRequests?: number
  frameDeadlineMs?: number
  maxInFlightFetches?: number
  /** The handler table (default handlers/index.ts). */
  handlers?: readonly ApiHandler[]
  /** Closed connections and failed handlers, one line each (default: ignored). */
  onWarning?: (message: string) => void
}

/** A running broker. */
export interface Broker {
  /** The address bound. */
  host: string
  port: number
  /** Connections open now. */
  readonly connectionCount: number
  /** Stops listening and closes every connection; idempotent. */
  close(): Promise<void>
}

/** Starts serving `coordinator` over Kafka's protocol; resolves once listening. */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const host = options.host ?? '127.0.0.1'
  const clock = options.clock ?? systemClock
  const onWarning = options.onWarning ?? (() => {})
  const maxConnections = options.maxConnections ?? MAX_CONNECTIONS_DEFAULT
  const limits: ConnectionLimits = {
    maxRequestBytes: options.maxRequestBytes ?? MAX_REQUEST_BYTES_DEFAULT,
    maxInFlightRequests: options.maxInFlightRequests ?? MAX_IN_FLIGHT_REQUESTS_DEFAULT,
    frameDeadlineMs: options.frameDeadlineMs ?? FRAME_DEADLINE_MS_DEFAULT,
    maxInFlightFetches: options.maxInFlightFetches ?? MAX_IN_FLIGHT_FETCHES_DEFAULT,
  }
  const dispatcher = new Dispatcher(options.handlers ?? defaultHandlers)
  const connections = new Set<Connection>()
  const fetchSessions = new FetchSessionCache({ clock })
  const broker: BrokerInfo = {
    nodeId: options.nodeId ?? 0,
    advertisedHost: options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    advertisedPort: 0,
    clusterId: options.clusterId ?? wireTopicId(options.coordinator.topics.topicId(OFFSETS_TOPIC)),
    autoCreateTopics: options.autoCreateTopics ?? true,
  }
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    if (connections.size >= maxConnections) {
      onWarning(`refusing a connection from ${socket.remoteAddress ?? 'unknown'}: ${maxConnections} connections are open`)
      socket.on('error', () => {})
      socket.destroy()
      return
    }
    connections.add(new Connection({
      socket, dispatcher, coordinator: options.coordinator, clock, broker, fetchSessions, limits, onWarning,
      onClose: (connection) => connections.delete(connection),
    }))
  })
  const port = await listen(server, host, options.port ?? 9092)
  // After listening, a server error (EMFILE on accept, …) is reported, never thrown into the event loop.
  server.on('error', (error) => onWarning(`listener ${host}:${port}: ${error.message}`))
  broker.advertisedPort = options.advertisedPort ?? port
  let closing: Promise<void> | null = null
  return {
    host,
    port,
    get connectionCount() {
      return connections.size
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const connection of [...connections]) connection.close()
      })
      return closing
    },
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new SluiceError('INVALID_ARGUMENT', `cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error }))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}
