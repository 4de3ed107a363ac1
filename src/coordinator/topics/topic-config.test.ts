import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { DEFAULT_LOG_CONFIG } from '../../storage/log-config.ts'
import {
  describeTopicConfig, normalizeTopicConfigValue, resolveTopicConfig, SEGMENT_BYTES_MIN, TOPIC_CONFIG_KEYS, toLogConfig, validateTopicConfig,
} from './topic-config.ts'

const invalidConfig = (fn: () => unknown, ...mentions: string[]) =>
  assert.throws(fn, (e) => isSluiceError(e, 'INVALID_CONFIG') && mentions.every((m) => e.message.includes(m)))

test("the resolved config carries Kafka's defaults and Sluice's flush default", () => {
  const config = resolveTopicConfig({})
  assert.equal(config['cleanup.policy'], 'delete')
  assert.equal(config['retention.ms'], 604800000)
  assert.equal(config['retention.bytes'], -1)
  assert.equal(config['segment.bytes'], 1073741824)
  assert.equal(config['max.message.bytes'], 1048588)
  assert.equal(config['delete.retention.ms'], 86400000)
  assert.equal(config['index.interval.bytes'], 4096)
  assert.equal(config['message.timestamp.type'], 'CreateTime')
  assert.equal(config['compression.type'], 'producer')
  assert.equal(config.flush, 'interval')
  assert.equal(config['flush.ms'], 1000)
  // Kafka's Long.MAX_VALUE "never" clamps to the largest exact integer.
  assert.equal(config['max.compaction.lag.ms'], Number.MAX_SAFE_INTEGER)
})

test('topic overrides win over broker defaults, which win over built-in defaults', () => {
  const config = resolveTopicConfig({ 'retention.ms': '1000' }, { 'retention.ms': '2000', 'segment.ms': '3000' })
  assert.equal(config['retention.ms'], 1000)
  assert.equal(config['segment.ms'], 3000)
  const described = new Map(describeTopicConfig({ 'retention.ms': '1000' }, { 'segment.ms': '3000' }).map((e) => [e.name, e]))
  assert.deepEqual(described.get('retention.ms'), { name: 'retention.ms', value: '1000', source: 'topic', isDefault: false })
  assert.deepEqual(described.get('segment.ms'), { name: 'segment.ms', value: '3000', source: 'broker', isDefault: true })
  assert.deepEqual(described.get('flush'), { name: 'flush', value: 'interval', source: 'default', isDefault: true })
  assert.equal(described.size, TOPIC_CONFIG_KEYS.length)
})

test('an unknown key is refused, naming the key', () => {
  invalidConfig(() => validateTopicConfig({ 'retention.hours': '5' }), "'retention.hours'")
})

test('bad values are refused, naming the key and the value', () => {
  invalidConfig(() => normalizeTopicConfigValue('retention.ms', '-2'), "'-2'", "'retention.ms'", 'at least -1')
  invalidConfig(() => normalizeTopicConfigValue('retention.ms', '1d'), "'1d'", 'integer')
  invalidConfig(() => normalizeTopicConfigValue('cleanup.policy', 'archive'), "'archive'", "'cleanup.policy'")
  invalidConfig(() => normalizeTopicConfigValue('message.timestamp.type', 'createtime'), 'CreateTime, LogAppendTime')
  invalidConfig(() => normalizeTopicConfigValue('compression.type', 'brotli'), "'brotli'")
  invalidConfig(() => normalizeTopicConfigValue('flush', 'sometimes'), "'flush'", 'none, interval, always')
  invalidConfig(() => normalizeTopicConfigValue('max.message.bytes', '3000000000'), 'at most 2147483647')
  invalidConfig(() => normalizeTopicConfigValue('min.cleanable.dirty.ratio', '1.5'), 'between 0 and 1')
  invalidConfig(() => normalizeTopicConfigValue('retention.ms', '9223372036854775808'), 'at most 9223372036854775807')
  invalidConfig(() => normalizeTopicConfigValue('min.insync.replicas', '2'), 'one replica')
})

test('segment.bytes below 1 MiB is refused unless small segments are allowed', () => {
  invalidConfig(() => normalizeTopicConfigValue('segment.bytes', '4096'), `at least ${SEGMENT_BYTES_MIN}`)
  assert.equal(normalizeTopicConfigValue('segment.bytes', '4096', { allowSmallSegments: true }), '4096')
  invalidConfig(() => normalizeTopicConfigValue('segment.bytes', '13', { allowSmallSegments: true }), 'at least 14')
})

test('values are stored as trimmed strings and cleanup.policy in canonical order', () => {
  assert.deepEqual(validateTopicConfig({ 'retention.ms': 86400000, 'cleanup.policy': 'delete, compact', flush: ' always ' }), {
    'retention.ms': '86400000',
    'cleanup.policy': 'compact,delete',
    flush: 'always',
  })
  assert.equal(resolveTopicConfig({ 'cleanup.policy': 'compact,delete' })['cleanup.policy'], 'compact,delete')
  assert.equal(normalizeTopicConfigValue('retention.ms', -1), '-1')
})

test('toLogConfig maps every storage-relevant key to the camelCased LogConfig', () => {
  const config = resolveTopicConfig({
    'segment.bytes': '2097152', 'segment.ms': '60000', flush: 'always', 'flush.ms': '50', 'retention.ms': '-1',
    'retention.bytes': '1000000', 'cleanup.policy': 'compact', 'delete.retention.ms': '10', 'max.message.bytes': '999',
    'index.interval.bytes': '128', 'min.compaction.lag.ms': '5',
  })
  const log = toLogConfig(config, { ...DEFAULT_LOG_CONFIG, checkpointIntervalMs: 1234 })
  assert.deepEqual(
    { ...log },
    {
      ...DEFAULT_LOG_CONFIG, checkpointIntervalMs: 1234, segmentBytes: 2097152, segmentMs: 60000, flush: 'always', flushIntervalMs: 50,
      retentionMs: -1, retentionBytes: 1000000, cleanupPolicy: 'compact', deleteRetentionMs: 10, maxMessageBytes: 999,
      indexIntervalBytes: 128, minCompactionLagMs: 5,
    },
  )
  assert.equal(toLogConfig(resolveTopicConfig({})).flush, 'interval')
})
