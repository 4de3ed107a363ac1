// Topic configs as the admin APIs report them: CreateTopics v5+ (the created topic's configs) and
// DescribeConfigs (topic resources) share this. Each entry carries Kafka's config source (TOPIC_CONFIG
// = 1 for a key set on the topic, STATIC_BROKER_CONFIG = 4 for a broker-level default the
// Coordinator was opened with, DEFAULT_CONFIG = 5 for the built-in default), its type (v3+), a line
// of documentation when asked, and synonyms in Kafka's order of precedence, named as Kafka names the
// broker-level setting (`log.retention.ms` for `retention.ms`). Nothing here is sensitive.
import type { TopicRegistry } from '../../coordinator/topics/topic-registry.ts'
import { describeTopicConfig, type ConfigSource, type TopicConfigEntry, type TopicConfigKey, type TopicConfigOverrides } from '../../coordinator/topics/topic-config.ts'

/** Kafka's ConfigSource values used here. */
export const ConfigSourceCode = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const

/** Kafka's ConfigType values (DescribeConfigs v3+). */
export const ConfigTypeCode = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const

/** One synonym of a config entry. */
export interface ConfigSynonym {
  name: string
  value: string | null
  source: number
}

/** A topic config entry in wire terms. */
export interface WireConfigEntry {
  name: string
  value: string
  configSource: number
  isDefault: boolean
  configType: number
  documentation: string | null
  synonyms: ConfigSynonym[]
}

// key → [broker-level name, type, documentation]
const KEYS: Record<TopicConfigKey, readonly [string, number, string]> = {
  'cleanup.policy': ['log.cleanup.policy', ConfigTypeCode.LIST, 'delete, compact, or both: how old log segments are discarded.'],
  'retention.ms': ['log.retention.ms', ConfigTypeCode.LONG, 'How long a record is kept before its segment may be deleted (-1: no limit).'],
  'retention.bytes': ['log.retention.bytes', ConfigTypeCode.LONG, 'Largest partition size before old segments are deleted (-1: no limit).'],
  'segment.bytes': ['log.segment.bytes', ConfigTypeCode.INT, 'Size at which a new log segment is rolled.'],
  'segment.ms': ['log.roll.ms', ConfigTypeCode.LONG, 'Age at which a new log segment is rolled.'],
  'segment.index.bytes': ['log.index.size.max.bytes', ConfigTypeCode.INT, 'Size of the offset index of a segment.'],
  'max.message.bytes': ['message.max.bytes', ConfigTypeCode.INT, 'Largest record batch the topic accepts.'],
  'delete.retention.ms': ['log.cleaner.delete.retention.ms', ConfigTypeCode.LONG, 'How long tombstones stay visible in a compacted topic.'],
  'min.compaction.lag.ms': ['log.cleaner.min.compaction.lag.ms', ConfigTypeCode.LONG, 'Minimum age of a record before it may be compacted.'],
  'max.compaction.lag.ms': ['log.cleaner.max.compaction.lag.ms', ConfigTypeCode.LONG, 'Maximum age of a record before it must be compacted.'],
  'min.cleanable.dirty.ratio': ['log.cleaner.min.cleanable.ratio', ConfigTypeCode.DOUBLE, 'Dirty share of the log that triggers compaction.'],
  'index.interval.bytes': ['log.index.interval.bytes', ConfigTypeCode.INT, 'Bytes between offset index entries.'],
  'message.timestamp.type': ['log.message.timestamp.type', ConfigTypeCode.STRING, 'CreateTime or LogAppendTime.'],
  'compression.type': ['compression.type', ConfigTypeCode.STRING, 'Compression of stored batches (producer: as sent).'],
  'min.insync.replicas': ['min.insync.replicas', ConfigTypeCode.INT, 'Replicas that must acknowledge acks=all writes (always 1 here).'],
  flush: ['log.flush', ConfigTypeCode.STRING, 'Sluice: none, interval or always (fsync before acknowledging).'],
  'flush.ms': ['log.flush.interval.ms', ConfigTypeCode.LONG, 'Sluice: fsync interval under flush=interval.'],
}

const BUILT_IN = new Map(describeTopicConfig({}, {}).map((e) => [e.name, e.value]))

/** Kafka's ConfigSource code of a described entry's source. */
export function configSourceCode(source: ConfigSource): number {
  return source === 'topic' ? ConfigSourceCode.TOPIC_CONFIG : source === 'broker' ? ConfigSourceCode.STATIC_BROKER_CONFIG : ConfigSourceCode.DEFAULT_CONFIG
}

/** The described entries in wire terms; `withDocumentation` fills documentation, `withSynonyms` synonyms. */
export function wireConfigEntries(
  entries: readonly TopicConfigEntry[],
  options: { withDocumentation?: boolean; withSynonyms?: boolean; brokerDefaults?: Readonly<TopicConfigOverrides> } = {},
): WireConfigEntry[] {
  return entries.map((entry) => {
    const [brokerName, configType, doc] = KEYS[entry.name]
    const configSource = configSourceCode(entry.source)
    const synonyms: ConfigSynonym[] = []
    if (options.withSynonyms === true) {
      // Kafka lists every level that sets the value, most specific first: the topic's own, the
      // broker's (log.* setting), the built-in default.
      synonyms.push({ name: entry.source === 'topic' ? entry.name : brokerName, value: entry.value, source: configSource })
      const brokerValue = options.brokerDefaults?.[entry.name]
      if (entry.source === 'topic' && brokerValue !== undefined) synonyms.push({ name: brokerName, value: brokerValue, source: ConfigSourceCode.STATIC_BROKER_CONFIG })
      if (entry.source !== 'default') synonyms.push({ name: brokerName, value: BUILT_IN.get(entry.name) ?? null, source: ConfigSourceCode.DEFAULT_CONFIG })
    }
    return {
      name: entry.name, value: entry.value, configSource, isDefault: entry.isDefault, configType,
      documentation: options.withDocumentation === true ? doc : null, synonyms,
    }
  })
}

/** The wire entries of an existing topic's config (throws UNKNOWN_TOPIC_OR_PARTITION for an unknown one). */
export function topicConfigEntries(registry: TopicRegistry, topic: string, options: { withDocumentation?: boolean; withSynonyms?: boolean } = {}): WireConfigEntry[] {
  return wireConfigEntries(registry.describe(topic).config, { ...options, brokerDefaults: registry.brokerDefaults })
}

/** True for configs whose value is a comma-separated list (IncrementalAlterConfigs APPEND/SUBTRACT). */
export function isListConfig(name: string): boolean {
  return Object.hasOwn(KEYS, name) && KEYS[name as TopicConfigKey][1] === ConfigTypeCode.LIST
}
