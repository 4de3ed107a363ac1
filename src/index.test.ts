// The package entry: `sluice.listen` serves an embedded log to Kafka clients (the entry wires the
// broker for it), and `close()` stops the listener with the rest.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { Sluice, isSluiceError } from './index.ts'

test('sluice.listen serves the embedded log to a Kafka client; close() stops listening', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-listen-'))
  const sluice = await Sluice.open({ dataDir })
  try {
    await sluice.admin.createTopic('greetings', { partitions: 1 })
    const { port } = await sluice.listen({ port: 0 })
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'listen-test', logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'greetings', messages: [{ key: 'k', value: 'hello over the wire' }] })
    await producer.disconnect()
    const consumer = sluice.consumer()
    consumer.assign([{ topic: 'greetings', partition: 0, offset: 'beginning' }])
    const records = await consumer.poll({ timeoutMs: 2000 })
    assert.deepEqual(records.map((r) => r.value?.toString()), ['hello over the wire'])
    await sluice.close()
    await assert.rejects(new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end()))
      socket.on('error', reject)
    }), /ECONNREFUSED/)
  } finally {
    await sluice.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})

test('listen is for an embedded log: a connected Sluice says so', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-listen-'))
  const embedded = await Sluice.open({ dataDir })
  try {
    const { port } = await embedded.listen({ port: 0 })
    const remote = await Sluice.connect({ brokers: [`127.0.0.1:${port}`] })
    try {
      await assert.rejects(remote.listen({ port: 0 }), (e) => isSluiceError(e, 'INVALID_ARGUMENT') && /embedded/.test(e.message))
    } finally {
      await remote.close()
    }
  } finally {
    await embedded.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})
