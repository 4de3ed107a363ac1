import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sluice } from '../../client/sluice.ts'
import type { ConsumerRecord } from '../../client/types.ts'
import { tumbling } from '../windows/index.ts'
import './sluice-streams.ts'

async function withSluice(fn: (sluice: Sluice, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-streams-'))
  const sluice = await Sluice.open({ dataDir: dir })
  try {
    await fn(sluice, dir)
  } finally {
    await sluice.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function readAll(sluice: Sluice, topic: string, count: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const consumer = sluice.consumer({ autoOffsetReset: 'earliest' })
  // Sinks create their topics on first write.
  await until(async () => (await sluice.admin.listTopics()).some((t) => t.name === topic), timeoutMs)
  const partitions = (await sluice.admin.describeTopic(topic)).partitions.map((p) => ({ topic, partition: p.partition, offset: 'beginning' as const }))
  consumer.assign(partitions)
  const out: ConsumerRecord[] = []
  const deadline = Date.now() + timeoutMs
  while (out.length < count && Date.now() < deadline) out.push(...await consumer.poll({ timeoutMs: 100 }))
  await consumer.close()
  return out
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

interface Click { page: string; ts: number }

for (const [guarantee, stateStore] of [['at-least-once', 'memory'], ['exactly-once', 'memory'], ['at-least-once', 'lmdb']] as const) {
  test(`${guarantee}, ${stateStore} stores: keyBy + count over 2 partitions; a restarted app restores its state from the changelog`, async () => {
    await withSluice(async (sluice, dir) => {
      await sluice.admin.createTopic('clicks', { partitions: 2 })
      const producer = sluice.producer()
      const pages = ['a', 'b', 'c']
      await producer.send('clicks', Array.from({ length: 30 }, (_, i) => ({ key: `u${i}`, value: { page: pages[i % 3]!, ts: i } })))
      const build = () => {
        const app = sluice.streams('counter', { guarantee, commitInterval: 50, stateStore })
        app.stream<Click>('clicks').groupBy((c) => c.page).count({ store: 'counts' }).toStream().to('page-counts')
        return app
      }
      const first = build()
      await first.start()
      await until(() => first.metrics().processedRecords >= 60) // 30 inputs + 30 repartitioned
      await until(() => first.store<string, number>('counts').get('a') === 10)
      await first.close()
      await producer.send('clicks', Array.from({ length: 3 }, (_, i) => ({ key: `v${i}`, value: { page: pages[i]!, ts: 100 + i } })))
      const second = build()
      await second.start()
      await until(() => second.store<string, number>('counts').get('c') === 11)
      assert.equal(second.store<string, number>('counts').get('a'), 11)
      await second.close()
      const out = await readAll(sluice, 'page-counts', 33)
      const last = new Map<string, number>()
      // groupBy keys are JSON unless the app gives a key serde.
      for (const r of out) last.set(JSON.parse(r.key!.toString()) as string, JSON.parse(r.value!.toString()) as number)
      assert.deepEqual(Object.fromEntries(last), { a: 11, b: 11, c: 11 })
      if (guarantee === 'exactly-once') assert.equal(out.length, 33)
      if (stateStore === 'lmdb') assert.deepEqual(readdirSync(join(dir, '.streams', 'counter')), [], 'each instance removes its LMDB directory when it closes')
    })
  })
}

test('windowed final counts come out once per window, and state survives a restart mid-window', async () => {
  await withSluice(async (sluice) => {
    await sluice.admin.createTopic('ev', { partitions: 1 })
    const producer = sluice.producer()
    const build = () => {
      const app = sluice.streams('win', { commitInterval: 20 })
      app.stream<Click>('ev', { eventTime: (c) => c.ts }).groupBy((c) => c.page)
        .window(tumbling({ size: 1000 }), { emit: 'final' }).count().toStream()
        .map((n, k) => ({ key: `${k.key}@${k.window.start}`, value: n })).to('win-out')
      return app
    }
    await producer.send('ev', [{ value: { page: 'x', ts: 10 } }, { value: { page: 'x', ts: 20 } }])
    const first = build()
    await first.start()
    await until(() => first.metrics().processedRecords >= 4)
    await first.close()
    await producer.send('ev', [{ value: { page: 'x', ts: 30 } }, { value: { page: 'x', ts: 1500 } }])
    const second = build()
    await second.start()
    const out = await readAll(sluice, 'win-out', 1)
    assert.deepEqual(out.map((r) => [r.key!.toString(), r.value!.toString()]), [['"x@0"', '3']])
    await second.close()
  })
})
