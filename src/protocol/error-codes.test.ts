import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ErrorCode } from '../base/errors.ts'
import { KAFKA_ERRORS, NO_ERROR, errorCodeOf, isRetriable, kafkaErrorOf } from './error-codes.ts'

test('codes are unique, ordered, and cover -1 through 129 without gaps', () => {
  const codes = KAFKA_ERRORS.map((e) => e.code)
  assert.deepEqual(codes, Array.from({ length: 131 }, (_, i) => i - 1))
  assert.equal(new Set(KAFKA_ERRORS.map((e) => e.name)).size, KAFKA_ERRORS.length)
  for (const error of KAFKA_ERRORS) {
    assert.match(error.name, /^[A-Z][A-Z0-9_]*$/)
    assert.ok(error.message.length > 0, error.name)
  }
})

test('the codes clients depend on keep their Kafka numbers and retriable flags', () => {
  assert.equal(NO_ERROR, errorCodeOf('NONE'))
  assert.equal(errorCodeOf('UNKNOWN_TOPIC_OR_PARTITION'), 3)
  assert.equal(errorCodeOf('NOT_LEADER_OR_FOLLOWER'), 6)
  assert.equal(errorCodeOf('UNSUPPORTED_VERSION'), 35)
  assert.equal(errorCodeOf('OUT_OF_ORDER_SEQUENCE_NUMBER'), 45)
  assert.equal(errorCodeOf('KAFKA_STORAGE_ERROR'), 56)
  assert.equal(errorCodeOf('MEMBER_ID_REQUIRED'), 79)
  assert.equal(errorCodeOf('PRODUCER_FENCED'), 90)
  assert.equal(errorCodeOf('UNKNOWN_TOPIC_ID'), 100)
  assert.equal(isRetriable(3), true)
  assert.equal(isRetriable(15), true)
  assert.equal(isRetriable(22), false)
  assert.equal(isRetriable(9999), false)
  assert.equal(kafkaErrorOf(27)?.name, 'REBALANCE_IN_PROGRESS')
  assert.equal(kafkaErrorOf(4242), undefined)
})

test('every Kafka name in SluiceError codes maps to its wire code; Sluice-only ones to -1', () => {
  const kafkaNames: ErrorCode[] = [
    'UNKNOWN_SERVER_ERROR', 'OFFSET_OUT_OF_RANGE', 'CORRUPT_MESSAGE', 'UNKNOWN_TOPIC_OR_PARTITION',
    'INVALID_FETCH_SIZE', 'MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD',
    'INVALID_TOPIC_EXCEPTION', 'TOPIC_ALREADY_EXISTS', 'INVALID_PARTITIONS', 'INVALID_REPLICATION_FACTOR',
    'INVALID_CONFIG', 'INVALID_REQUEST', 'INVALID_REQUIRED_ACKS', 'INVALID_TIMESTAMP',
    'UNSUPPORTED_COMPRESSION_TYPE', 'UNSUPPORTED_FOR_MESSAGE_FORMAT', 'KAFKA_STORAGE_ERROR',
    'OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH',
    'INVALID_PRODUCER_ID_MAPPING', 'UNKNOWN_PRODUCER_ID', 'PRODUCER_FENCED', 'ILLEGAL_GENERATION',
    'UNKNOWN_MEMBER_ID', 'MEMBER_ID_REQUIRED', 'REBALANCE_IN_PROGRESS', 'INCONSISTENT_GROUP_PROTOCOL',
    'INVALID_GROUP_ID', 'GROUP_ID_NOT_FOUND', 'NON_EMPTY_GROUP', 'GROUP_MAX_SIZE_REACHED',
    'INVALID_SESSION_TIMEOUT', 'COORDINATOR_NOT_AVAILABLE', 'REQUEST_TIMED_OUT', 'POLICY_VIOLATION',
  ]
  for (const name of kafkaNames) {
    const code = errorCodeOf(name)
    assert.equal(kafkaErrorOf(code)?.name, name)
  }
  assert.equal(errorCodeOf('UNKNOWN_SERVER_ERROR'), -1)
  for (const name of ['DATA_DIR_LOCKED', 'CLOSED', 'INVALID_ARGUMENT'] as ErrorCode[]) {
    assert.equal(errorCodeOf(name), -1)
  }
})
