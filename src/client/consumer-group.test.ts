// A consumer group of three embedded consumers on a six-partition topic: every record is consumed,
// no partition is ever owned by two members at once, a member leaving hands its partitions over
// with its offsets committed, and the committed offsets are intact after a restart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sluice } from './sluice.ts'
import type { Consumer } from './consumer.ts'
import type { TopicPartition } from './types.ts'

const PARTITIONS = 6
const RECORDS = 3000

test('a group of 3 rebalances when one leaves, never owns a partition twice, and keeps its offsets across a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-group-'))
  let sluice = await Sluice.open({ dataDir: dir })
  t.after(async () => {
    await sluice.close()
    rmSync(dir, { recursive: true, force: true })
  })
  await sluice.admin.createTopic('orders', { partitions: PARTITIONS })
  const producer = sluice.producer()
  await producer.send('orders', Array.from({ length: RECORDS }, (_, i) => ({ key: `order-${i}`, value: `${i}` })))

  // Ownership ledger: a partition may be assigned only while nobody else holds it.
  const owner = new Map<string, string>()
  const violations: string[] = []
  const seen = new Map<string, number>()
  const consumers: Array<{ name: string; consumer: Consumer }> = []
  for (const name of ['a', 'b', 'c']) {
    const consumer = sluice.consumer({
      group: 'billing',
      autoOffsetReset: 'earliest',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 100,
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
    consumers.push({ name, consumer })
  }

  async function pollAll(rounds: number): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await Promise.all(consumers.map(async ({ consumer }) => {
        for (const r of await consumer.poll({ timeoutMs: 50 })) seen.set(r.value!.toString(), (seen.get(r.value!.toString()) ?? 0) + 1)
      }))
    }
  }

  // Consume part of the stream with three members, then one leaves.
  await pollAll(3)
  const partitionsOf = (c: Consumer): number => c.assignment().length
  assert.equal(consumers.reduce((sum, { consumer }) => sum + partitionsOf(consumer), 0), PARTITIONS)
  const leaving = consumers.pop()!
  await leaving.consumer.close()
  await producer.send('orders', Array.from({ length: 600 }, (_, i) => ({ key: `late-${i}`, value: `${RECORDS + i}` })))
  for (let i = 0; i < 40 && seen.size < RECORDS + 600; i++) await pollAll(1)

  assert.deepEqual(violations, [])
  assert.equal(seen.size, RECORDS + 600, 'every record was consumed')
  assert.deepEqual(consumers.map(({ consumer }) => partitionsOf(consumer)).sort(), [3, 3], 'the two remaining members split the six partitions')
  for (const { consumer } of consumers) await consumer.close()
  const before = await sluice.admin.describeGroup('billing')
  assert.equal(before.totalLag, 0)
  await sluice.close()

  sluice = await Sluice.open({ dataDir: dir })
  const after = await sluice.admin.describeGroup('billing')
  assert.deepEqual(after.offsets.map((o) => o.committedOffset), before.offsets.map((o) => o.committedOffset))
  assert.equal(after.offsets.reduce((sum, o) => sum + o.committedOffset, 0), RECORDS + 600)
  assert.equal(after.totalLag, 0)
})
