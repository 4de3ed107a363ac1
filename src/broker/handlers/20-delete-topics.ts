// DeleteTopics (key 20), v0-6: deletes topics and their data, one result per topic in request
// order. Versions: v1 added throttleTimeMs; v2-v3 nothing new on the wire; v4 flexible; v5
// errorMessage; v6 names topics by name or by id (`topics` replaces `topicNames`) and answers with
// both. Outcomes: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID (v6, an id no topic has),
// INVALID_REQUEST (v6 entry with both or neither of name and id; an internal topic).
// timeoutMs is ignored: deletion completes before the answer.
import { isSluiceError } from '../../base/errors.ts'
import type { DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult } from '../../protocol/messages/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/reader.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'
import { topicNameById, wireTopicId } from '../topic-ids.ts'
import { failure, outcomeOf, type Outcome } from './error-outcome.ts'

/** The DeleteTopics handler. */
export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  async handle(context, request, version) {
    const responses: DeleteTopicsResponseDeletableTopicResult[] = []
    if (version < 6) {
      for (const name of request.topicNames) responses.push({ name, topicId: ZERO_UUID, ...(await remove(context, name)) })
      return { throttleTimeMs: 0, responses }
    }
    for (const wanted of request.topics) {
      const hasName = wanted.name !== null
      const hasId = wanted.topicId !== ZERO_UUID
      if (hasName === hasId) {
        responses.push({ name: wanted.name, topicId: wanted.topicId, ...failure('INVALID_REQUEST', 'name exactly one of topic name and topic id') })
        continue
      }
      const name = hasName ? wanted.name! : topicNameById(context.coordinator.topics, wanted.topicId)
      if (name === null) {
        responses.push({ name: null, topicId: wanted.topicId, ...failure('UNKNOWN_TOPIC_ID', `no topic has id ${wanted.topicId}`) })
        continue
      }
      const topicId = context.coordinator.topics.has(name) ? wireTopicId(context.coordinator.topics.topicId(name)) : wanted.topicId
      responses.push({ name, topicId, ...(await remove(context, name)) })
    }
    return { throttleTimeMs: 0, responses }
  },
}

async function remove(context: RequestContext, name: string): Promise<Outcome> {
  try {
    // Through the coordinator, not the registry: it also drops the groups' committed offsets of the
    // topic, so a topic created again under the same name does not inherit them.
    await context.coordinator.deleteTopic(name)
    return { errorCode: 0, errorMessage: null }
  } catch (error) {
    // Kafka's wording for a missing topic; other failures keep the registry's message.
    if (isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return failure('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic: '${name}'`)
    return outcomeOf(error)
  }
}
