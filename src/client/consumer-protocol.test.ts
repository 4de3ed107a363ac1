// Tests of the consumer protocol bytes: golden bytes of Kafka's layout, round trips of every
// version, reading newer versions with the version-3 layout, and interoperation with KafkaJS's own
// encoder and decoder (a KafkaJS member in the same group as a Sluice one).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts'
import type { Subscription } from './assignors/assignor.ts'

interface KafkaJsAssignerProtocol {
  MemberMetadata: {
    encode(value: { version: number; topics: string[]; userData: Buffer }): Buffer
    decode(buffer: Buffer): { version: number; topics: string[]; userData: Buffer }
  }
  MemberAssignment: {
    encode(value: { version: number; assignment: Record<string, number[]>; userData: Buffer }): Buffer
    decode(buffer: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer } | null
  }
}
const { AssignerProtocol } = createRequire(import.meta.url)('kafkajs') as { AssignerProtocol: KafkaJsAssignerProtocol }

const subscription: Subscription = {
  topics: ['payments', 'audit'],
  userData: Buffer.from([0, 0, 0, 4]),
  ownedPartitions: [{ topic: 'payments', partition: 2 }, { topic: 'audit', partition: 0 }, { topic: 'payments', partition: 0 }],
  generationId: 4,
  rackId: 'rack-a',
}

test('a v0 subscription has Kafka\'s layout: version, topics, nullable userData', () => {
  const bytes = encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0)
  assert.equal(bytes.toString('hex'), '0000' + '00000001' + '0001' + '74' + 'ffffffff')
})

test('subscriptions round-trip at every version, with owned partitions grouped per topic', () => {
  const full = decodeSubscription(encodeSubscription(subscription))
  assert.deepEqual(full, {
    ...subscription,
    ownedPartitions: [{ topic: 'audit', partition: 0 }, { topic: 'payments', partition: 0 }, { topic: 'payments', partition: 2 }],
  })
  assert.deepEqual(decodeSubscription(encodeSubscription(subscription, 0)), { topics: subscription.topics, userData: subscription.userData, ownedPartitions: [], generationId: -1, rackId: null })
  assert.equal(decodeSubscription(encodeSubscription(subscription, 1)).ownedPartitions.length, 3)
  assert.equal(decodeSubscription(encodeSubscription(subscription, 2)).generationId, 4)
  assert.equal(decodeSubscription(encodeSubscription(subscription, 2)).rackId, null)
})

test('a subscription from a newer version is read with the version-3 layout', () => {
  const bytes = Buffer.concat([encodeSubscription(subscription), Buffer.from('00000007', 'hex')])
  bytes.writeInt16BE(9, 0)
  assert.deepEqual(decodeSubscription(bytes).topics, ['payments', 'audit'])
})

test('assignments round-trip, and empty bytes mean no partitions', () => {
  const partitions = [{ topic: 'b', partition: 1 }, { topic: 'a', partition: 3 }, { topic: 'a', partition: 0 }]
  const bytes = encodeAssignment({ partitions, userData: null })
  assert.deepEqual(decodeAssignment(bytes), { partitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 3 }, { topic: 'b', partition: 1 }], userData: null })
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { partitions: [], userData: null })
})

test('malformed bytes are INVALID_REQUEST, never a crash', () => {
  assert.throws(() => decodeSubscription(Buffer.from('0000000000', 'hex')), { code: 'INVALID_REQUEST' })
  assert.throws(() => decodeSubscription(Buffer.from('ff', 'hex')), { code: 'INVALID_REQUEST' })
  assert.throws(() => decodeAssignment(Buffer.from('000300000005', 'hex')), { code: 'INVALID_REQUEST' })
})

test('KafkaJS reads Sluice subscriptions and assignments, and Sluice reads KafkaJS\'s', () => {
  const fromKafkaJs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'bb'], userData: Buffer.from('xy') })
  assert.deepEqual(decodeSubscription(fromKafkaJs), { topics: ['a', 'bb'], userData: Buffer.from('xy'), ownedPartitions: [], generationId: -1, rackId: null })
  const ours = AssignerProtocol.MemberMetadata.decode(encodeSubscription(subscription))
  assert.deepEqual(ours.topics, ['payments', 'audit'])
  assert.deepEqual(ours.userData, Buffer.from([0, 0, 0, 4]))

  const assignmentFromKafkaJs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { a: [0, 1], bb: [2] }, userData: Buffer.alloc(0) })
  assert.deepEqual(decodeAssignment(assignmentFromKafkaJs).partitions, [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'bb', partition: 2 }])
  const decoded = AssignerProtocol.MemberAssignment.decode(encodeAssignment({ partitions: [{ topic: 'x', partition: 4 }, { topic: 'x', partition: 1 }], userData: null }))
  assert.deepEqual(decoded?.assignment, { x: [1, 4] })
})
