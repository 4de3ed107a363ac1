// Typed errors for outcomes that are not bugs: bad input, missing topics, storage failures.
// `code` uses Kafka's error names (UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR, …) so the
// broker can map an error to its wire code with one table (protocol/error-codes.ts) and the CLI can
// print one clear line. Bugs use assert.ts instead.

/** Kafka error names Sluice raises; the broker maps each to its numeric wire code. */
export type ErrorCode =
  | 'UNKNOWN_SERVER_ERROR'
  | 'OFFSET_OUT_OF_RANGE'
  | 'CORRUPT_MESSAGE'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'INVALID_FETCH_SIZE'
  | 'MESSAGE_TOO_LARGE'
  | 'RECORD_LIST_TOO_LARGE'
  | 'INVALID_RECORD'
  | 'INVALID_TOPIC_EXCEPTION'
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_PARTITIONS'
  | 'INVALID_REPLICATION_FACTOR'
  | 'INVALID_CONFIG'
  | 'INVALID_REQUEST'
  | 'INVALID_REQUIRED_ACKS'
  | 'INVALID_TIMESTAMP'
  | 'UNSUPPORTED_COMPRESSION_TYPE'
  | 'UNSUPPORTED_FOR_MESSAGE_FORMAT'
  | 'KAFKA_STORAGE_ERROR'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'DUPLICATE_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'INVALID_PRODUCER_ID_MAPPING'
  | 'UNKNOWN_PRODUCER_ID'
  | 'PRODUCER_FENCED'
  | 'INVALID_TXN_STATE'
  | 'ILLEGAL_GENERATION'
  | 'UNKNOWN_MEMBER_ID'
  | 'MEMBER_ID_REQUIRED'
  | 'REBALANCE_IN_PROGRESS'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'INVALID_GROUP_ID'
  | 'GROUP_ID_NOT_FOUND'
  | 'NON_EMPTY_GROUP'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'FENCED_INSTANCE_ID'
  | 'GROUP_SUBSCRIBED_TO_TOPIC'
  | 'OFFSET_METADATA_TOO_LARGE'
  | 'OFFSET_NOT_AVAILABLE'
  | 'UNSTABLE_OFFSET_COMMIT'
  | 'INVALID_SESSION_TIMEOUT'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'REQUEST_TIMED_OUT'
  | 'POLICY_VIOLATION'
  | 'DATA_DIR_LOCKED'
  | 'CLOSED'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED_VERSION'
  // Raised only by the network transport (a remote cluster's answers, or the connection itself).
  | 'NETWORK_EXCEPTION'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'LEADER_NOT_AVAILABLE'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'NOT_CONTROLLER'
  | 'UNKNOWN_TOPIC_ID'
  | 'FENCED_LEADER_EPOCH'
  | 'UNKNOWN_LEADER_EPOCH'
  | 'THROTTLING_QUOTA_EXCEEDED'

/** Kafka outcomes a client may retry after a short wait (Kafka's RetriableException set). */
const RETRIABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CORRUPT_MESSAGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'KAFKA_STORAGE_ERROR',
  'COORDINATOR_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'OFFSET_NOT_AVAILABLE',
  'UNSTABLE_OFFSET_COMMIT',
])

/** An expected failure with a Kafka error name, a retriable flag and an optional cause. */
export class SluiceError extends Error {
  override name = 'SluiceError'
  readonly code: ErrorCode
  readonly retriable: boolean

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retriable = options?.retriable ?? RETRIABLE.has(code)
  }
}

/** True when `error` is a SluiceError, optionally with the given code. */
export function isSluiceError(error: unknown, code?: ErrorCode): error is SluiceError {
  return error instanceof SluiceError && (code === undefined || error.code === code)
}
