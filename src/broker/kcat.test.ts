// kcat (librdkafka) against a Sluice broker: produce with every codec librdkafka has, consume back,
// keyed records landing on Kafka's murmur2 partition (checked against KafkaJS's Java-compatible
// one), and metadata listing. kcat comes from the Debian package (.ci/run installs it); without it
// the test is skipped with a reason, except on CI where it fails (testing/kcat.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '../testing/broker.ts'
import { kcat, skipWithoutKcat } from '../testing/kcat.ts'
import { Partitioners } from 'kafkajs'

test('compat kcat [codecs: none gzip snappy lz4 zstd, murmur2]: produces with every codec librdkafka has, consumes everything back, and keys land on murmur2 partitions', async (t) => {
  if (skipWithoutKcat(t)) return
  const broker = await startTestBroker()
  try {
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
    const expected: string[] = []
    for (const codec of codecs) {
      const lines = Array.from({ length: 200 }, (_, i) => `${codec}-${i}-${'x'.repeat(i % 50)}`)
      expected.push(...lines)
      await kcat(['-P', '-b', broker.address, '-t', 'codecs', '-z', codec], lines.join('\n') + '\n')
    }
    const consumed = await kcat(['-C', '-b', broker.address, '-t', 'codecs', '-e', '-o', 'beginning', '-q', '-f', '%o %s\n'])
    const rows = consumed.trim().split('\n')
    assert.deepEqual(rows.map((r) => r.slice(r.indexOf(' ') + 1)), expected)
    assert.deepEqual(rows.map((r) => Number(r.slice(0, r.indexOf(' ')))), expected.map((_, i) => i))

    await broker.coordinator.topics.create('keyed', { partitions: 5 })
    const keys = Array.from({ length: 100 }, (_, i) => `user-${i}`)
    await kcat(['-P', '-b', broker.address, '-t', 'keyed', '-K', ':', '-X', 'partitioner=murmur2_random', '-z', 'lz4'], keys.map((k) => `${k}:v`).join('\n') + '\n')
    const placed = await kcat(['-C', '-b', broker.address, '-t', 'keyed', '-e', '-o', 'beginning', '-q', '-f', '%k %p\n'])
    // KafkaJS's default partitioner is Java's: murmur2(key) made positive, modulo the partition count.
    const javaPartitioner = Partitioners.DefaultPartitioner()
    const partitionMetadata = [0, 1, 2, 3, 4].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))
    const partitionForKey = (key: string): number => javaPartitioner({ topic: 'keyed', partitionMetadata, message: { key, value: 'v' } })
    const seen = placed.trim().split('\n').map((line) => line.split(' '))
    assert.equal(seen.length, keys.length)
    for (const [key, partition] of seen) assert.equal(Number(partition), partitionForKey(key!), `key ${key}`)
    assert.deepEqual(broker.warnings, [])
  } finally {
    await broker.stop()
  }
})

test('compat kcat [admin: metadata (-L)]: lists brokers, topics and partitions with their leaders', async (t) => {
  if (skipWithoutKcat(t)) return
  const broker = await startTestBroker()
  try {
    await broker.coordinator.topics.create('listed', { partitions: 3 })
    const listing = JSON.parse(await kcat(['-L', '-b', broker.address, '-J'])) as {
      brokers: Array<{ id: number; name: string }>
      topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>
    }
    assert.deepEqual(listing.brokers.map((b) => [b.id, b.name]), [[0, broker.address]])
    const listed = listing.topics.find((topic) => topic.topic === 'listed')
    assert.deepEqual(listed?.partitions.map((p) => [p.partition, p.leader]), [[0, 0], [1, 0], [2, 0]])
  } finally {
    await broker.stop()
  }
})
