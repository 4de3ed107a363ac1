// The kafka transport when the network misbehaves, against the real Sluice broker: answers lost on
// the way back (through the fault proxy, which cuts the connection as it swallows one), stale
// metadata after a topic changed behind the client, an unreachable bootstrap broker, and a broker
// that goes away for good — which must end in a clear SluiceError, never a hang.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { isSluiceError } from '../../base/errors.ts'
import { ApiKey } from '../../protocol/messages/index.ts'
import { startTestBroker } from '../../testing/broker.ts'
import { startFaultProxy } from '../../testing/fault-proxy.ts'
import { drain } from '../client-test-kit.ts'
import { Sluice } from '../sluice.ts'
import type { TopicPartition } from '../types.ts'
import { parseAddress } from './wire-forms.ts'

/** A broker reached only through a fault proxy (it advertises the proxy's port). */
async function brokerBehindProxy(): Promise<{ address: string; proxy: Awaited<ReturnType<typeof startFaultProxy>>; stop: () => Promise<void>; broker: Awaited<ReturnType<typeof startTestBroker>> }> {
  const proxy = await startFaultProxy()
  const broker = await startTestBroker({ broker: { advertisedPort: proxy.port } })
  proxy.targetPort = broker.port
  return {
    address: `127.0.0.1:${proxy.port}`,
    proxy,
    broker,
    stop: async () => {
      await proxy.close()
      await broker.stop()
    },
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function isNetworkError(error: unknown): boolean {
  return isSluiceError(error) && (error.code as string) === 'NETWORK_EXCEPTION'
}

test('an idempotent producer whose produce answer was lost retries on a new connection and the log holds each record once', async (t) => {
  const env = await brokerBehindProxy()
  const sluice = await Sluice.connect({ brokers: [env.address] })
  // The client first (a group member commits as it closes), then the proxy and the broker.
  t.after(async () => {
    await sluice.close()
    await env.stop()
  })
  await sluice.admin.createTopic('lost-acks')
  const producer = sluice.producer({ idempotent: true, retryBackoffMs: 10 })
  await producer.send('lost-acks', [{ value: 'first' }])
  env.proxy.dropResponses(ApiKey.Produce, 1)
  const metas = await producer.send('lost-acks', [{ value: 'a' }, { value: 'b' }])
  assert.equal(env.proxy.dropped, 1, 'the answer was swallowed and the connection cut')
  assert.deepEqual(metas.map((m) => m.offset), [1, 2], 'the retry was answered with the original offsets')
  assert.equal(env.broker.coordinator.partition('lost-acks', 0).logEndOffset, 3)
  const records = await drain(sluice.consumer().assign([{ topic: 'lost-acks', partition: 0, offset: 'beginning' }]), 3)
  assert.deepEqual(records.map((r) => r.value!.toString()), ['first', 'a', 'b'])
})

test('a consumer whose fetch answer was lost reconnects and reads on without a gap', async (t) => {
  const env = await brokerBehindProxy()
  const sluice = await Sluice.connect({ brokers: [env.address] })
  // The client first (a group member commits as it closes), then the proxy and the broker.
  t.after(async () => {
    await sluice.close()
    await env.stop()
  })
  await sluice.producer().send('lost-fetch', Array.from({ length: 50 }, (_, i) => ({ value: `${i}` })))
  const consumer = sluice.consumer().assign([{ topic: 'lost-fetch', partition: 0, offset: 'beginning' }])
  env.proxy.dropResponses(ApiKey.Fetch, 1)
  const records = await drain(consumer, 50)
  assert.equal(env.proxy.dropped, 1)
  assert.deepEqual(records.map((r) => Number(r.value!.toString())), Array.from({ length: 50 }, (_, i) => i))
})

test('a group member whose heartbeat answer was lost keeps its partitions and keeps heartbeating', async (t) => {
  const env = await brokerBehindProxy()
  const sluice = await Sluice.connect({ brokers: [env.address] })
  // The client first (a group member commits as it closes), then the proxy and the broker.
  t.after(async () => {
    await sluice.close()
    await env.stop()
  })
  await sluice.admin.createTopic('lost-heartbeat', { partitions: 2 })
  const revoked: TopicPartition[] = []
  const consumer = sluice.consumer({
    group: 'steady', autoOffsetReset: 'earliest', sessionTimeoutMs: 6000, heartbeatIntervalMs: 50,
    onRevoked: (parts: TopicPartition[]) => { revoked.push(...parts) },
  }).subscribe('lost-heartbeat')
  await consumer.poll({ timeoutMs: 200 })
  assert.equal(consumer.assignment().length, 2)
  env.proxy.dropResponses(ApiKey.Heartbeat, 1)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(env.proxy.dropped, 1)
  await sluice.producer().send('lost-heartbeat', [{ value: 'still here', partition: 1 }])
  const [record] = await drain(consumer, 1)
  assert.equal(record!.value!.toString(), 'still here')
  assert.deepEqual(revoked, [], 'no rebalance took the partitions away')
  assert.equal((await sluice.admin.describeGroup('steady')).state, 'Stable')
})

test('a topic deleted and re-created behind the client is looked up again', async (t) => {
  const broker = await startTestBroker({ broker: { autoCreateTopics: false } })
  const sluice = await Sluice.connect({ brokers: [broker.address] })
  t.after(async () => {
    await sluice.close()
    await broker.stop()
  })
  await sluice.admin.createTopic('moving', { partitions: 1 })
  const producer = sluice.producer({ retryBackoffMs: 10 })
  await producer.send('moving', [{ value: 'before' }])
  // Another client deletes it: the cached route now leads nowhere.
  await broker.coordinator.deleteTopic('moving')
  await assert.rejects(producer.send('moving', [{ value: 'lost' }]), (e: unknown) => isSluiceError(e, 'UNKNOWN_TOPIC_OR_PARTITION'))
  await broker.coordinator.topics.create('moving', { partitions: 3 })
  const [meta] = await producer.send('moving', [{ value: 'after', partition: 2 }])
  assert.deepEqual([meta!.partition, meta!.offset], [2, 0], 'the new partition count was fetched')
})

test('bootstrap skips a broker that cannot be reached and uses the next', async (t) => {
  const broker = await startTestBroker()
  const dead = await closedPort()
  const sluice = await Sluice.connect({ brokers: [`127.0.0.1:${dead}`, broker.address] })
  t.after(async () => {
    await sluice.close()
    await broker.stop()
  })
  assert.deepEqual((await sluice.admin.describeCluster()).brokers.map((b) => b.port), [broker.port])
})

test('when the broker goes away, connect, produce, poll and admin calls fail with NETWORK_EXCEPTION within seconds', async (t) => {
  const broker = await startTestBroker()
  let isStopped = false
  const sluice = await Sluice.connect({ brokers: [broker.address], connectTimeoutMs: 1000 })
  t.after(async () => {
    await sluice.close()
    if (!isStopped) await broker.stop()
  })
  await sluice.producer().send('doomed', [{ value: 'x' }])
  const consumer = sluice.consumer().assign([{ topic: 'doomed', partition: 0, offset: 'beginning' }])
  assert.equal((await drain(consumer, 1)).length, 1)
  await broker.stop()
  isStopped = true

  const startedMs = Date.now()
  await assert.rejects(sluice.producer({ retryBackoffMs: 20 }).send('doomed', [{ value: 'y' }]), isNetworkError)
  await assert.rejects(consumer.poll({ timeoutMs: 5000 }), isNetworkError)
  await assert.rejects(sluice.admin.listTopics(), isNetworkError)
  await assert.rejects(sluice.admin.describeGroup('g'), isNetworkError)
  assert.ok(Date.now() - startedMs < 10_000, `took ${Date.now() - startedMs} ms`)

  const port = await closedPort()
  const connectStartedMs = Date.now()
  await assert.rejects(Sluice.connect({ brokers: [`127.0.0.1:${port}`] }), (e: unknown) => isNetworkError(e) && new RegExp(`127\\.0\\.0\\.1:${port}`).test((e as Error).message))
  assert.ok(Date.now() - connectStartedMs < 2000)
})

test('broker addresses are host:port, IPv6 in brackets', () => {
  assert.deepEqual(parseAddress('kafka-1:9092'), { host: 'kafka-1', port: 9092 })
  assert.deepEqual(parseAddress(' [::1]:19092 '), { host: '::1', port: 19092 })
  for (const bad of ['kafka-1', 'kafka-1:', ':9092', 'kafka-1:99999', 'a:b']) {
    assert.throws(() => parseAddress(bad), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT'), bad)
  }
})
