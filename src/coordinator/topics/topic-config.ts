// Topic configs under Kafka's dotted keys (`retention.ms`, `cleanup.policy`): each key's default,
// parser and validation. Values travel as strings, as in Kafka's CreateTopics / AlterConfigs, and
// are stored as the topic's overrides (only the keys set on it); `resolveTopicConfig` layers them
// over the broker's defaults and Kafka's. Unknown keys and bad values get INVALID_CONFIG naming
// both. The registry (topic-registry.ts) persists overrides; `toLogConfig` turns a resolved config
// into the camelCased LogConfig storage's PartitionLog takes (storage/log-config.ts).
//
// Sluice-specific: `flush` (none | interval | always) with `flush.ms`. Kafka leaves flushing to the
// OS and relies on replicas for durability; a single-node store has no replicas, so the default is
// `interval` with `flush.ms` = 1000: an acknowledged write survives a process crash (it is in the
// page cache) and at most about one second of writes is lost on power loss, at the cost of one
// fsync per partition per second. `always` acknowledges only after fsync (group-committed).
import { SluiceError } from '../../base/errors.ts'
import { DEFAULT_LOG_CONFIG, resolveLogConfig, type CleanupPolicy, type FlushPolicy, type LogConfig } from '../../storage/log-config.ts'


/** A topic's resolved config, every key present, values parsed. */
export interface TopicConfig {
  'cleanup.policy': CleanupPolicy
  'retention.ms': number
  'retention.bytes': number
  'segment.bytes': number
  'segment.ms': number
  'segment.index.bytes': number
  'max.message.bytes': number
  'delete.retention.ms': number
  'min.compaction.lag.ms': number
  'max.compaction.lag.ms': number
  'min.cleanable.dirty.ratio': number
  'index.interval.bytes': number
  'message.timestamp.type': 'CreateTime' | 'LogAppendTime'
  'compression.type': 'producer' | 'uncompressed' | 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  'min.insync.replicas': number
  flush: FlushPolicy
  'flush.ms': number
}

/** A topic config key. */
export type TopicConfigKey = keyof TopicConfig
/** A value as callers give it; stored as its string form. */
export type TopicConfigInput = string | number | boolean
/** Keys set on a topic (or broker defaults), values in their stored string form. */
export type TopicConfigOverrides = Partial<Record<TopicConfigKey, string>>

/** Where a described value comes from: set on the topic, the broker's defaults, or built in. */
export type ConfigSource = 'topic' | 'broker' | 'default'

/** One key of a described topic config. */
export interface TopicConfigEntry {
  name: TopicConfigKey
  value: string
  source: ConfigSource
  isDefault: boolean
}

/** Validation options. */
export interface TopicConfigOptions {
  /** Accept `segment.bytes` below 1 MiB (down to 14 bytes, Kafka's old floor), for tests. */
  allowSmallSegments?: boolean
}

/** Smallest `segment.bytes` normally accepted: 1 MiB, Kafka 4's floor (KIP-1030). */
export const SEGMENT_BYTES_MIN = 1024 * 1024
/** Smallest `segment.bytes` with allowSmallSegments, Kafka's historical floor. */
export const SEGMENT_BYTES_MIN_FOR_TESTS = 14

const INT32_MAX = 2147483647
type Parse = (value: string, options: TopicConfigOptions) => unknown

interface KeySpec {
  default: string
  parse: Parse
}

/** A long in [min, max]; values past 2^53 (Kafka's Long.MAX_VALUE meaning "never") clamp to MAX_SAFE_INTEGER. */
function long(min: number, max = Number.MAX_SAFE_INTEGER): Parse {
  return (value) => {
    if (!/^-?\d+$/.test(value)) throw new Error('expected an integer')
    const big = BigInt(value)
    if (big < BigInt(min)) throw new Error(`must be at least ${min}`)
    if (big > BigInt(max)) {
      if (max !== Number.MAX_SAFE_INTEGER) throw new Error(`must be at most ${max}`)
      if (big > 9223372036854775807n) throw new Error('must be at most 9223372036854775807')
      return Number.MAX_SAFE_INTEGER
    }
    return Number(big)
  }
}

function oneOf<T extends string>(...values: T[]): Parse {
  return (value) => {
    if (!(values as string[]).includes(value)) throw new Error(`expected one of ${values.join(', ')}`)
    return value as T
  }
}

const parseCleanupPolicy: Parse = (value) => {
  const parts = [...new Set(value.split(',').map((p) => p.trim()))].sort()
  if (parts.length === 0 || parts.some((p) => p !== 'compact' && p !== 'delete')) throw new Error('expected delete, compact or compact,delete')
  return parts.join(',') as CleanupPolicy
}

const parseRatio: Parse = (value) => {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error('expected a number between 0 and 1')
  return n
}

const parseSegmentBytes: Parse = (value, options) => {
  const min = options.allowSmallSegments === true ? SEGMENT_BYTES_MIN_FOR_TESTS : SEGMENT_BYTES_MIN
  return long(min, INT32_MAX)(value, options)
}

const parseMinInsyncReplicas: Parse = (value, options) => {
  const n = long(1, INT32_MAX)(value, options) as number
  // A single-node store has one replica: more could never be in sync and acks=all would always fail.
  if (n !== 1) throw new Error('must be 1: this single-node store keeps one replica of each partition')
  return n
}

/** Every accepted key with its built-in default (Kafka's, or Sluice's for `flush`). */
const SPECS: Record<TopicConfigKey, KeySpec> = {
  'cleanup.policy': { default: 'delete', parse: parseCleanupPolicy },
  'retention.ms': { default: '604800000', parse: long(-1) },
  'retention.bytes': { default: '-1', parse: long(-1) },
  'segment.bytes': { default: '1073741824', parse: parseSegmentBytes },
  'segment.ms': { default: '604800000', parse: long(1) },
  'segment.index.bytes': { default: '10485760', parse: long(4, INT32_MAX) },
  'max.message.bytes': { default: '1048588', parse: long(0, INT32_MAX) },
  'delete.retention.ms': { default: '86400000', parse: long(0) },
  'min.compaction.lag.ms': { default: '0', parse: long(0) },
  'max.compaction.lag.ms': { default: '9223372036854775807', parse: long(1) },
  'min.cleanable.dirty.ratio': { default: '0.5', parse: parseRatio },
  'index.interval.bytes': { default: '4096', parse: long(0, INT32_MAX) },
  'message.timestamp.type': { default: 'CreateTime', parse: oneOf('CreateTime', 'LogAppendTime') },
  'compression.type': { default: 'producer', parse: oneOf('producer', 'uncompressed', 'none', 'gzip', 'snappy', 'lz4', 'zstd') },
  'min.insync.replicas': { default: '1', parse: parseMinInsyncReplicas },
  flush: { default: 'interval', parse: oneOf('none', 'interval', 'always') },
  'flush.ms': { default: '1000', parse: long(1) },
}

/** All accepted topic config keys, sorted. */
export const TOPIC_CONFIG_KEYS: readonly TopicConfigKey[] = (Object.keys(SPECS) as TopicConfigKey[]).sort()

/** True if `key` is a topic config key Sluice accepts. */
export function isTopicConfigKey(key: string): key is TopicConfigKey {
  return Object.hasOwn(SPECS, key)
}

/** Validates one key and value, returning the value's stored string form; throws INVALID_CONFIG. */
export function normalizeTopicConfigValue(key: string, value: TopicConfigInput, options: TopicConfigOptions = {}): string {
  if (!isTopicConfigKey(key)) {
    throw new SluiceError('INVALID_CONFIG', `unknown topic config '${key}' (known: ${TOPIC_CONFIG_KEYS.join(', ')})`)
  }
  const text = String(value).trim()
  try {
    const parsed = SPECS[key].parse(text, options)
    // cleanup.policy is stored in its canonical order; others exactly as given (trimmed).
    return key === 'cleanup.policy' ? String(parsed) : text
  } catch (error) {
    throw new SluiceError('INVALID_CONFIG', `invalid value '${String(value)}' for topic config '${key}': ${(error as Error).message}`)
  }
}

/** Validates a set of keys and values, returning them as stored overrides; throws INVALID_CONFIG on the first bad one. */
export function validateTopicConfig(entries: Record<string, TopicConfigInput> | undefined, options: TopicConfigOptions = {}): TopicConfigOverrides {
  const overrides: TopicConfigOverrides = {}
  for (const [key, value] of Object.entries(entries ?? {})) {
    overrides[key as TopicConfigKey] = normalizeTopicConfigValue(key, value, options)
  }
  return overrides
}

/** The full config of a topic: its overrides over the broker defaults over the built-in defaults. */
export function resolveTopicConfig(overrides: TopicConfigOverrides, brokerDefaults: TopicConfigOverrides = {}): TopicConfig {
  const config: Record<string, unknown> = {}
  for (const key of TOPIC_CONFIG_KEYS) {
    const value = overrides[key] ?? brokerDefaults[key] ?? SPECS[key].default
    // Stored values were validated when set (with the options of that time), so parse without limits.
    config[key] = SPECS[key].parse(value, { allowSmallSegments: true })
  }
  return config as unknown as TopicConfig
}

/** Every key of a topic's config with its value and where the value comes from. */
export function describeTopicConfig(overrides: TopicConfigOverrides, brokerDefaults: TopicConfigOverrides = {}): TopicConfigEntry[] {
  return TOPIC_CONFIG_KEYS.map((name) => {
    const own = overrides[name]
    if (own !== undefined) return { name, value: own, source: 'topic' as const, isDefault: false }
    const broker = brokerDefaults[name]
    if (broker !== undefined) return { name, value: broker, source: 'broker' as const, isDefault: true }
    return { name, value: SPECS[name].default, source: 'default' as const, isDefault: true }
  })
}

/**
 * The PartitionLog config for a topic config. `base` supplies what topics do not configure (the
 * broker-level checkpoint, retention-check and cleaner intervals); `compression.type` and
 * `min.insync.replicas` have no storage counterpart, and `message.timestamp.type` is applied by
 * the coordinator on produce.
 */
export function toLogConfig(config: TopicConfig, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  return resolveLogConfig({
    segmentBytes: config['segment.bytes'],
    segmentMs: config['segment.ms'],
    flush: config.flush,
    flushIntervalMs: config['flush.ms'],
    retentionMs: config['retention.ms'],
    retentionBytes: config['retention.bytes'],
    cleanupPolicy: config['cleanup.policy'],
    deleteRetentionMs: config['delete.retention.ms'],
    maxMessageBytes: config['max.message.bytes'],
    indexIntervalBytes: config['index.interval.bytes'],
    minCompactionLagMs: config['min.compaction.lag.ms'],
  }, base)
}
