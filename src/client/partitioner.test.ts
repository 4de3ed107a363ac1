import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { randomFromEnv, Random } from '../base/random.ts'
import { DefaultPartitioner, murmur2, partitionForKey, toPositive } from './partitioner.ts'

const require = createRequire(import.meta.url)
// KafkaJS 2.2.4's Java-compatible murmur2 (written on its own Long type, independently of ours)
// and its DefaultPartitioner, used as a reference implementation.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number
const { Partitioners } = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: { topic: string; partitionMetadata: Array<{ partitionId: number; leader: number }>; message: { key: Buffer } }) => number
  }
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1')

test('murmur2 matches the vectors of Kafka UtilsTest.testMurmur2', () => {
  // Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  const cases: Array<[Buffer, number]> = [
    [bytes('21'), -973932308],
    [bytes('foobar'), -790332482],
    [bytes('a-little-bit-long-string'), -985981536],
    [bytes('a-little-bit-longer-string'), -1486304829],
    [bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
    [Buffer.from([0x61, 0x62, 0x63]), 479470107],
  ]
  for (const [key, expected] of cases) assert.equal(murmur2(key), expected, `murmur2(${key.toString()})`)
})

test('murmur2 matches the java_murmur2_results of librdkafka unittest_murmur2', () => {
  // librdkafka src/rdmurmur2.c, unittest_murmur2: hashes the Java client computes, as int32 bit
  // patterns; the shifted strings there exercise every tail length (0-3 trailing bytes).
  const cases: Array<[string, number]> = [
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    ['1234', 0x9fc97b14],
    ['234', 0xe7c009ca],
    ['34', 0x873930da],
    ['4', 0x5a4b5ca1],
    ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
    ['reAmbleWillBeRemoved,ThePrePartThatIs', 0x4a62b377],
    ['eAmbleWillBeRemoved,ThePrePartThatIs', 0xe0e4e09e],
    ['AmbleWillBeRemoved,ThePrePartThatIs', 0x62b8b43f],
    ['', 0x106e08d9],
  ]
  for (const [key, expected] of cases) assert.equal(murmur2(bytes(key)), expected | 0, `murmur2('${key}')`)
})

test('toPositive of murmur2 matches the positive hashes of librdkafka unittest_murmurhashneutral2', () => {
  // An older librdkafka test (rdmurmur2 unittest_murmurhashneutral2) lists toPositive(murmur2(key)).
  assert.equal(toPositive(murmur2(bytes('kafka'))), 1348980580)
  assert.equal(toPositive(murmur2(bytes('amqp'))), 767747138)
  assert.equal(toPositive(murmur2(bytes('giberish123456789'))), 257239820)
})

test('toPositive clears the sign bit rather than negating', () => {
  assert.equal(toPositive(-1), 0x7fffffff)
  assert.equal(toPositive(-2147483648), 0)
  assert.equal(toPositive(5), 5)
})

test('partitionForKey gives the partitions worked out by hand from the reference hashes', () => {
  // 'kafka': 0xd067cf64 & 0x7fffffff = 1348980580; mod 3 = 1 (1348980580 = 3 * 449660193 + 1),
  // mod 6 = 4 (1348980580 = 6 * 224830096 + 4), mod 7 = 1348980580 - 7 * 192711511 = 3.
  assert.equal(partitionForKey(bytes('kafka'), 3), 1)
  assert.equal(partitionForKey(bytes('kafka'), 6), 4)
  assert.equal(partitionForKey(bytes('kafka'), 7), 3)
  // 'foobar': -790332482 & 0x7fffffff = 1357151166; mod 4 = 2, mod 10 = 6.
  assert.equal(partitionForKey(bytes('foobar'), 4), 2)
  assert.equal(partitionForKey(bytes('foobar'), 10), 6)
  // '': 0x106e08d9 = 275646681; mod 2 = 1, mod 5 = 1.
  assert.equal(partitionForKey(Buffer.alloc(0), 2), 1)
  assert.equal(partitionForKey(Buffer.alloc(0), 5), 1)
  assert.equal(partitionForKey(bytes('anything'), 1), 0)
})

test('murmur2 over a range of a larger buffer equals murmur2 of the copied bytes', () => {
  const random = randomFromEnv('murmur2 range')
  for (let i = 0; i < 500; i++) {
    const whole = random.bytes(random.int(0, 64))
    const start = random.int(0, whole.length + 1)
    const end = random.int(start, whole.length + 1)
    assert.equal(murmur2(whole, start, end), murmur2(Buffer.from(whole.subarray(start, end))))
  }
})

test('murmur2 and partitions agree with KafkaJS DefaultPartitioner over thousands of random keys', () => {
  const random = randomFromEnv('kafkajs murmur2 reference')
  const kafkajsPartition = Partitioners.DefaultPartitioner()
  for (let i = 0; i < 5000; i++) {
    const key = random.bytes(random.int(0, 100))
    assert.equal(murmur2(key), kafkajsMurmur2(key), `key ${key.toString('hex')}`)
    const numPartitions = random.int(1, 200)
    const partitionMetadata = Array.from({ length: numPartitions }, (_, p) => ({ partitionId: p, leader: 0 }))
    const expected = kafkajsPartition({ topic: 't', partitionMetadata, message: { key } })
    assert.equal(partitionForKey(key, numPartitions), expected, `key ${key.toString('hex')} over ${numPartitions}`)
  }
})

test('a keyed record always goes to its murmur2 partition, whatever the sticky state', () => {
  const partitioner = new DefaultPartitioner({ random: new Random(7) })
  const key = bytes('card-42')
  const expected = partitionForKey(key, 12)
  for (let i = 0; i < 20; i++) {
    assert.equal(partitioner.partition('payments', key, 12), expected)
    partitioner.onNewBatch('payments', partitioner.partition('payments', null, 12))
  }
})

test('null-key records stick to one partition until a batch completes there', () => {
  const random = randomFromEnv('sticky partitioner')
  const partitioner = new DefaultPartitioner({ random })
  const first = partitioner.partition('t', null, 8)
  for (let i = 0; i < 50; i++) assert.equal(partitioner.partition('t', null, 8), first)
  // A batch completing on another partition (keyed records) does not move the sticky partition.
  partitioner.onNewBatch('t', (first + 1) % 8)
  assert.equal(partitioner.partition('t', null, 8), first)
  partitioner.onNewBatch('t', first)
  const second = partitioner.partition('t', null, 8)
  assert.notEqual(second, first)
  for (let i = 0; i < 50; i++) assert.equal(partitioner.partition('t', null, 8), second)
})

test('sticky partitions are kept per topic', () => {
  const partitioner = new DefaultPartitioner({ random: new Random(1) })
  const a = partitioner.partition('a', null, 1000)
  const b = partitioner.partition('b', null, 1000)
  partitioner.onNewBatch('a')
  assert.equal(partitioner.partition('b', null, 1000), b)
  assert.notEqual(partitioner.partition('a', null, 1000), a)
})

test('new sticky partitions spread evenly and never repeat the previous one', () => {
  const random = randomFromEnv('sticky spread')
  const partitioner = new DefaultPartitioner({ random })
  const counts = new Array<number>(6).fill(0)
  let previous = partitioner.partition('t', null, 6)
  const draws = 6000
  for (let i = 0; i < draws; i++) {
    partitioner.onNewBatch('t', previous)
    const next = partitioner.partition('t', null, 6)
    assert.notEqual(next, previous)
    counts[next]!++
    previous = next
  }
  // Each partition expects 1000; 5 standard deviations (~5 * 29) is a generous, seed-proof band.
  for (const count of counts) assert.ok(Math.abs(count - draws / 6) < 150, `counts ${counts.join(',')}`)
})

test('a topic with one partition always gets partition 0 for null keys', () => {
  const partitioner = new DefaultPartitioner({ random: new Random(3) })
  for (let i = 0; i < 10; i++) {
    assert.equal(partitioner.partition('one', null, 1), 0)
    partitioner.onNewBatch('one')
  }
})

test('a sticky partition beyond a shrunk partition count is drawn again', () => {
  const partitioner = new DefaultPartitioner({ random: new Random(11) })
  let sticky = partitioner.partition('t', null, 100)
  while (sticky < 2) {
    partitioner.onNewBatch('t', sticky)
    sticky = partitioner.partition('t', null, 100)
  }
  const after = partitioner.partition('t', null, 2)
  assert.ok(after === 0 || after === 1)
  assert.equal(partitioner.partition('t', null, 2), after)
})
