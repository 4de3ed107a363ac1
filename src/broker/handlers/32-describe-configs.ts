// DescribeConfigs (key 32), v0-4: topic configs with their values and sources, and a few settings
// of this broker. Versions: v1 added includeSynonyms, configSource (replacing isDefault) and
// synonyms; v2 nothing new on the wire; v3 includeDocumentation, configType and documentation;
// v4 flexible. Resource types: TOPIC (2) lists every topic config (or the keys asked for; unknown
// keys are left out, as Kafka), source TOPIC_CONFIG (1) when set on the topic, STATIC_BROKER_CONFIG
// (4) for a broker default, DEFAULT_CONFIG (5) otherwise; none is sensitive or read-only. BROKER
// (4) named by this node's id answers its static settings, read-only; named '' (the cluster-wide
// dynamic defaults) it answers an empty list, as there are none; another id is INVALID_REQUEST.
// BROKER_LOGGER (8) answers an empty list; any other type is INVALID_REQUEST.
import { resolve } from 'node:path'
import { isSluiceError } from '../../base/errors.ts'
import { OFFSETS_TOPIC } from '../../coordinator/coordinator.ts'
import { validateTopicName } from '../../coordinator/topics/topic-name.ts'
import type {
  DescribeConfigsRequest, DescribeConfigsRequestResource, DescribeConfigsResponse, DescribeConfigsResponseResourceResult, DescribeConfigsResponseResult,
} from '../../protocol/messages/index.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'
import { failure, OK, outcomeOf, type Outcome } from './error-outcome.ts'
import { ConfigSourceCode, ConfigTypeCode, topicConfigEntries } from './topic-config-entries.ts'

/** Kafka's ConfigResource types. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const

/** The DescribeConfigs handler. */
export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  handle(context, request, version) {
    const options = { withSynonyms: version >= 1 && request.includeSynonyms, withDocumentation: version >= 3 && request.includeDocumentation }
    const results = request.resources.map((resource) => describe(context, resource, options))
    // isDefault is v0's field (configSource replaced it); later versions must leave it false.
    if (version >= 1) for (const result of results) for (const config of result.configs) config.isDefault = false
    return { throttleTimeMs: 0, results }
  },
}

function describe(context: RequestContext, resource: DescribeConfigsRequestResource, options: { withSynonyms: boolean; withDocumentation: boolean }): DescribeConfigsResponseResult {
  const answer = (outcome: Outcome, configs: DescribeConfigsResponseResourceResult[]): DescribeConfigsResponseResult => ({
    ...outcome, resourceType: resource.resourceType, resourceName: resource.resourceName, configs,
  })
  const wanted = resource.configurationKeys === null ? null : new Set(resource.configurationKeys)
  const keep = (configs: DescribeConfigsResponseResourceResult[]): DescribeConfigsResponseResourceResult[] => (wanted === null ? configs : configs.filter((c) => wanted.has(c.name)))
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      try {
        validateTopicName(resource.resourceName)
        const entries = topicConfigEntries(context.coordinator.topics, resource.resourceName, options)
        return answer(OK, keep(entries.map((e) => ({ ...e, readOnly: false, isSensitive: false }))))
      } catch (error) {
        if (isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) {
          return answer(failure('UNKNOWN_TOPIC_OR_PARTITION', `topic '${resource.resourceName}' does not exist`), [])
        }
        return answer(outcomeOf(error), [])
      }
    }
    case ResourceType.BROKER:
      if (resource.resourceName === '') return answer(OK, [])
      if (resource.resourceName !== String(context.broker.nodeId)) {
        return answer(failure('INVALID_REQUEST', `unexpected broker id, expected ${context.broker.nodeId} but received ${resource.resourceName}`), [])
      }
      return answer(OK, keep(brokerConfigs(context, options)))
    case ResourceType.BROKER_LOGGER:
      return answer(OK, [])
    default:
      return answer(failure('INVALID_REQUEST', `unsupported resource type ${resource.resourceType}`), [])
  }
}

/** This broker's static settings, as Kafka names them. */
function brokerConfigs(context: RequestContext, options: { withSynonyms: boolean; withDocumentation: boolean }): DescribeConfigsResponseResourceResult[] {
  const { broker, coordinator } = context
  const rows: Array<[string, string, number, string]> = [
    ['node.id', String(broker.nodeId), ConfigTypeCode.INT, 'This broker\'s node id.'],
    ['broker.id', String(broker.nodeId), ConfigTypeCode.INT, 'This broker\'s node id.'],
    ['advertised.listeners', `PLAINTEXT://${broker.advertisedHost}:${broker.advertisedPort}`, ConfigTypeCode.STRING, 'The address clients are told to connect to.'],
    ['log.dirs', resolve(coordinator.dataDir), ConfigTypeCode.STRING, 'The data dir.'],
    ['auto.create.topics.enable', String(broker.autoCreateTopics), ConfigTypeCode.BOOLEAN, 'Create unknown topics on Metadata requests that allow it.'],
    ['default.replication.factor', '1', ConfigTypeCode.INT, 'Replicas of each partition: one, on this node.'],
    ['offsets.topic.num.partitions', String(coordinator.topics.partitionCount(OFFSETS_TOPIC)), ConfigTypeCode.INT, 'Partitions of __consumer_offsets.'],
  ]
  return rows.map(([name, value, configType, doc]) => ({
    name, value, readOnly: true, isDefault: false, configSource: ConfigSourceCode.STATIC_BROKER_CONFIG, isSensitive: false,
    synonyms: options.withSynonyms ? [{ name, value, source: ConfigSourceCode.STATIC_BROKER_CONFIG }] : [],
    configType, documentation: options.withDocumentation ? doc : null,
  }))
}
