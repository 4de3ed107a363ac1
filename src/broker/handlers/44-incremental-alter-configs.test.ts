// IncrementalAlterConfigs called directly over a real Coordinator, at v0 and v1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs.ts'
import { openTestBed } from './handler-test-kit.ts'

const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3

test('incremental alter configs sets, deletes, appends to and subtracts from single keys', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { config: { 'retention.ms': 1000 } })
    const alter = (version: number, configs: Array<{ name: string; configOperation: number; value: string | null }>) =>
      bed.call(incrementalAlterConfigsHandler, version, { validateOnly: false, resources: [{ resourceType: 2, resourceName: 't', configs }] })
    let response = await alter(1, [{ name: 'retention.ms', configOperation: DELETE, value: null }, { name: 'max.message.bytes', configOperation: SET, value: '3000' }, { name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }])
    assert.equal(response.responses[0]!.errorCode, 0)
    const config = bed.coordinator.topics.config('t')
    assert.deepEqual([config['retention.ms'], config['max.message.bytes'], config['cleanup.policy']], [604800000, 3000, 'compact,delete'])
    response = await alter(0, [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }])
    assert.equal(response.responses[0]!.errorCode, 0)
    assert.equal(bed.coordinator.topics.config('t')['cleanup.policy'], 'compact')
    assert.equal(bed.coordinator.topics.config('t')['max.message.bytes'], 3000, 'other keys untouched')
  } finally {
    await bed.close()
  }
})

test('incremental alter configs refuses list operations on scalars, unknown operations and duplicates; validateOnly changes nothing', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t')
    const response = await bed.call(incrementalAlterConfigsHandler, 1, {
      validateOnly: false,
      resources: [
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: APPEND, value: '5' }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: 7, value: '5' }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: SET, value: '5' }, { name: 'retention.ms', configOperation: DELETE, value: null }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: SET, value: null }] },
        { resourceType: 2, resourceName: 't', configs: [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }] },
        { resourceType: 2, resourceName: 'missing', configs: [{ name: 'retention.ms', configOperation: SET, value: '5' }] },
      ],
    })
    assert.deepEqual(response.responses.map((r) => r.errorCode), [40, 42, 42, 42, 40, 3])
    assert.match(response.responses[0]!.errorMessage!, /append/)
    const dry = await bed.call(incrementalAlterConfigsHandler, 1, {
      validateOnly: true, resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: SET, value: '5' }] }],
    })
    assert.equal(dry.responses[0]!.errorCode, 0)
    assert.equal(bed.coordinator.topics.config('t')['retention.ms'], 604800000)
  } finally {
    await bed.close()
  }
})
