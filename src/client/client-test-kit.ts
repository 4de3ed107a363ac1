// The client API's contract, as scenarios run against every way of reaching a log: the embedded
// transport (Sluice.open) and the kafka transport (Sluice.connect to a broker), so the two are
// proven to behave alike — produce with every acks and compression, idempotence, seeks, a
// consumer group through rebalances and restarts, every Admin method and the clear errors.
// `clientContract(target)` registers the tests; connect.test.ts runs it over both. Tests only.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import type { Consumer } from './consumer.ts'
import type { Sluice } from './sluice.ts'
import type { CompressionName, ConsumerRecord, TopicPartition } from './types.ts'

/** A way to open a Sluice for one scenario; `close` undoes whatever `open` set up. */
export interface ClientTarget {
  name: string
  /** Opens a fresh Sluice (its own data dir, or a new connection to the shared test broker). */
  open(options?: { autoCreateTopics?: boolean }): Promise<Sluice>
}

/** Polls until `count` records came or `timeoutMs` passed. */
export async function drain(consumer: Consumer, count: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = []
  const deadline = Date.now() + timeoutMs
  while (out.length < count && Date.now() < deadline) out.push(...await consumer.poll({ timeoutMs: 100 }))
  return out
}

/** Calls `fn` until its result satisfies `isDone` or `timeoutMs` passed; returns the last result. */
export async function eventually<T>(fn: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (isDone(value) || Date.now() >= deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Registers the contract's tests for `target`. */
export function clientContract(target: ClientTarget): void {
  describe(`client contract over ${target.name}`, () => {
    /** Opens a Sluice that is closed after the test. */
    async function open(t: { after: (fn: () => Promise<void>) => void }, options?: { autoCreateTopics?: boolean }): Promise<Sluice> {
      const sluice = await target.open(options)
      t.after(() => sluice.close())
      return sluice
    }

    test('records sent with acks 0, 1 and all, idempotent or not, under every codec come back in order with keys and headers', async (t) => {
      const sluice = await open(t)
      await sluice.admin.createTopic('codecs', { partitions: 1 })
      const settings: Array<{ acks: 0 | 1 | 'all'; idempotent: boolean; compression: CompressionName }> = [
        { acks: 0, idempotent: false, compression: 'none' },
        { acks: 1, idempotent: false, compression: 'gzip' },
        { acks: 'all', idempotent: true, compression: 'snappy' },
        { acks: 'all', idempotent: true, compression: 'lz4' },
        { acks: 'all', idempotent: false, compression: 'zstd' },
      ]
      let expected = 0
      for (const [round, setting] of settings.entries()) {
        const producer = sluice.producer({ ...setting, lingerMs: 2 })
        const metas = await producer.send('codecs', Array.from({ length: 20 }, (_, i) => ({
          key: `k${round}-${i}`, value: { round, i }, headers: { codec: setting.compression },
        })))
        await producer.flush()
        if (setting.acks === 0) assert.ok(metas.every((m) => m.offset === -1), 'acks 0 does not learn offsets')
        else assert.deepEqual(metas.map((m) => m.offset), Array.from({ length: 20 }, (_, i) => expected + i))
        expected += 20
        await producer.close()
      }
      const records = await drain(sluice.consumer().assign([{ topic: 'codecs', partition: 0, offset: 'beginning' }]), 100)
      assert.equal(records.length, 100)
      assert.deepEqual(records.map((r) => r.offset), Array.from({ length: 100 }, (_, i) => i))
      for (const [n, r] of records.entries()) {
        const round = Math.floor(n / 20)
        assert.deepEqual(JSON.parse(r.value!.toString()), { round, i: n % 20 })
        assert.equal(r.key!.toString(), `k${round}-${n % 20}`)
        assert.deepEqual(r.headers.map(([k, v]) => [k, v?.toString()]), [['codec', settings[round]!.compression]])
      }
    })

    test('an idempotent producer sends many batches to many partitions in key order, and auto-creates a topic', async (t) => {
      const sluice = await open(t)
      const producer = sluice.producer({ idempotent: true, lingerMs: 1, batchBytes: 2048 })
      const sends = []
      for (let i = 0; i < 40; i++) sends.push(producer.send('auto-created', Array.from({ length: 25 }, (_, j) => ({ key: 'same-key', value: `${i * 25 + j}` }))))
      const metas = (await Promise.all(sends)).flat()
      assert.deepEqual(metas.map((m) => m.offset), Array.from({ length: 1000 }, (_, i) => i))
      assert.ok(producer.identity.producerId >= 0)
      const records = await drain(sluice.consumer({ autoOffsetReset: 'earliest' }).assign([{ topic: 'auto-created', partition: 0 }]), 1000)
      assert.deepEqual(records.map((r) => Number(r.value!.toString())), Array.from({ length: 1000 }, (_, i) => i))
    })

    test('a consumer seeks to the beginning, an offset, a timestamp and the end, and wakes when a record arrives', async (t) => {
      const sluice = await open(t)
      await sluice.admin.createTopic('ticks')
      const base = 1_700_000_000_000
      await sluice.producer().send('ticks', Array.from({ length: 100 }, (_, i) => ({ value: `${i}`, timestamp: base + i * 1000 })))
      const consumer = sluice.consumer().assign([{ topic: 'ticks', partition: 0, offset: 'beginning' }])
      assert.equal((await drain(consumer, 100)).length, 100)
      consumer.seek('ticks', 0, 42)
      assert.equal((await consumer.poll({ timeoutMs: 1000 }))[0]!.offset, 42)
      consumer.seek('ticks', 0, { timestamp: base + 73_500 })
      assert.equal((await consumer.poll({ timeoutMs: 1000 }))[0]!.offset, 74)
      consumer.seek('ticks', 0, { timestamp: base + 10_000_000 })
      assert.deepEqual(await consumer.poll({ timeoutMs: 50 }), [], 'a time past the last record seeks to the end')
      assert.equal(consumer.position('ticks', 0), 100)
      consumer.seek('ticks', 0, 'beginning')
      assert.equal((await consumer.poll({ timeoutMs: 1000 }))[0]!.offset, 0)
      consumer.seek('ticks', 0, 'end')
      assert.deepEqual(await consumer.poll({ timeoutMs: 50 }), [])
      const started = performance.now()
      const polled = consumer.poll({ timeoutMs: 5000 })
      setTimeout(() => void sluice.producer().send('ticks', [{ value: 'late' }]), 50)
      const [late] = await polled
      assert.equal(late!.value!.toString(), 'late')
      assert.equal(late!.offset, 100)
      assert.ok(performance.now() - started < 3000, 'the long poll answered when the record arrived')
    })

    test('three group members split the partitions, hand them over when one leaves, and a new member resumes from the commits', async (t) => {
      const sluice = await open(t)
      const partitions = 6
      await sluice.admin.createTopic('orders', { partitions })
      await sluice.producer().send('orders', Array.from({ length: 600 }, (_, i) => ({ key: `order-${i}`, value: `${i}` })))
      const owner = new Map<string, string>()
      const violations: string[] = []
      const seen = new Map<string, number>()
      const member = (name: string): Consumer => sluice.consumer({
        group: 'billing', autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100, autoCommitIntervalMs: 200,
        onAssigned: (parts: TopicPartition[]) => {
          for (const p of parts) {
            const key = `${p.topic}/${p.partition}`
            const holder = owner.get(key)
            if (holder !== undefined && holder !== name) violations.push(`${key} assigned to ${name} while ${holder} owns it`)
            owner.set(key, name)
          }
        },
        onRevoked: (parts: TopicPartition[]) => {
          for (const p of parts) if (owner.get(`${p.topic}/${p.partition}`) === name) owner.delete(`${p.topic}/${p.partition}`)
        },
      }).subscribe('orders')
      const members = new Map([['a', member('a')], ['b', member('b')], ['c', member('c')]])
      const pollAll = async (until: () => boolean, timeoutMs = 20_000): Promise<void> => {
        const deadline = Date.now() + timeoutMs
        while (!until() && Date.now() < deadline) {
          await Promise.all([...members.values()].map(async (c) => {
            for (const r of await c.poll({ timeoutMs: 50 })) seen.set(r.value!.toString(), (seen.get(r.value!.toString()) ?? 0) + 1)
          }))
        }
      }
      const ownersOf = (): Set<string> => new Set(owner.values())
      await pollAll(() => seen.size === 600 && ownersOf().size === 3)
      assert.equal(seen.size, 600)
      assert.deepEqual([...ownersOf()].sort(), ['a', 'b', 'c'])
      for (const c of members.values()) await c.commit()

      await members.get('c')!.close()
      members.delete('c')
      await sluice.producer().send('orders', Array.from({ length: 300 }, (_, i) => ({ key: `order-${600 + i}`, value: `${600 + i}` })))
      await pollAll(() => seen.size === 900 && owner.size === partitions && ownersOf().size === 2)
      assert.equal(seen.size, 900)
      assert.deepEqual([...ownersOf()].sort(), ['a', 'b'])
      assert.deepEqual(violations, [])
      for (const c of members.values()) await c.close()

      const group = await eventually(() => sluice.admin.describeGroup('billing'), (g) => g.state === 'Empty')
      assert.equal(group.state, 'Empty')
      assert.equal(group.totalLag, 0, 'closing committed what was consumed')
      assert.equal(group.offsets.reduce((sum, o) => sum + o.committedOffset, 0), 900)
      await sluice.producer().send('orders', [{ key: 'order-900', value: 'after' }])
      const resumed = sluice.consumer({ group: 'billing', autoOffsetReset: 'earliest', heartbeatIntervalMs: 100 }).subscribe('orders')
      const records = await drain(resumed, 1)
      assert.deepEqual(records.map((r) => r.value!.toString()), ['after'], 'the new member starts at the committed offsets')
      await resumed.close()
    })

    test('admin creates, lists, describes, alters, grows and deletes topics, and lists offsets', async (t) => {
      const sluice = await open(t)
      const created = await sluice.admin.createTopic('admin-a', { partitions: 2, config: { 'retention.ms': 60_000 } })
      assert.deepEqual([created.name, created.partitions, created.isInternal], ['admin-a', 2, false])
      assert.match(created.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      await sluice.admin.createTopic('admin-b')
      await sluice.producer().send('admin-a', [{ value: 'x', partition: 1 }, { value: 'y', partition: 1 }])
      const listed = (await sluice.admin.listTopics()).map((l) => [l.name, l.partitions])
      assert.ok(listed.some(([n, p]) => n === 'admin-a' && p === 2) && listed.some(([n, p]) => n === 'admin-b' && p === 1), JSON.stringify(listed))
      assert.ok(!listed.some(([n]) => n === '__consumer_offsets'), 'internal topics are left out')
      assert.ok((await sluice.admin.listTopics({ includeInternal: true })).some((l) => l.name === '__consumer_offsets'))

      let described = await sluice.admin.describeTopic('admin-a')
      assert.equal(described.topicId, created.topicId)
      assert.deepEqual(described.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.highWatermark]), [[0, 0, 0, 0], [1, 0, 2, 2]])
      assert.ok(described.partitions[1]!.sizeBytes > 0)
      const config = (name: string): { value: string; source: string } | undefined => described.config.find((c) => c.name === name)
      assert.deepEqual({ ...config('retention.ms') }, { name: 'retention.ms', value: '60000', source: 'topic', isDefault: false })
      assert.equal(config('cleanup.policy')!.source, 'default')

      const altered = await sluice.admin.alterTopicConfig('admin-a', { set: { 'cleanup.policy': 'compact' }, delete: ['retention.ms'] })
      assert.equal(altered.find((c) => c.name === 'cleanup.policy')!.value, 'compact')
      assert.notEqual(altered.find((c) => c.name === 'retention.ms')!.source, 'topic')
      await sluice.admin.addPartitions('admin-a', 4)
      described = await sluice.admin.describeTopic('admin-a')
      assert.equal(described.partitions.length, 4)
      assert.equal(config('cleanup.policy')!.source, 'topic')
      assert.deepEqual(await sluice.admin.listOffsets('admin-a'), [
        { partition: 0, logStartOffset: 0, highWatermark: 0 }, { partition: 1, logStartOffset: 0, highWatermark: 2 },
        { partition: 2, logStartOffset: 0, highWatermark: 0 }, { partition: 3, logStartOffset: 0, highWatermark: 0 },
      ])
      const [meta] = await sluice.producer().send('admin-a', [{ key: 'compacted topics need keys', value: 'new partition', partition: 3 }])
      assert.deepEqual([meta!.partition, meta!.offset], [3, 0])

      await sluice.admin.deleteTopic('admin-a')
      await sluice.admin.deleteTopic('admin-b')
      const names = (await sluice.admin.listTopics()).map((l) => l.name)
      assert.ok(!names.includes('admin-a') && !names.includes('admin-b'), names.join(','))
    })

    test('admin lists and describes groups with lag, moves their offsets and deletes them', async (t) => {
      const sluice = await open(t)
      await sluice.admin.createTopic('clicks', { partitions: 2 })
      const base = 1_700_000_000_000
      await sluice.producer().send('clicks', Array.from({ length: 20 }, (_, i) => ({ value: `${i}`, partition: i % 2, timestamp: base + i * 1000 })))
      const consumer = sluice.consumer({ group: 'reporting', autoOffsetReset: 'earliest', autoCommit: false, heartbeatIntervalMs: 100 }).subscribe('clicks')
      assert.equal((await drain(consumer, 20)).length, 20)
      await consumer.commit([{ topic: 'clicks', partition: 0, offset: 4 }, { topic: 'clicks', partition: 1, offset: 10 }])
      const live = await sluice.admin.describeGroup('reporting')
      assert.equal(live.state, 'Stable')
      assert.equal(live.members.length, 1)
      assert.deepEqual(live.members[0]!.assignment, [{ topic: 'clicks', partition: 0 }, { topic: 'clicks', partition: 1 }])
      await assert.rejects(sluice.admin.resetGroupOffsets('reporting', 'clicks', 'beginning'), (e: unknown) => isSluiceError(e, 'NON_EMPTY_GROUP'))
      await assert.rejects(sluice.admin.deleteGroup('reporting'), (e: unknown) => isSluiceError(e, 'NON_EMPTY_GROUP'))
      await consumer.close()

      // The last member's leave ends in a rebalance with nobody left, then Empty.
      const described = await eventually(() => sluice.admin.describeGroup('reporting'), (g) => g.state === 'Empty')
      assert.equal(described.state, 'Empty')
      assert.deepEqual(described.offsets.map((o) => [o.partition, o.committedOffset, o.logEndOffset, o.lag]), [[0, 4, 10, 6], [1, 10, 10, 0]])
      assert.equal(described.totalLag, 6)
      assert.ok((await sluice.admin.listGroups()).some((g) => g.groupId === 'reporting' && g.state === 'Empty'))

      assert.deepEqual(await sluice.admin.resetGroupOffsets('reporting', 'clicks', 'beginning'), [
        { topic: 'clicks', partition: 0, offset: 0 }, { topic: 'clicks', partition: 1, offset: 0 },
      ])
      assert.equal((await sluice.admin.describeGroup('reporting')).totalLag, 20)
      // Partition 0 holds the even seconds, partition 1 the odd ones.
      assert.deepEqual((await sluice.admin.resetGroupOffsets('reporting', 'clicks', { timestamp: base + 13_000 })).map((o) => o.offset), [7, 6])
      await sluice.admin.resetGroupOffsets('reporting', 'clicks', 'end', [1])
      assert.deepEqual((await sluice.admin.describeGroup('reporting')).offsets.map((o) => o.committedOffset), [7, 10])

      await sluice.admin.deleteGroup('reporting')
      assert.ok(!(await sluice.admin.listGroups()).some((g) => g.groupId === 'reporting'))
      await assert.rejects(sluice.admin.describeGroup('reporting'), (e: unknown) => isSluiceError(e, 'GROUP_ID_NOT_FOUND'))
    })

    test('the cluster description names the nodes and each partition\'s leader', async (t) => {
      const sluice = await open(t)
      await sluice.admin.createTopic('described', { partitions: 3 })
      const cluster = await sluice.admin.describeCluster()
      assert.ok(cluster.brokers.length >= 1)
      assert.ok(cluster.brokers.some((b) => b.nodeId === cluster.controllerId))
      assert.ok(cluster.clusterId !== null && cluster.clusterId.length > 0)
      const topic = cluster.topics.find((x) => x.name === 'described')!
      assert.deepEqual(topic.partitions.map((p) => p.partition), [0, 1, 2])
      for (const p of topic.partitions) assert.ok(cluster.brokers.some((b) => b.nodeId === p.leaderId))
      assert.ok(cluster.topics.some((x) => x.name === '__consumer_offsets' && x.isInternal))
    })

    test('unknown topics, existing topics, bad arguments and unknown groups are clear SluiceErrors', async (t) => {
      const sluice = await open(t, { autoCreateTopics: false })
      await assert.rejects(sluice.producer().send('nowhere', [{ value: 'x' }]), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION') && /nowhere/.test((e as Error).message))
      await assert.rejects(sluice.admin.describeTopic('nowhere'), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION') && /nowhere/.test((e as Error).message))
      await assert.rejects(sluice.admin.deleteTopic('nowhere'), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
      await sluice.admin.createTopic('exists')
      await assert.rejects(sluice.admin.createTopic('exists'), (e: unknown) => isSluiceError(e, 'TOPIC_ALREADY_EXISTS'))
      await assert.rejects(sluice.admin.createTopic('bad name!'), (e: unknown) => isSluiceError(e, 'INVALID_TOPIC_EXCEPTION') && /bad name!/.test((e as Error).message))
      await assert.rejects(sluice.admin.createTopic('cfg', { config: { 'retention.ms': 'soon' } }), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG') && /retention\.ms/.test((e as Error).message))
      await assert.rejects(sluice.admin.alterTopicConfig('exists', { set: { 'no.such.key': '1' } }), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG') && /no\.such\.key/.test((e as Error).message))
      await assert.rejects(sluice.admin.addPartitions('exists', 1), (e: unknown) => isSluiceError(e, 'INVALID_PARTITIONS'))
      await assert.rejects(sluice.producer().send('exists', [{ value: 'x', partition: 5 }]), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
      await assert.rejects(sluice.admin.describeGroup('no-such-group'), (e: unknown) => isSluiceError(e, 'GROUP_ID_NOT_FOUND'))
      await assert.rejects(sluice.admin.deleteGroup('no-such-group'), (e: unknown) => isSluiceError(e, 'GROUP_ID_NOT_FOUND'))
      await assert.rejects(sluice.admin.resetGroupOffsets('g', 'exists', 'beginning', [3]), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
      const consumer = sluice.consumer().assign([{ topic: 'exists', partition: 0, offset: 'beginning' }])
      await sluice.admin.deleteTopic('exists')
      await assert.rejects(consumer.poll({ timeoutMs: 500 }), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
    })
  })
}
