import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError, type ErrorCode } from '../../base/errors.ts'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { ManualClock } from '../../testing/manual-clock.ts'
import { MemoryFs } from '../../testing/memory-fs.ts'
import { TopicRegistry, type TopicEvent, type TopicRegistryOptions } from './topic-registry.ts'
import { deletedPartitionDirName } from './topics-file.ts'

const DATA = '/data'

async function freshFs(): Promise<MemoryFs> {
  const fs = new MemoryFs()
  await fs.mkdir(DATA)
  await fs.fsyncDir('/')
  return fs
}

function open(fs: MemoryFs, options: Partial<TopicRegistryOptions> = {}): Promise<TopicRegistry> {
  return TopicRegistry.open({ fs, dataDir: DATA, clock: new ManualClock(), configOptions: { allowSmallSegments: true }, ...options })
}

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode, text = '') =>
  assert.rejects(promise, (e) => isSluiceError(e, code) && e.message.includes(text))

const batch = (...values: string[]): Buffer => buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { timestamp: 1_700_000_000_000 })

test('a created topic has a UUID id, its partitions as <topic>-<p> directories, and is listed', async () => {
  const fs = await freshFs()
  const registry = await open(fs)
  const created = await registry.create('payments', { partitions: 3, config: { 'retention.ms': '86400000' } })
  assert.match(created.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.deepEqual(registry.list(), [{ name: 'payments', topicId: created.topicId, partitions: 3, isInternal: false }])
  for (let p = 0; p < 3; p++) assert.equal(await fs.exists(`${DATA}/payments-${p}`), true)
  assert.equal(registry.partition('payments', 2).logEndOffset, 0)
  assert.equal(registry.config('payments')['retention.ms'], 86400000)
  await registry.close()
})

test('create refuses duplicates, bad names, bad counts, replication factors above 1 and bad configs', async () => {
  const registry = await open(await freshFs())
  await registry.create('a')
  await rejectsWith(registry.create('a'), 'TOPIC_ALREADY_EXISTS', "'a'")
  await rejectsWith(registry.create('bad name'), 'INVALID_TOPIC_EXCEPTION')
  await rejectsWith(registry.create('b', { partitions: 0 }), 'INVALID_PARTITIONS')
  await rejectsWith(registry.create('b', { partitions: 1.5 }), 'INVALID_PARTITIONS')
  await rejectsWith(registry.create('b', { replicationFactor: 3 }), 'INVALID_REPLICATION_FACTOR', 'replication factor 3')
  await rejectsWith(registry.create('b', { config: { 'retention.ms': 'soon' } }), 'INVALID_CONFIG', "'retention.ms'")
  await registry.create('b', { replicationFactor: 1, partitions: -1 })
  assert.equal(registry.partitionCount('b'), 1)
  await registry.close()
})

test("a name colliding with an existing topic over '.' and '_' is refused, naming the other topic", async () => {
  const warnings: string[] = []
  const registry = await open(await freshFs(), { onWarning: (m) => warnings.push(m) })
  await registry.create('metrics.cpu')
  assert.match(warnings[0]!, /'metrics\.cpu' contains '\.' or '_'/)
  await rejectsWith(registry.create('metrics_cpu'), 'INVALID_TOPIC_EXCEPTION', "collides with existing topic 'metrics.cpu'")
  await registry.close()
})

test('validateOnly checks everything and creates nothing', async () => {
  const fs = await freshFs()
  const registry = await open(fs)
  const listing = await registry.create('dry', { partitions: 2, validateOnly: true })
  assert.equal(listing.partitions, 2)
  assert.equal(registry.has('dry'), false)
  assert.equal(await fs.exists(`${DATA}/dry-0`), false)
  await rejectsWith(registry.create('dry', { partitions: 0, validateOnly: true }), 'INVALID_PARTITIONS')
  await registry.close()
})

test('topics, ids, partition counts and configs survive a restart', async () => {
  const fs = await freshFs()
  const first = await open(fs)
  const a = await first.create('orders', { partitions: 2, config: { 'cleanup.policy': 'compact', flush: 'always' } })
  const b = await first.create('clicks')
  await first.partition('orders', 1).append(batch('x', 'y'))
  await first.close()
  const second = await open(fs)
  assert.deepEqual(second.list(), [
    { name: 'clicks', topicId: b.topicId, partitions: 1, isInternal: false },
    { name: 'orders', topicId: a.topicId, partitions: 2, isInternal: false },
  ])
  assert.equal(second.config('orders')['cleanup.policy'], 'compact')
  assert.equal(second.partition('orders', 1).config.flush, 'always')
  assert.equal(second.partition('orders', 1).logEndOffset, 2)
  await second.close()
})

test('a created topic survives a crash right after create returns', async () => {
  const fs = await freshFs()
  const registry = await open(fs)
  const { topicId } = await registry.create('durable', { partitions: 2 })
  const after = await open(fs.crash({ mode: 'drop-unsynced' }))
  assert.equal(after.topicId('durable'), topicId)
  assert.equal(after.partitionCount('durable'), 2)
  await after.close()
})

test('delete removes the logs and the topic; a recreated topic gets a new id and an empty log', async () => {
  const fs = await freshFs()
  const events: TopicEvent[] = []
  const registry = await open(fs, { onEvent: (e) => events.push(e) })
  const old = await registry.create('t', { partitions: 2 })
  await registry.partition('t', 0).append(batch('a'))
  await registry.delete('t')
  assert.equal(registry.has('t'), false)
  assert.throws(() => registry.partition('t', 0), (e) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
  assert.deepEqual(await fs.readdir(DATA), ['__cluster'])
  assert.ok(events.some((e) => e.type === 'topic-deleted' && e.topicId === old.topicId))
  const recreated = await registry.create('t', { partitions: 1 })
  assert.notEqual(recreated.topicId, old.topicId)
  assert.equal(registry.partition('t', 0).logEndOffset, 0)
  await rejectsWith(registry.delete('nope'), 'UNKNOWN_TOPIC_OR_PARTITION')
  await registry.close()
  const reopened = await open(fs)
  assert.equal(reopened.topicId('t'), recreated.topicId)
  await reopened.close()
})

test('a deletion interrupted by a crash is finished at the next open', async () => {
  const fs = await freshFs()
  const registry = await open(fs)
  const doomed = await registry.create('doomed', { partitions: 2 })
  const kept = await registry.create('kept')
  await registry.close()
  // The state a crash leaves between "metadata says deleting" and "directories removed": one
  // partition dir already renamed, one not.
  await fs.rename(`${DATA}/doomed-0`, `${DATA}/${deletedPartitionDirName('doomed', 0, doomed.topicId)}`)
  const file = JSON.parse((await fs.readFile(`${DATA}/__cluster/topics.json`)).toString())
  file.topics = file.topics.filter((t: { name: string }) => t.name !== 'doomed')
  file.deleting = [{ name: 'doomed', topicId: doomed.topicId, partitions: 2 }]
  await fs.writeFile(`${DATA}/__cluster/topics.json`, Buffer.from(JSON.stringify(file)))
  const reopened = await open(fs)
  assert.deepEqual(await fs.readdir(DATA), ['__cluster', 'kept-0'])
  assert.equal(reopened.topicId('kept'), kept.topicId)
  assert.equal(JSON.parse((await fs.readFile(`${DATA}/__cluster/topics.json`)).toString()).deleting.length, 0)
  await reopened.close()
})

test('alterConfig sets and deletes keys, applies them to the open logs and persists them', async () => {
  const fs = await freshFs()
  const registry = await open(fs, { brokerDefaults: { 'segment.ms': '3600000' } })
  await registry.create('t', { config: { 'retention.ms': '1000' } })
  const entries = await registry.alterConfig('t', { set: { 'retention.bytes': 5_000_000, flush: 'always' }, delete: ['retention.ms'] })
  const byName = new Map(entries.map((e) => [e.name, e]))
  assert.deepEqual(byName.get('retention.bytes'), { name: 'retention.bytes', value: '5000000', source: 'topic', isDefault: false })
  assert.deepEqual(byName.get('retention.ms'), { name: 'retention.ms', value: '604800000', source: 'default', isDefault: true })
  assert.deepEqual(byName.get('segment.ms'), { name: 'segment.ms', value: '3600000', source: 'broker', isDefault: true })
  const log = registry.partition('t', 0)
  assert.equal(log.config.retentionBytes, 5_000_000)
  assert.equal(log.config.retentionMs, 604800000)
  assert.equal(log.config.flush, 'always')
  await rejectsWith(registry.alterConfig('t', { set: { 'retention.days': '1' } }), 'INVALID_CONFIG', "'retention.days'")
  await rejectsWith(registry.alterConfig('t', { delete: ['nonsense'] }), 'INVALID_CONFIG', "'nonsense'")
  await rejectsWith(registry.alterConfig('t', { set: { flush: 'never' } }), 'INVALID_CONFIG', "'never'")
  assert.equal(registry.config('t').flush, 'always')
  await registry.close()
  const reopened = await open(fs, { brokerDefaults: { 'segment.ms': '3600000' } })
  const described = new Map(reopened.describe('t').config.map((e) => [e.name, e.value]))
  assert.equal(described.get('retention.bytes'), '5000000')
  assert.equal(described.get('flush'), 'always')
  assert.equal(reopened.partition('t', 0).config.segmentMs, 3600000)
  await reopened.close()
})

test('createPartitions only grows a topic, and new partitions are usable and persisted', async () => {
  const fs = await freshFs()
  const registry = await open(fs)
  await registry.create('t', { partitions: 2 })
  await rejectsWith(registry.createPartitions('t', 2), 'INVALID_PARTITIONS', 'has 2 partitions')
  await rejectsWith(registry.createPartitions('t', 1), 'INVALID_PARTITIONS')
  await registry.createPartitions('t', 5)
  assert.equal(registry.partitionCount('t'), 5)
  await registry.partition('t', 4).append(batch('new'))
  await registry.close()
  const reopened = await open(fs)
  assert.equal(reopened.partitionCount('t'), 5)
  assert.equal(reopened.partition('t', 4).logEndOffset, 1)
  await reopened.close()
})

test('describe reports each partition’s offsets and size', async () => {
  const registry = await open(await freshFs())
  await registry.create('t', { partitions: 2 })
  await registry.partition('t', 1).append(batch('a', 'b', 'c'))
  const description = registry.describe('t')
  assert.equal(description.name, 't')
  assert.equal(description.partitions.length, 2)
  assert.deepEqual(description.partitions[0], { partition: 0, logStartOffset: 0, logEndOffset: 0, highWatermark: 0, sizeBytes: 0 })
  const p1 = description.partitions[1]!
  assert.deepEqual([p1.logStartOffset, p1.logEndOffset, p1.highWatermark], [0, 3, 3])
  assert.ok(p1.sizeBytes > 61)
  await registry.close()
})

test('a partition whose log cannot open is offline while the others serve', async () => {
  const fs = await freshFs()
  const first = await open(fs)
  await first.create('t', { partitions: 2 })
  await first.close()
  fs.injectFault({ op: 'readdir', path: `${DATA}/t-1`, code: 'EIO', times: Infinity })
  const events: TopicEvent[] = []
  const registry = await open(fs, { onEvent: (e) => events.push(e) })
  assert.equal(registry.partition('t', 0).logEndOffset, 0)
  assert.throws(() => registry.partition('t', 1), (e) => isSluiceError(e, 'KAFKA_STORAGE_ERROR') && e.message.includes('t-1'))
  assert.ok(registry.describe('t').partitions[1]!.offline !== undefined)
  assert.deepEqual(events.map((e) => e.type).sort(), ['partition-offline', 'partition-opened'])
  fs.clearFaults()
  await registry.close()
})

test('internal topics cannot be deleted or repartitioned', async () => {
  const registry = await open(await freshFs())
  await registry.create('__consumer_offsets', { partitions: 2, isInternal: true })
  assert.deepEqual(registry.list(), [])
  assert.equal(registry.list({ includeInternal: true })[0]!.isInternal, true)
  await rejectsWith(registry.delete('__consumer_offsets'), 'INVALID_REQUEST', 'internal')
  await rejectsWith(registry.createPartitions('__consumer_offsets', 3), 'INVALID_REQUEST', 'internal')
  await registry.close()
})

test('a damaged topics.json stops the open instead of losing every topic', async () => {
  const fs = await freshFs()
  await (await open(fs)).close()
  await fs.writeFile(`${DATA}/__cluster/topics.json`, Buffer.from('{"version": 1, "topics": ['))
  await rejectsWith(open(fs), 'KAFKA_STORAGE_ERROR', 'topics.json')
})

test('changes after close are refused with CLOSED', async () => {
  const registry = await open(await freshFs())
  await registry.close()
  await registry.close()
  await rejectsWith(registry.create('late'), 'CLOSED')
})
