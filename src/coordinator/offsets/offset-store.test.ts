// Tests of the offset store: Kafka's group → partition rule, the record layouts (golden bytes of
// Kafka's OffsetCommitKey v1 / OffsetCommitValue v3), loading back from the logs (last record
// wins, tombstones delete, other record types are skipped), and failed appends changing nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { TestOffsetsLogs } from '../groups/group-test-kit.ts'
import { ManualClock } from '../../testing/manual-clock.ts'
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue } from './offset-records.ts'
import { javaStringHashCode, offsetsPartitionFor } from './offset-store.ts'

test('groups map to partitions with Java String.hashCode and Kafka Utils.abs', () => {
  assert.equal(javaStringHashCode(''), 0)
  assert.equal(javaStringHashCode('hello'), 99162322)
  assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'))
  assert.equal(javaStringHashCode('☃ group'), javaStringHashCode('☃ group'))
  // Java famous: "polygenelubricants".hashCode() == Integer.MIN_VALUE, which Utils.abs maps to 0.
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648)
  assert.equal(offsetsPartitionFor('polygenelubricants', 50), 0)
  assert.equal(offsetsPartitionFor('hello', 50), 22)
  assert.ok(javaStringHashCode('consumer-group-1') !== javaStringHashCode('consumer-group-2'))
})

test('keys and values use Kafka\'s OffsetCommitKey v1 and OffsetCommitValue v3 layouts', () => {
  assert.deepEqual(encodeOffsetKey('g', 'tp', 5), Buffer.from('0001' + '000167' + '00027470' + '00000005', 'hex'))
  const value = encodeOffsetValue({ offset: 258, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000 })
  assert.deepEqual(value, Buffer.from('0003' + '0000000000000102' + '00000007' + '00016d' + '00000000000003e8', 'hex'))
  assert.deepEqual(decodeOffsetValue(value), { offset: 258, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000 })
  assert.deepEqual(decodeOffsetKey(encodeOffsetKey('g', 'tp', 5)), { kind: 'offset', group: 'g', topic: 'tp', partition: 5 })
  // Value v1 (Kafka 0.10-2.0) carries an expireTimestamp after the commit time.
  const v1 = Buffer.from('0001' + '0000000000000009' + '0000' + '0000000000000001' + '0000000000000002', 'hex')
  assert.deepEqual(decodeOffsetValue(v1), { offset: 9, leaderEpoch: -1, metadata: '', commitTimestamp: 1 })
  assert.deepEqual(decodeOffsetKey(Buffer.from('0002000167', 'hex')), { kind: 'other', version: 2 })
  assert.throws(() => decodeOffsetKey(Buffer.from('000100', 'hex')), { code: 'CORRUPT_MESSAGE' })
  assert.throws(() => decodeOffsetValue(Buffer.from('0009', 'hex')), { code: 'CORRUPT_MESSAGE' })
})

test('loading keeps the last commit per key, applies tombstones and skips group metadata records', async () => {
  const clock = new ManualClock()
  const logs = new TestOffsetsLogs(1)
  const store = await logs.openStore(clock)
  await store.commit('g', [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: '' }, { topic: 't', partition: 1, offset: 2, leaderEpoch: -1, metadata: '' }])
  clock.advance(500)
  await store.commit('g', [{ topic: 't', partition: 0, offset: 3, leaderEpoch: 1, metadata: 'x' }])
  await store.delete('g', [{ topic: 't', partition: 1 }])
  // A group metadata record (key version 2), as Kafka writes, must not disturb loading.
  await logs.logs[0]!.append(buildRecordBatch([{ key: Buffer.from('0002000167', 'hex'), value: Buffer.from('0003', 'hex') }], { timestamp: clock.now() }))
  await store.commit('h', [{ topic: 'u', partition: 0, offset: 8, leaderEpoch: -1, metadata: '' }])
  assert.equal(await store.deleteGroup('h'), 1)

  const reopened = await logs.openStore(clock)
  assert.deepEqual(reopened.offsets('g'), [{ topic: 't', partition: 0, offset: 3, leaderEpoch: 1, metadata: 'x', commitTimestamp: clock.now() }])
  assert.deepEqual(reopened.groupIds(), ['g'])
  assert.equal(reopened.hasOffsets('h'), false)
  await logs.close()
})

test('a failed append leaves the committed offsets unchanged', async () => {
  const clock = new ManualClock()
  const logs = new TestOffsetsLogs(1)
  const store = await logs.openStore(clock)
  await store.commit('g', [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: '' }])
  logs.fs.injectFault({ op: 'write', path: /__consumer_offsets-0/, code: 'EIO' })
  await assert.rejects(store.commit('g', [{ topic: 't', partition: 0, offset: 2, leaderEpoch: -1, metadata: '' }]), { code: 'KAFKA_STORAGE_ERROR' })
  assert.equal(store.get('g', 't', 0)?.offset, 1)
  // The log is offline now; the store stays usable for reads and reports each failed write.
  await assert.rejects(store.deleteGroup('g'), { code: 'KAFKA_STORAGE_ERROR' })
  assert.equal(store.get('g', 't', 0)?.offset, 1)
  await logs.close()
})

test('offsets acknowledged before a power loss are there after it', async () => {
  const clock = new ManualClock()
  const logs = new TestOffsetsLogs(2)
  const store = await logs.openStore(clock)
  for (let i = 0; i < 10; i++) await store.commit(`group-${i}`, [{ topic: 't', partition: i, offset: i * 10, leaderEpoch: -1, metadata: '' }])
  await store.deleteGroup('group-3')
  const afterCrash = logs.crashed()
  const reopened = await afterCrash.openStore(clock)
  assert.deepEqual(reopened.groupIds().sort(), ['group-0', 'group-1', 'group-2', 'group-4', 'group-5', 'group-6', 'group-7', 'group-8', 'group-9'])
  assert.equal(reopened.get('group-7', 't', 7)?.offset, 70)
  await afterCrash.close()
})

test('writes of one group apply in the order they were issued', async () => {
  const clock = new ManualClock()
  const logs = new TestOffsetsLogs(2)
  const store = await logs.openStore(clock)
  const writes = []
  for (let offset = 0; offset < 20; offset++) writes.push(store.commit('g', [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: '' }]))
  writes.push(store.deleteGroup('g'))
  writes.push(store.commit('g', [{ topic: 't', partition: 1, offset: 99, leaderEpoch: -1, metadata: '' }]))
  await Promise.all(writes)
  assert.deepEqual(store.offsets('g').map((o) => [o.partition, o.offset]), [[1, 99]])
  const reopened = await logs.openStore(clock)
  assert.deepEqual(reopened.offsets('g').map((o) => [o.partition, o.offset]), [[1, 99]])
  await logs.close()
})
