// IncrementalAlterConfigs (key 44), v0-1: changes single keys of a topic's config, each with an
// operation: SET (0) a value, DELETE (1) back to the default, APPEND (2) / SUBTRACT (3) items of a
// list config (`cleanup.policy`), starting from its current value. Versions: v1 flexible.
// Outcomes per resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, INVALID_CONFIG
// (unknown key, bad value, APPEND/SUBTRACT on a non-list key), INVALID_REQUEST (unknown operation,
// a key twice, a null value to set; broker settings, which are static here). validateOnly checks
// everything and changes nothing. Routing and applying: topic-config-changes.ts.
import type { ConfigChange } from '../../coordinator/topics/topic-registry.ts'
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsRequestAlterableConfig, IncrementalAlterConfigsResponse } from '../../protocol/messages/index.ts'
import type { ApiHandler } from '../handler.ts'
import { failure, type Outcome } from './error-outcome.ts'
import { alterResourceConfig, duplicateKey } from './topic-config-changes.ts'
import { isListConfig } from './topic-config-entries.ts'

/** Kafka's AlterConfigOp types. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

/** The IncrementalAlterConfigs handler. */
export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(context, request) {
    const responses: IncrementalAlterConfigsResponse['responses'] = []
    for (const resource of request.resources) {
      const outcome = await alterResourceConfig(context, resource, resource.configs.length, request.validateOnly, () => {
        const current = new Map(context.coordinator.topics.describe(resource.resourceName).config.map((e) => [e.name as string, e.value]))
        return toChange(resource.configs, current)
      })
      responses.push({ ...outcome, resourceType: resource.resourceType, resourceName: resource.resourceName })
    }
    return { throttleTimeMs: 0, responses }
  },
}

/** The operations as one change, given the topic's current values; or the outcome refusing them. */
function toChange(configs: readonly IncrementalAlterConfigsRequestAlterableConfig[], current: ReadonlyMap<string, string>): ConfigChange | Outcome {
  const duplicate = duplicateKey(configs.map((c) => c.name))
  if (duplicate !== null) return duplicate
  const set: Record<string, string> = {}
  const remove: string[] = []
  for (const { name, configOperation, value } of configs) {
    if (configOperation === ConfigOperation.DELETE) {
      remove.push(name)
      continue
    }
    if (configOperation !== ConfigOperation.SET && configOperation !== ConfigOperation.APPEND && configOperation !== ConfigOperation.SUBTRACT) {
      return failure('INVALID_REQUEST', `unknown config operation ${configOperation} for '${name}'`)
    }
    if (value === null) return failure('INVALID_REQUEST', `null value not supported for '${name}'`)
    if (configOperation === ConfigOperation.SET) {
      set[name] = value
      continue
    }
    if (!isListConfig(name)) {
      const verb = configOperation === ConfigOperation.APPEND ? 'append' : 'subtract'
      return failure('INVALID_CONFIG', `config value ${verb} is not allowed for config key '${name}': it is not a list`)
    }
    const items = splitList(current.get(name) ?? '')
    const given = splitList(value)
    const next = configOperation === ConfigOperation.APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i))
    set[name] = next.join(',')
  }
  return { set, delete: remove }
}

function splitList(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '')
}
