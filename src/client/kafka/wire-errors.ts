// Kafka error codes as the kafka transport meets them: a response's int16 turned into a SluiceError
// named after Kafka's error (protocol/error-codes.ts), with Kafka's retriable flag, and the groups
// of codes that send the client back to the cluster for fresh routing (stale metadata, a moved
// group coordinator, a connection that broke). The transport's callers see only SluiceErrors.
import { SluiceError, type ErrorCode } from '../../base/errors.ts'
import { kafkaErrorOf } from '../../protocol/error-codes.ts'

/** Codes after which the partition's leader (or the topic itself) must be looked up again. */
export const STALE_METADATA_CODES: ReadonlySet<number> = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  100, // UNKNOWN_TOPIC_ID
])

/** Codes after which the group coordinator must be found again (or asked again after a moment). */
export const COORDINATOR_CODES: ReadonlySet<number> = new Set([
  14, // COORDINATOR_LOAD_IN_PROGRESS
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
])

/** NOT_CONTROLLER: a topic admin request went to a broker that is not (any longer) the controller. */
export const NOT_CONTROLLER = 41

/** The Kafka name of a wire code ('UNKNOWN_SERVER_ERROR' for a code the table lacks). */
export function errorName(code: number): string {
  return kafkaErrorOf(code)?.name ?? 'UNKNOWN_SERVER_ERROR'
}

/**
 * The ErrorCode of a wire code. Every Kafka name is a valid `code` of a SluiceError at run time
 * (base/errors.ts documents codes as Kafka's error names). ErrorCode lists the names Sluice raises
 * or handles (the network transport's included); a remote cluster may answer any of Kafka's ~130
 * codes, so the rarer names pass through this one cast rather than widening the union to all.
 */
export function errorCodeName(code: number): ErrorCode {
  return errorName(code) as ErrorCode
}

/** A SluiceError for a non-zero wire code, with the broker's message when it sent one. */
export function wireError(code: number, context: string, brokerMessage?: string | null): SluiceError {
  const known = kafkaErrorOf(code)
  const detail = brokerMessage != null && brokerMessage !== '' ? brokerMessage : (known?.message ?? `error code ${code}`)
  return new SluiceError(errorCodeName(code), `${context}: ${detail}`, { retriable: known?.retriable ?? false })
}

/** A failure of the connection itself (refused, reset, closed): retriable, named NETWORK_EXCEPTION. */
export function networkError(message: string, cause?: unknown): SluiceError {
  return new SluiceError('NETWORK_EXCEPTION', message, { retriable: true, cause })
}
