// Config changes as AlterConfigs (key 33) and IncrementalAlterConfigs (key 44) apply them: routing
// by resource type and applying (or, for validateOnly, only checking) a set of keys to set and
// keys to return to their default on a topic. The two handlers differ only in how they turn their
// request into that change. Broker and broker-logger resources: Sluice's broker settings are
// static (given at start), so a change to them is INVALID_REQUEST; an empty change is accepted.
import { isSluiceError } from '../../base/errors.ts'
import type { ConfigChange } from '../../coordinator/topics/topic-registry.ts'
import { isTopicConfigKey, normalizeTopicConfigValue } from '../../coordinator/topics/topic-config.ts'
import { validateTopicName } from '../../coordinator/topics/topic-name.ts'
import type { RequestContext } from '../handler.ts'
import { ResourceType } from './32-describe-configs.ts'
import { failure, OK, outcomeOf, type Outcome } from './error-outcome.ts'

/** A resource as both alter requests name it. */
export interface ConfigResource {
  resourceType: number
  resourceName: string
}

/**
 * Applies `change` to a resource (the change is built only once the resource is known to be a topic
 * that exists, since building it may read the topic's current config); validateOnly checks keys and
 * values and changes nothing. Returns the resource's outcome.
 */
export async function alterResourceConfig(
  context: RequestContext, resource: ConfigResource, configCount: number, validateOnly: boolean,
  buildChange: () => ConfigChange | Outcome,
): Promise<Outcome> {
  switch (resource.resourceType) {
    case ResourceType.TOPIC:
      break
    case ResourceType.BROKER:
    case ResourceType.BROKER_LOGGER:
      if (resource.resourceName !== '' && resource.resourceName !== String(context.broker.nodeId)) {
        return failure('INVALID_REQUEST', `unexpected broker id, expected ${context.broker.nodeId} but received ${resource.resourceName}`)
      }
      return configCount === 0 ? OK : failure('INVALID_REQUEST', 'broker settings of Sluice are static: set them when starting the broker')
    default:
      return failure('INVALID_REQUEST', `unsupported resource type ${resource.resourceType}`)
  }
  const registry = context.coordinator.topics
  try {
    validateTopicName(resource.resourceName)
    if (!registry.has(resource.resourceName)) return failure('UNKNOWN_TOPIC_OR_PARTITION', `topic '${resource.resourceName}' does not exist`)
    const change = buildChange()
    if ('errorCode' in change) return change
    if (validateOnly) {
      for (const key of change.delete ?? []) {
        if (!isTopicConfigKey(key)) return failure('INVALID_CONFIG', `unknown topic config '${key}'`)
      }
      for (const [key, value] of Object.entries(change.set ?? {})) normalizeTopicConfigValue(key, value)
      return OK
    }
    await registry.alterConfig(resource.resourceName, change)
    return OK
  } catch (error) {
    // The topic went away between the check and the change.
    if (isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return failure('UNKNOWN_TOPIC_OR_PARTITION', `topic '${resource.resourceName}' does not exist`)
    return outcomeOf(error)
  }
}

/** INVALID_REQUEST naming the first key given twice, or null when every key is given once. */
export function duplicateKey(names: readonly string[]): Outcome | null {
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) return failure('INVALID_REQUEST', `config '${name}' is given more than once`)
    seen.add(name)
  }
  return null
}
