// Scale-out (issue 4 item 7): three processes run the same app against a Sluice broker through the
// Kafka protocol and share the input partitions through the app's consumer group; one is killed
// with SIGKILL mid-stream, its partitions move to the others, which restore its state from the
// changelogs, and the final results are exactly what one process computing everything would give.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { Sluice } from '../../client/sluice.ts'
import type { ConsumerRecord } from '../../client/types.ts'
import { startTestBroker } from '../../testing/broker.ts'

interface Child { process: ChildProcess; lines: string[] }

function startChild(address: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'scale-out-child.ts'), address], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: string[] = []
  let rest = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString()
    const parts = text.split('\n')
    rest = parts.pop()!
    lines.push(...parts)
  })
  return { process: child, lines }
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function lastTasks(child: Child): number {
  for (let i = child.lines.length - 1; i >= 0; i--) {
    const m = /^tasks (\d+) /.exec(child.lines[i]!)
    if (m !== null) return Number(m[1])
  }
  return -1
}

async function readTopic(sluice: Sluice, topic: string): Promise<ConsumerRecord[]> {
  const { partitions } = await sluice.admin.describeTopic(topic)
  const ends = new Map(partitions.map((p) => [p.partition, p.highWatermark]))
  const consumer = sluice.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 })
  consumer.assign(partitions.map((p) => ({ topic, partition: p.partition, offset: 'beginning' as const })))
  const out: ConsumerRecord[] = []
  const done = () => partitions.every((p) => (consumer.position(topic, p.partition) ?? 0) >= ends.get(p.partition)!)
  while (!done()) out.push(...await consumer.poll({ timeoutMs: 100 }))
  await consumer.close()
  return out
}

test('3 processes share the partitions; one is killed, its partitions move, final results are correct', { timeout: 120_000 }, async () => {
  const broker = await startTestBroker()
  const sluice = await Sluice.connect({ brokers: [broker.address] })
  const children: Child[] = []
  try {
    await sluice.admin.createTopic('orders', { partitions: 6 })
    const producer = sluice.producer()
    const customers = Array.from({ length: 40 }, (_, i) => `c${i}`)
    const expectedMax = new Map<string, number>()
    let id = 0
    const produce = async (n: number) => {
      const records = []
      for (let i = 0; i < n; i++, id++) {
        const customer = customers[(id * 7) % customers.length]!
        const amount = (id * 7919) % 1000
        expectedMax.set(customer, Math.max(expectedMax.get(customer) ?? -1, amount))
        records.push({ key: customer, value: { id, customer, amount } })
      }
      await producer.send('orders', records)
    }
    for (let i = 0; i < 3; i++) children.push(startChild(broker.address))
    await until(() => children.every((c) => c.lines.includes('started')), 'three instances to start')
    await until(() => children.every((c) => lastTasks(c) > 0) && children.reduce((n, c) => n + lastTasks(c), 0) === 12, 'the 12 tasks (6 partitions × 2 sub-topologies) to be spread over 3 instances')
    await produce(3000)
    await until(async () => (await sluice.admin.describeGroup('orders-app')).offsets.filter((o) => o.topic === 'orders').every((o) => o.lag === 0), 'the first half to be processed')

    // SIGKILL: no commit, no leave; the group notices after the session timeout.
    const victim = children[1]!
    victim.process.kill('SIGKILL')
    await produce(3000)
    const survivors = [children[0]!, children[2]!]
    await until(() => survivors.reduce((n, c) => n + lastTasks(c), 0) === 12, "the killed instance's tasks to move to the survivors", 60_000)
    await until(async () => {
      const group = await sluice.admin.describeGroup('orders-app')
      return group.offsets.filter((o) => o.topic === 'orders').length === 6 && group.offsets.filter((o) => o.topic === 'orders').every((o) => o.lag === 0)
    }, 'every order to be processed', 60_000)
    await until(async () => (await sluice.admin.describeGroup('orders-app')).totalLag === 0, 'the repartition topic to drain', 60_000)

    const max = new Map<string, number>()
    for (const r of await readTopic(sluice, 'max-per-customer')) max.set(r.key!.toString(), Number(r.value!.toString()))
    assert.deepEqual(Object.fromEntries([...max].sort()), Object.fromEntries([...expectedMax].sort()))
    const seen = new Set((await readTopic(sluice, 'seen')).map((r) => Number(r.value!.toString())))
    assert.equal(seen.size, 6000, 'every order reached the output at least once')

    for (const c of survivors) c.process.kill('SIGTERM')
    await until(() => survivors.every((c) => c.lines.includes('closed')), 'graceful close')
  } catch (error) {
    for (const [i, c] of children.entries()) process.stderr.write(`child ${i}: ${c.lines.slice(-3).join(' | ')}\n`)
    throw error
  } finally {
    for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGKILL')
    await sluice.close()
    await broker.stop()
  }
})
