// The contract between the broker's connection layer and its API handlers. A handler serves one
// Kafka API key (handlers/NN-name.ts, opening with the versions it serves and what each added): it
// receives the decoded request body (generated codecs in protocol/messages/) and returns the
// response body; Kafka outcomes are error codes inside that body, never exceptions. The connection
// layer frames, decodes, dispatches (dispatch.ts, by API key), encodes and answers in order.
import type { FetchSessionCache } from './fetch-sessions.ts'
import type { Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import type { Coordinator } from '../coordinator/coordinator.ts'
import { errorCodeOf } from '../protocol/error-codes.ts'

/** Broker settings the handlers need (listener address, ids, limits). */
export interface BrokerInfo {
  /** This broker's node id in Metadata / FindCoordinator / DescribeCluster answers. */
  nodeId: number
  /** The host and port clients are told to connect to (advertised listener). */
  advertisedHost: string
  advertisedPort: number
  /** Stable cluster id (a 22-character base64url UUID, as Kafka's). */
  clusterId: string
  /** Create unknown topics on Metadata requests that allow it (Kafka's auto.create.topics.enable). */
  autoCreateTopics: boolean
}

/** What one request's handler may use: the coordinator, the clock, and who is asking. */
export interface RequestContext {
  coordinator: Coordinator
  clock: Clock
  broker: BrokerInfo
  /** The client id from the request header (null when the client sent none). */
  clientId: string | null
  /** The peer's address, for group members' clientHost. */
  clientHost: string
  /** Aborted when the connection closes or the broker shuts down: long-polls stop waiting. */
  signal: AbortSignal
  /** This broker's incremental fetch sessions (KIP-227), shared by its connections. */
  fetchSessions: FetchSessionCache
}

/** Serves every version in [minVersion, maxVersion] of one API key. */
export interface ApiHandler<Request = unknown, Response = unknown> {
  apiKey: number
  /** Kafka's name of the API (e.g. 'Produce'), for logs and errors. */
  name: string
  minVersion: number
  maxVersion: number
  /**
   * Answers one request. Returning `null` means no response is sent (Produce with acks=0).
   * Throwing is reserved for bugs and closes the connection (the broker logs it; other
   * connections carry on). The version is within [minVersion, maxVersion] clamped to the codec's
   * stable range (dispatch.ts), and the request decoded without error.
   */
  handle(context: RequestContext, request: Request, version: number): Promise<Response | null> | Response | null
}

/**
 * The wire code for a failure a handler caught: a SluiceError's Kafka name becomes its code (Sluice's
 * own names such as CLOSED become UNKNOWN_SERVER_ERROR, -1); anything else is a bug and is rethrown,
 * which closes the connection.
 */
export function errorCodeFrom(error: unknown): number {
  if (error instanceof SluiceError) return errorCodeOf(error.code)
  throw error
}
