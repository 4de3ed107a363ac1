// What a commit must pass before its intent is written (the commit point): after that point every
// write has to land, so anything the logs or the group could refuse is refused here instead.
// Writes: the topic exists, is not internal, the partition is online; the batches are whole record
// batches v2 with valid CRCs, carry the transaction's producer id and epoch, are neither control nor
// transactional batches, and continue the producer's sequence in that partition (checked against
// the log's producer state, the same check the append runs). Offsets: the group member and
// generation are current (the zombie fencing of Kafka's sendOffsetsToTransaction), the partitions
// exist and the metadata fits. transaction-coordinator.ts calls these; nothing here writes.
import type { ErrorCode } from '../../base/errors.ts'
import { SluiceError } from '../../base/errors.ts'
import {
  isControl, isTransactional, producerEpoch as batchProducerEpoch, producerId as batchProducerId, validateBatch,
} from '../../protocol/records/index.ts'
import { checkProducers } from '../../storage/append-checks.ts'
import { BATCHES_REMEMBERED } from '../../storage/producer-state.ts'
import { requireKeys } from '../compacted-keys.ts'
import type { GroupCoordinator } from '../groups/group-coordinator.ts'
import type { TopicRegistry } from '../topics/topic-registry.ts'
import type { TransactionOffsets, TransactionWrite } from './transaction-records.ts'

/** Kafka's offset.metadata.max.bytes default, as the group coordinator applies it. */
const OFFSET_METADATA_CHARS_MAX = 4096

/** Checks every write of a commit; throws SluiceError with Kafka's error name for the first bad one. */
export function checkWrites(topics: TopicRegistry, writes: readonly TransactionWrite[], producerId: number, producerEpoch: number): void {
  const seen = new Set<string>()
  for (const write of writes) {
    const where = `${write.topic}/${write.partition}`
    const key = `${write.partition}:${write.topic}`
    if (seen.has(key)) throw new SluiceError('INVALID_REQUEST', `partition ${where} appears twice in one transaction; put all its batches in one write`)
    seen.add(key)
    if (!topics.has(write.topic)) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${write.topic}' in a transaction (transactions do not create topics)`)
    if (topics.isInternal(write.topic)) throw new SluiceError('INVALID_TOPIC_EXCEPTION', `cannot write to internal topic '${write.topic}' in a transaction`)
    // Throws UNKNOWN_TOPIC_OR_PARTITION for a bad partition, KAFKA_STORAGE_ERROR for an offline log.
    const log = topics.partition(write.topic, write.partition)
    const config = topics.config(write.topic)
    let count = 0
    let pos = 0
    while (pos < write.batches.length) {
      const size = write.batches.length - pos >= 12 ? write.batches.readInt32BE(pos + 8) + 12 : 0
      const validation = validateBatch(write.batches, pos, write.batches.length, { maxBatchBytes: config['max.message.bytes'], isProducerBatch: true })
      if (!validation.ok) throw new SluiceError(validation.code, `transaction write to ${where}: ${validation.message}`)
      if (isControl(write.batches, pos) || isTransactional(write.batches, pos)) {
        throw new SluiceError('INVALID_RECORD', `transaction write to ${where}: control and transactional-flag batches are not accepted (commits write no markers yet)`)
      }
      const id = batchProducerId(write.batches, pos)
      const epoch = batchProducerEpoch(write.batches, pos)
      if (id !== producerId) throw new SluiceError('INVALID_PRODUCER_ID_MAPPING', `transaction write to ${where}: batch has producer id ${id}, the transaction has ${producerId}`)
      if (epoch !== producerEpoch) throw new SluiceError('INVALID_PRODUCER_EPOCH', `transaction write to ${where}: batch has producer epoch ${epoch}, the transaction has ${producerEpoch}`)
      count++
      pos += size
    }
    if (count === 0) throw new SluiceError('INVALID_RECORD', `transaction write to ${where} holds no batch`)
    // A re-apply after a crash is recognised as a duplicate only within the log's memory of the
    // producer's last batches; more per partition could be appended twice.
    if (count > BATCHES_REMEMBERED) {
      throw new SluiceError('INVALID_REQUEST', `transaction write to ${where} has ${count} batches; at most ${BATCHES_REMEMBERED} per partition per commit (build larger batches)`)
    }
    if (config['cleanup.policy'].includes('compact')) requireKeys(write.topic, write.batches)
    const duplicate = checkProducers(log.producerState, write.batches)
    if (duplicate !== null) {
      throw new SluiceError('DUPLICATE_SEQUENCE_NUMBER', `transaction write to ${where} repeats batches the log already has (offsets ${duplicate.firstOffset}-${duplicate.lastOffset}): that commit already happened`)
    }
  }
}

/**
 * Checks the group part of a commit: the member and generation must be current, or, with member ''
 * and generation -1, the group must have no members (offsets stored for a group outside group
 * management). Throws SluiceError: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID,
 * COORDINATOR_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, OFFSET_METADATA_TOO_LARGE, INVALID_GROUP_ID.
 */
export function checkOffsets(topics: TopicRegistry, groups: GroupCoordinator, request: TransactionOffsets): void {
  if (request.groupId === '') throw new SluiceError('INVALID_GROUP_ID', 'a transaction cannot commit offsets for the empty group id')
  const { groupId, memberId, generationId } = request
  if (memberId === '' && generationId < 0) {
    const [description] = groups.describeGroups([groupId])
    if (description?.errorCode !== undefined) throw groupError(description.errorCode, request)
    if ((description?.members.length ?? 0) > 0) {
      throw new SluiceError('UNKNOWN_MEMBER_ID', `group '${groupId}' has members: offsets in a transaction must name a member and its generation (consumer.groupMetadata())`)
    }
  } else {
    // Heartbeat runs Kafka's member checks (fenced instance, unknown member, generation) and, as a
    // commit does, keeps the member's session alive. REBALANCE_IN_PROGRESS comes after those checks
    // passed: Kafka's TxnOffsetCommit accepts a current member during a rebalance too.
    const { errorCode } = groups.heartbeat({ groupId, memberId, generationId })
    if (errorCode !== undefined && errorCode !== 'REBALANCE_IN_PROGRESS') throw groupError(errorCode, request)
  }
  for (const o of request.offsets) {
    const where = `${o.topic}/${o.partition}`
    if (!topics.has(o.topic) || !Number.isInteger(o.partition) || o.partition < 0 || o.partition >= topics.partitionCount(o.topic)) {
      throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `cannot commit an offset for ${where}: no such partition`)
    }
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new SluiceError('INVALID_REQUEST', `offset ${o.offset} for ${where} is not a valid offset`)
    if ((o.metadata ?? '').length > OFFSET_METADATA_CHARS_MAX) {
      throw new SluiceError('OFFSET_METADATA_TOO_LARGE', `offset metadata for ${where} is longer than ${OFFSET_METADATA_CHARS_MAX} characters`)
    }
  }
}

function groupError(code: ErrorCode, request: TransactionOffsets): SluiceError {
  const who = `member '${request.memberId}' generation ${request.generationId} of group '${request.groupId}'`
  const why: Partial<Record<ErrorCode, string>> = {
    ILLEGAL_GENERATION: 'the group has rebalanced since: this member is a zombie and its transaction must abort',
    UNKNOWN_MEMBER_ID: 'the group does not know this member (it left, expired or the group is gone): the transaction must abort',
    FENCED_INSTANCE_ID: 'a newer instance with the same group instance id took over',
  }
  return new SluiceError(code, `${who}: ${why[code] ?? code}`)
}
