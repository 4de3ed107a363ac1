// AlterConfigs (key 33), v0-2: replaces a topic's whole config: the keys given are set, every key
// set before and not given returns to its default (Kafka's semantics; IncrementalAlterConfigs,
// key 44, changes single keys). Versions: v1 nothing new on the wire; v2 flexible. Outcomes per
// resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, INVALID_CONFIG (unknown key, bad
// or null value), INVALID_REQUEST (a key twice; broker settings, which are static here).
// validateOnly checks everything and changes nothing. Routing and applying: topic-config-changes.ts.
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages/index.ts'
import type { ApiHandler } from '../handler.ts'
import { failure } from './error-outcome.ts'
import { alterResourceConfig, duplicateKey } from './topic-config-changes.ts'

/** The AlterConfigs handler. */
export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request) {
    const responses: AlterConfigsResponse['responses'] = []
    for (const resource of request.resources) {
      const outcome = await alterResourceConfig(context, resource, resource.configs.length, request.validateOnly, () => {
        const duplicate = duplicateKey(resource.configs.map((c) => c.name))
        if (duplicate !== null) return duplicate
        const set: Record<string, string> = {}
        for (const { name, value } of resource.configs) {
          if (value === null) return failure('INVALID_CONFIG', `null value not supported for topic config '${name}'`)
          set[name] = value
        }
        const current = context.coordinator.topics.describe(resource.resourceName).config
        return { set, delete: current.filter((e) => e.source === 'topic' && !Object.hasOwn(set, e.name)).map((e) => e.name) }
      })
      responses.push({ ...outcome, resourceType: resource.resourceType, resourceName: resource.resourceName })
    }
    return { throttleTimeMs: 0, responses }
  },
}
