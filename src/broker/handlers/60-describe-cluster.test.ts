// DescribeCluster called directly, at v0 and v1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeClusterHandler } from './60-describe-cluster.ts'
import { openTestBed, TEST_BROKER } from './handler-test-kit.ts'

test('describe cluster answers this node as the only broker and the controller, with the cluster id', async () => {
  const bed = await openTestBed()
  try {
    const v0 = await bed.call(describeClusterHandler, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 })
    assert.deepEqual(v0, {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, endpointType: 1, clusterId: TEST_BROKER.clusterId, controllerId: 3,
      brokers: [{ brokerId: 3, host: 'sluice.test', port: 19092, rack: null }], clusterAuthorizedOperations: -2147483648,
    })
    const v1 = await bed.call(describeClusterHandler, 1, { includeClusterAuthorizedOperations: true, endpointType: 2 })
    assert.equal(v1.endpointType, 2)
    assert.equal(v1.brokers.length, 1)
    assert.notEqual(v1.clusterAuthorizedOperations, -2147483648)
    const bad = await bed.call(describeClusterHandler, 1, { includeClusterAuthorizedOperations: false, endpointType: 7 })
    assert.equal(bad.errorCode, 115)
  } finally {
    await bed.close()
  }
})
