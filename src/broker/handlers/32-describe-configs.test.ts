// DescribeConfigs called directly over a real Coordinator, at v0, v1, v3 and v4.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeConfigsHandler } from './32-describe-configs.ts'
import { openTestBed, TEST_BROKER } from './handler-test-kit.ts'

test('describe configs lists a topic\'s configs with sources, synonyms when asked and docs in v3+', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { config: { 'retention.ms': 1000 } })
    const v4 = await bed.call(describeConfigsHandler, 4, {
      includeSynonyms: true, includeDocumentation: true,
      resources: [{ resourceType: 2, resourceName: 't', configurationKeys: null }],
    })
    const [result] = v4.results
    assert.equal(result!.errorCode, 0)
    const byName = new Map(result!.configs.map((c) => [c.name, c]))
    const retention = byName.get('retention.ms')!
    assert.equal(retention.value, '1000')
    assert.equal(retention.configSource, 1)
    assert.equal(retention.isSensitive, false)
    assert.equal(retention.readOnly, false)
    assert.equal(retention.configType, 5)
    assert.ok(retention.documentation!.length > 0)
    assert.deepEqual(retention.synonyms, [{ name: 'retention.ms', value: '1000', source: 1 }, { name: 'log.retention.ms', value: '604800000', source: 5 }])
    const policy = byName.get('cleanup.policy')!
    assert.deepEqual([policy.value, policy.configSource, policy.configType], ['delete', 5, 7])
    assert.deepEqual(policy.synonyms, [{ name: 'log.cleanup.policy', value: 'delete', source: 5 }])

    const v1 = await bed.call(describeConfigsHandler, 1, {
      includeSynonyms: false, includeDocumentation: false, resources: [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms', 'no.such.key'] }],
    })
    assert.deepEqual(v1.results[0]!.configs.map((c) => [c.name, c.configSource, c.synonyms.length]), [['retention.ms', 1, 0]])
    const v0 = await bed.call(describeConfigsHandler, 0, {
      includeSynonyms: false, includeDocumentation: false, resources: [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms', 'segment.bytes'] }],
    })
    assert.deepEqual(v0.results[0]!.configs.map((c) => [c.name, c.isDefault]), [['retention.ms', false], ['segment.bytes', true]])
  } finally {
    await bed.close()
  }
})

test('synonyms list every level that sets a value: the topic, the broker (log.*), the built-in default', async () => {
  const bed = await openTestBed({ defaults: { 'retention.ms': 5000, 'segment.bytes': 2_000_000 } })
  try {
    await bed.coordinator.topics.create('t', { config: { 'retention.ms': 1000 } })
    const response = await bed.call(describeConfigsHandler, 4, {
      includeSynonyms: true, includeDocumentation: false,
      resources: [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms', 'segment.bytes'] }],
    })
    const byName = new Map(response.results[0]!.configs.map((c) => [c.name, c]))
    assert.deepEqual(byName.get('retention.ms')!.synonyms, [
      { name: 'retention.ms', value: '1000', source: 1 }, { name: 'log.retention.ms', value: '5000', source: 4 }, { name: 'log.retention.ms', value: '604800000', source: 5 },
    ])
    const segment = byName.get('segment.bytes')!
    assert.deepEqual([segment.value, segment.configSource], ['2000000', 4])
    assert.deepEqual(segment.synonyms, [{ name: 'log.segment.bytes', value: '2000000', source: 4 }, { name: 'log.segment.bytes', value: '1073741824', source: 5 }])
  } finally {
    await bed.close()
  }
})

test('describe configs answers unknown topics, bad names and other resource types as Kafka', async () => {
  const bed = await openTestBed()
  try {
    const response = await bed.call(describeConfigsHandler, 3, {
      includeSynonyms: false, includeDocumentation: false,
      resources: [
        { resourceType: 2, resourceName: 'missing', configurationKeys: null }, { resourceType: 2, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: 4, resourceName: String(TEST_BROKER.nodeId), configurationKeys: null }, { resourceType: 4, resourceName: '', configurationKeys: null },
        { resourceType: 4, resourceName: '99', configurationKeys: null }, { resourceType: 8, resourceName: String(TEST_BROKER.nodeId), configurationKeys: null },
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
      ],
    })
    assert.deepEqual(response.results.map((r) => [r.resourceType, r.resourceName, r.errorCode]), [
      [2, 'missing', 3], [2, 'bad/name', 17], [4, '3', 0], [4, '', 0], [4, '99', 42], [8, '3', 0], [99, 'x', 42],
    ])
    assert.match(response.results[0]!.errorMessage!, /missing/)
    const broker = new Map(response.results[2]!.configs.map((c) => [c.name, c]))
    assert.equal(broker.get('node.id')!.value, '3')
    assert.equal(broker.get('advertised.listeners')!.value, 'PLAINTEXT://sluice.test:19092')
    assert.equal(broker.get('node.id')!.readOnly, true)
    assert.equal(broker.get('node.id')!.configSource, 4)
    assert.deepEqual(response.results[3]!.configs, [])
  } finally {
    await bed.close()
  }
})
