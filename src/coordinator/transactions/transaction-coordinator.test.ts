import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError, type ErrorCode } from '../../base/errors.ts'
import { buildRecordBatch, forEachBatch, readRecords } from '../../protocol/records/index.ts'
import { ManualClock } from '../../testing/manual-clock.ts'
import { MemoryFs } from '../../testing/memory-fs.ts'
import { Coordinator, type CoordinatorOptions } from '../coordinator.ts'
import { settle } from '../groups/group-test-kit.ts'
import { TRANSACTION_STATE_TOPIC } from './transaction-coordinator.ts'

const T0 = 1_700_000_000_000

async function open(fs: MemoryFs, options: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  const coordinator = await Coordinator.open({ dataDir: '/data', fs, clock: new ManualClock(T0), configOptions: { allowSmallSegments: true }, ...options })
  if (!coordinator.topics.has('out')) {
    await coordinator.topics.create('out', { partitions: 2 })
    await coordinator.topics.create('changelog', { partitions: 1, config: { 'cleanup.policy': 'compact' } })
    await coordinator.topics.create('in', { partitions: 1 })
  }
  return coordinator
}

function batch(producer: { producerId: number; producerEpoch: number }, baseSequence: number, values: string[]): Buffer {
  return buildRecordBatch(values.map((v) => ({ key: Buffer.from(`k-${v}`), value: Buffer.from(v) })), { timestamp: T0, ...producer, baseSequence })
}

async function values(coordinator: Coordinator, topic: string, partition: number): Promise<string[]> {
  const { records } = await coordinator.fetch(topic, partition, coordinator.partition(topic, partition).logStartOffset, { maxBytes: 1 << 20 })
  const out: string[] = []
  forEachBatch(records, (pos) => { for (const r of readRecords(records, pos)) out.push(r.value!.toString()) })
  return out
}

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode, text = ''): Promise<void> =>
  assert.rejects(promise, (e) => isSluiceError(e, code) && e.message.includes(text))

test('initTransactions creates __transaction_state, keeps the producer id and bumps the epoch, also across a restart', async () => {
  const fs = new MemoryFs()
  const coordinator = await open(fs)
  assert.equal(coordinator.topics.has(TRANSACTION_STATE_TOPIC), false)
  const first = await coordinator.initTransactions('task-0')
  assert.equal(first.producerEpoch, 0)
  assert.equal(coordinator.topics.isInternal(TRANSACTION_STATE_TOPIC), true)
  assert.deepEqual(await coordinator.initTransactions('task-0'), { producerId: first.producerId, producerEpoch: 1 })
  const other = await coordinator.initTransactions('task-1')
  assert.notEqual(other.producerId, first.producerId)
  await coordinator.close()
  const reopened = await open(fs)
  assert.deepEqual(await reopened.initTransactions('task-0'), { producerId: first.producerId, producerEpoch: 2 })
  await reopened.close()
})

test('a commit appends to every partition and commits the offsets; the output records and offsets appear together', async () => {
  const coordinator = await open(new MemoryFs())
  const producer = await coordinator.initTransactions('task-0')
  const results = await coordinator.commitTransaction({
    transactionalId: 'task-0', ...producer,
    writes: [
      { topic: 'out', partition: 0, batches: batch(producer, 0, ['a', 'b']) },
      { topic: 'out', partition: 1, batches: batch(producer, 0, ['c']) },
      { topic: 'changelog', partition: 0, batches: batch(producer, 0, ['s1']) },
    ],
    offsets: { groupId: 'app', memberId: '', generationId: -1, offsets: [{ topic: 'in', partition: 0, offset: 7, metadata: 'm' }] },
  })
  assert.deepEqual(results.map((r) => [r.topic, r.partition, r.baseOffset, r.lastOffset]), [['out', 0, 0, 1], ['out', 1, 0, 0], ['changelog', 0, 0, 0]])
  assert.deepEqual(await values(coordinator, 'out', 0), ['a', 'b'])
  assert.deepEqual(await values(coordinator, 'out', 1), ['c'])
  assert.deepEqual(await values(coordinator, 'changelog', 0), ['s1'])
  assert.deepEqual(coordinator.groups.fetchOffsets('app', [{ topic: 'in', partition: 0 }]).offsets[0], { topic: 'in', partition: 0, offset: 7, leaderEpoch: -1, metadata: 'm' })
  // The next commit continues the sequences.
  await coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [{ topic: 'out', partition: 0, batches: batch(producer, 2, ['d']) }] })
  assert.deepEqual(await values(coordinator, 'out', 0), ['a', 'b', 'd'])
  // A gap in a partition's sequence is refused before the commit point, so nothing of it lands.
  await rejectsWith(coordinator.commitTransaction({
    transactionalId: 'task-0', ...producer,
    writes: [{ topic: 'out', partition: 1, batches: batch(producer, 1, ['e']) }, { topic: 'out', partition: 0, batches: batch(producer, 9, ['f']) }],
  }), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
  assert.deepEqual(await values(coordinator, 'out', 1), ['c'])
  await coordinator.close()
})

test('a commit that fails its checks writes nothing anywhere', async () => {
  const coordinator = await open(new MemoryFs())
  const producer = await coordinator.initTransactions('task-0')
  const good = { topic: 'out', partition: 0, batches: batch(producer, 0, ['a']) }
  const offsets = { groupId: 'app', memberId: '', generationId: -1, offsets: [{ topic: 'in', partition: 0, offset: 3 }] }
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [good, { topic: 'out', partition: 5, batches: batch(producer, 0, ['x']) }], offsets }), 'UNKNOWN_TOPIC_OR_PARTITION')
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [good, { topic: 'out', partition: 1, batches: batch({ ...producer, producerId: 999 }, 0, ['x']) }], offsets }), 'INVALID_PRODUCER_ID_MAPPING')
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [good, { topic: 'out', partition: 1, batches: batch({ ...producer, producerEpoch: 9 }, 0, ['x']) }] }), 'INVALID_PRODUCER_EPOCH')
  const keyless = buildRecordBatch([{ key: null, value: Buffer.from('v') }], { timestamp: T0, ...producer, baseSequence: 0 })
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [good, { topic: 'changelog', partition: 0, batches: keyless }] }), 'INVALID_RECORD')
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [good], offsets: { ...offsets, offsets: [{ topic: 'nope', partition: 0, offset: 1 }] } }), 'UNKNOWN_TOPIC_OR_PARTITION')
  assert.deepEqual(await values(coordinator, 'out', 0), [])
  assert.deepEqual(await values(coordinator, 'out', 1), [])
  assert.equal(coordinator.groups.fetchOffsets('app', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset, -1)
  // Nothing moved the sequences: the same batch commits now.
  await coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [good], offsets })
  assert.deepEqual(await values(coordinator, 'out', 0), ['a'])
  await coordinator.close()
})

test('a newer initTransactions fences the older holder: its commits get PRODUCER_FENCED', async () => {
  const coordinator = await open(new MemoryFs())
  const zombie = await coordinator.initTransactions('task-0')
  const current = await coordinator.initTransactions('task-0')
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'task-0', ...zombie, writes: [{ topic: 'out', partition: 0, batches: batch(zombie, 0, ['z']) }] }), 'PRODUCER_FENCED')
  await rejectsWith(coordinator.commitTransaction({ transactionalId: 'never-initialized', ...zombie, writes: [] }), 'INVALID_PRODUCER_ID_MAPPING')
  await coordinator.commitTransaction({ transactionalId: 'task-0', ...current, writes: [{ topic: 'out', partition: 0, batches: batch(current, 0, ['c']) }] })
  assert.deepEqual(await values(coordinator, 'out', 0), ['c'])
  await coordinator.close()
})

test('offsets from a member of an older generation are refused (ILLEGAL_GENERATION), unknown members too', async () => {
  const clock = new ManualClock(T0)
  const coordinator = await open(new MemoryFs(), { clock, groups: { initialRebalanceDelayMs: 0 } })
  const protocols = [{ name: 'range', metadata: Buffer.alloc(0) }]
  const join = (memberId: string) => coordinator.groups.joinGroup({ groupId: 'app', memberId, clientId: 'c', sessionTimeoutMs: 10_000, protocolType: 'consumer', protocols })
  const joining = join('')
  await settle()
  clock.advance(10)
  const first = await joining
  await coordinator.groups.syncGroup({ groupId: 'app', memberId: first.memberId, generationId: first.generationId, assignments: [] })
  const producer = await coordinator.initTransactions('task-0')
  const commit = (memberId: string, generationId: number) => coordinator.commitTransaction({
    transactionalId: 'task-0', ...producer,
    writes: [{ topic: 'out', partition: 0, batches: batch(producer, 0, ['a']) }],
    offsets: { groupId: 'app', memberId, generationId, offsets: [{ topic: 'in', partition: 0, offset: 1 }] },
  })
  await rejectsWith(commit(first.memberId, first.generationId + 1), 'ILLEGAL_GENERATION', 'zombie')
  await rejectsWith(commit('someone-else', first.generationId), 'UNKNOWN_MEMBER_ID')
  await rejectsWith(commit('', -1), 'UNKNOWN_MEMBER_ID', 'has members')
  assert.deepEqual(await values(coordinator, 'out', 0), [])
  await commit(first.memberId, first.generationId)
  assert.deepEqual(await values(coordinator, 'out', 0), ['a'])
  await coordinator.close()
})

test('a crash right after the commit point: open re-applies the intent, writes and offsets', async () => {
  const fs = new MemoryFs()
  let crashed: MemoryFs | null = null
  const coordinator = await open(fs, {
    transactions: {
      onCommitPoint: () => {
        crashed = fs.crash({ mode: 'drop-unsynced' })
        throw new Error('simulated crash between commit point and apply')
      },
    },
  })
  const producer = await coordinator.initTransactions('task-0')
  await assert.rejects(coordinator.commitTransaction({
    transactionalId: 'task-0', ...producer,
    writes: [{ topic: 'out', partition: 0, batches: batch(producer, 0, ['a', 'b']) }, { topic: 'out', partition: 1, batches: batch(producer, 0, ['c']) }],
    offsets: { groupId: 'app', memberId: '', generationId: -1, offsets: [{ topic: 'in', partition: 0, offset: 5 }] },
  }), /simulated crash/)
  await coordinator.close().catch(() => undefined) // its file system is gone
  assert.ok(crashed !== null)
  const recovered = await open(crashed)
  assert.deepEqual(await values(recovered, 'out', 0), ['a', 'b'])
  assert.deepEqual(await values(recovered, 'out', 1), ['c'])
  assert.equal(recovered.groups.fetchOffsets('app', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset, 5)
  // The id keeps its producer id; the re-applied batches moved its sequences as a normal commit does.
  const next = await recovered.initTransactions('task-0')
  assert.deepEqual(next, { producerId: producer.producerId, producerEpoch: producer.producerEpoch + 1 })
  await recovered.close()
})

test('a commit applied in part before a failure is completed once, without duplicates, by the next open', async () => {
  const fs = new MemoryFs()
  const coordinator = await open(fs)
  const producer = await coordinator.initTransactions('task-0')
  // Partition out-1's log fails on its next write: the intent is durable, out-0 gets its part, out-1 does not.
  fs.injectFault({ op: 'write', path: /out-1\/.*\.log$/, code: 'EIO' })
  await rejectsWith(coordinator.commitTransaction({
    transactionalId: 'task-0', ...producer,
    writes: [{ topic: 'out', partition: 0, batches: batch(producer, 0, ['a']) }, { topic: 'out', partition: 1, batches: batch(producer, 0, ['b']) }],
    offsets: { groupId: 'app', memberId: '', generationId: -1, offsets: [{ topic: 'in', partition: 0, offset: 9 }] },
  }), 'KAFKA_STORAGE_ERROR', 'is committed (durable) but not yet fully applied')
  assert.deepEqual(await values(coordinator, 'out', 0), ['a'])
  await coordinator.close().catch(() => undefined) // out-1 is offline
  const reopened = await open(fs.crash({ mode: 'keep-unsynced' }))
  assert.deepEqual(await values(reopened, 'out', 0), ['a'])
  assert.deepEqual(await values(reopened, 'out', 1), ['b'])
  assert.equal(reopened.groups.fetchOffsets('app', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset, 9)
  // A second restart finds the intent complete and applies nothing again.
  await reopened.close()
  const again = await open(fs.crash({ mode: 'keep-unsynced' }).crash({ mode: 'keep-unsynced' }))
  assert.deepEqual(await values(again, 'out', 0), ['a'])
  assert.deepEqual(await values(again, 'out', 1), ['b'])
  await again.close()
})

test('compaction keeps __transaction_state to about one record per transactional id', async () => {
  const fs = new MemoryFs()
  const coordinator = await open(fs)
  const producer = await coordinator.initTransactions('task-0')
  // Small segments so the intents roll out of the active segment and become compactable.
  await coordinator.topics.alterConfig(TRANSACTION_STATE_TOPIC, { set: { 'segment.bytes': 512 } })
  for (let i = 0; i < 30; i++) {
    await coordinator.commitTransaction({ transactionalId: 'task-0', ...producer, writes: [{ topic: 'out', partition: 0, batches: batch(producer, i, [`v${i}`]) }] })
  }
  const log = coordinator.partition(TRANSACTION_STATE_TOPIC, 0)
  const countRecords = async (): Promise<number> => {
    let n = 0
    for (let offset = log.logStartOffset; offset < log.highWatermark;) {
      const { records } = await log.read(offset, 1 << 20)
      let next = offset
      forEachBatch(records, (pos) => {
        for (const r of readRecords(records, pos)) if (r.offset >= offset) { n++; next = r.offset + 1 }
      })
      if (next === offset) break // only compacted-away offsets remain
      offset = next
    }
    return n
  }
  assert.equal(await countRecords(), 61) // init + 30 × (intent, completion)
  await log.compact()
  assert.ok(await countRecords() <= 3, `after compaction ${await countRecords()} records remain`)
  await coordinator.close()
  // What compaction kept still says where the id stands.
  const reopened = await open(fs)
  assert.deepEqual(await reopened.initTransactions('task-0'), { producerId: producer.producerId, producerEpoch: producer.producerEpoch + 1 })
  assert.deepEqual((await values(reopened, 'out', 0)).length, 30)
  await reopened.close()
})
