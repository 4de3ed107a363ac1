// InitProducerId (key 22), v0-5: a producer id and epoch for an idempotent producer, from the
// coordinator's ProducerIds (persisted in the data dir). Versions: v2 flexible; v3 (KIP-360) lets a
// producer send the id and epoch it holds to have the epoch bumped instead of getting a new id;
// v4 answers PRODUCER_FENCED where older versions get INVALID_PRODUCER_EPOCH (KIP-588); v5 nothing
// new on the wire. A transactional id gets UNSUPPORTED_VERSION until transactions exist: it is
// what Kafka answers InitProducerId when its inter-broker protocol predates transactions, and
// clients treat it as fatal (COORDINATOR_NOT_AVAILABLE would have them retry forever).
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { isSluiceError } from '../../base/errors.ts'
import { errorCodeFrom, type ApiHandler } from '../handler.ts'

/** The InitProducerId handler. */
export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  async handle(context, request, version) {
    if (request.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf('UNSUPPORTED_VERSION'), producerId: -1, producerEpoch: -1 }
    }
    try {
      const granted = await context.coordinator.producerIds.initProducerId({ producerId: request.producerId, producerEpoch: request.producerEpoch })
      return { throttleTimeMs: 0, errorCode: 0, producerId: granted.producerId, producerEpoch: granted.producerEpoch }
    } catch (error) {
      const errorCode = version < 4 && isSluiceError(error, 'PRODUCER_FENCED') ? errorCodeOf('INVALID_PRODUCER_EPOCH') : errorCodeFrom(error)
      return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 }
    }
  },
}
