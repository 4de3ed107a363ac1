// FindCoordinator called directly: single keys (v0, v1, v3) and batches (v4, v6).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { findCoordinatorHandler } from './10-find-coordinator.ts'
import { openTestBed } from './handler-test-kit.ts'

test('find coordinator answers this node for groups, single key in v0-3', async () => {
  const bed = await openTestBed()
  try {
    for (const version of [0, 1, 3]) {
      const response = await bed.call(findCoordinatorHandler, version, { key: 'g', keyType: 0, coordinatorKeys: [] })
      assert.deepEqual([response.errorCode, response.nodeId, response.host, response.port], [0, 3, 'sluice.test', 19092], `v${version}`)
    }
    const txn = await bed.call(findCoordinatorHandler, 1, { key: 'tx', keyType: 1, coordinatorKeys: [] })
    assert.deepEqual([txn.errorCode, txn.nodeId], [15, -1])
    assert.match(txn.errorMessage!, /transactions/)
  } finally {
    await bed.close()
  }
})

test('find coordinator v4+ answers one entry per key; transactions are not available yet', async () => {
  const bed = await openTestBed()
  try {
    const groups = await bed.call(findCoordinatorHandler, 6, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] })
    assert.deepEqual(groups.coordinators, [
      { key: 'a', nodeId: 3, host: 'sluice.test', port: 19092, errorCode: 0, errorMessage: null },
      { key: 'b', nodeId: 3, host: 'sluice.test', port: 19092, errorCode: 0, errorMessage: null },
    ])
    const txn = await bed.call(findCoordinatorHandler, 4, { key: '', keyType: 1, coordinatorKeys: ['t'] })
    assert.deepEqual([txn.coordinators[0]!.errorCode, txn.coordinators[0]!.nodeId], [15, -1])
    const share = await bed.call(findCoordinatorHandler, 6, { key: '', keyType: 2, coordinatorKeys: ['s'] })
    assert.equal(share.coordinators[0]!.errorCode, 42)
  } finally {
    await bed.close()
  }
})
