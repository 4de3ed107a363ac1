// InitProducerId (key 22), v0-5: a producer id and epoch for an idempotent producer, from the
// coordinator's ProducerIds (persisted in the data dir). Versions: v2 flexible; v3 (KIP-360) adds
// the producer id and epoch the producer holds, which only a transactional producer's coordinator
// uses (to bump the epoch); v4 answers PRODUCER_FENCED where older versions get
// INVALID_PRODUCER_EPOCH (KIP-588); v5 nothing new on the wire.
//
// Without a transactional id every request gets a fresh producer id with epoch 0, whatever id and
// epoch it carries, as Kafka's TransactionCoordinator does: an idempotent producer bumps its epoch
// itself (KIP-360), and clients send placeholders here (@platformatic/kafka sends id 0, epoch 0,
// which is a real id on this broker: bumping it would fence whichever producer holds id 0).
// A transactional id gets UNSUPPORTED_VERSION until transactions exist: it is what Kafka answers
// InitProducerId when its inter-broker protocol predates transactions, and clients treat it as
// fatal (COORDINATOR_NOT_AVAILABLE would have them retry forever).
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { errorCodeFrom, type ApiHandler } from '../handler.ts'

/** The InitProducerId handler. */
export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  async handle(context, request) {
    if (request.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf('UNSUPPORTED_VERSION'), producerId: -1, producerEpoch: -1 }
    }
    try {
      const granted = await context.coordinator.producerIds.initProducerId()
      return { throttleTimeMs: 0, errorCode: 0, producerId: granted.producerId, producerEpoch: granted.producerEpoch }
    } catch (error) {
      // A storage failure persisting the new id (the only way a fresh grant fails).
      return { throttleTimeMs: 0, errorCode: errorCodeFrom(error), producerId: -1, producerEpoch: -1 }
    }
  },
}
