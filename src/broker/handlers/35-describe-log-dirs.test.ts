// DescribeLogDirs called directly over a real Coordinator, at v0, v3 and v4.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { describeLogDirsHandler } from './35-describe-log-dirs.ts'
import { openTestBed } from './handler-test-kit.ts'

test('describe log dirs reports the data dir with each partition\'s size and no lag', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { partitions: 2 })
    await bed.coordinator.produce('t', 1, buildRecordBatch([{ timestamp: bed.clock.now(), key: null, value: Buffer.alloc(100), headers: [] }]))
    const all = await bed.call(describeLogDirsHandler, 4, { topics: null })
    assert.equal(all.results.length, 1)
    const [dir] = all.results
    assert.equal(dir!.logDir, '/data')
    assert.equal(dir!.totalBytes, -1, 'no statfs on the in-memory file system')
    const t = dir!.topics.find((x) => x.name === 't')!
    assert.deepEqual(t.partitions.map((p) => [p.partitionIndex, p.offsetLag, p.isFutureKey]), [[0, 0, false], [1, 0, false]])
    assert.equal(t.partitions[1]!.partitionSize, bed.coordinator.partition('t', 1).sizeBytes)
    assert.ok(t.partitions[1]!.partitionSize > t.partitions[0]!.partitionSize)
    assert.ok(dir!.topics.some((x) => x.name === '__consumer_offsets'))
    const some = await bed.call(describeLogDirsHandler, 0, { topics: [{ topic: 't', partitions: [1, 9] }, { topic: 'missing', partitions: [0] }] })
    assert.deepEqual(some.results[0]!.topics.map((x) => [x.name, x.partitions.map((p) => p.partitionIndex)]), [['t', [1]]])
    const v3 = await bed.call(describeLogDirsHandler, 3, { topics: [] })
    assert.deepEqual([v3.errorCode, v3.results[0]!.topics], [0, []])
  } finally {
    await bed.close()
  }
})
