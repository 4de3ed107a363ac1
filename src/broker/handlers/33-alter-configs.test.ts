// AlterConfigs called directly over a real Coordinator, at v0 and v2.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { alterConfigsHandler } from './33-alter-configs.ts'
import { openTestBed } from './handler-test-kit.ts'

test('alter configs replaces the whole topic config: keys not given return to their defaults', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { config: { 'retention.ms': 1000, 'cleanup.policy': 'compact' } })
    const response = await bed.call(alterConfigsHandler, 2, {
      validateOnly: false, resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'max.message.bytes', value: '2000' }] }],
    })
    assert.deepEqual(response.responses, [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't' }])
    const overrides = bed.coordinator.topics.describe('t').config.filter((e) => e.source === 'topic').map((e) => [e.name, e.value])
    assert.deepEqual(overrides, [['max.message.bytes', '2000']])
    assert.equal(bed.coordinator.topics.config('t')['cleanup.policy'], 'delete')
  } finally {
    await bed.close()
  }
})

test('alter configs refuses bad keys, values and resources, and validateOnly changes nothing', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { config: { 'retention.ms': 1000 } })
    const response = await bed.call(alterConfigsHandler, 0, {
      validateOnly: false,
      resources: [
        { resourceType: 2, resourceName: 't', configs: [{ name: 'no.such', value: '1' }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: 'soon' }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: null }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '1' }, { name: 'retention.ms', value: '2' }] },
        { resourceType: 2, resourceName: 'missing', configs: [] },
        { resourceType: 4, resourceName: '3', configs: [{ name: 'log.retention.ms', value: '1' }] },
        { resourceType: 4, resourceName: '3', configs: [] },
      ],
    })
    assert.deepEqual(response.responses.map((r) => r.errorCode), [40, 40, 40, 42, 3, 42, 0])
    assert.equal(bed.coordinator.topics.config('t')['retention.ms'], 1000)
    const dry = await bed.call(alterConfigsHandler, 1, {
      validateOnly: true, resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '5' }] }, { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: 'x' }] }],
    })
    assert.deepEqual(dry.responses.map((r) => r.errorCode), [0, 40])
    assert.equal(bed.coordinator.topics.config('t')['retention.ms'], 1000)
  } finally {
    await bed.close()
  }
})
