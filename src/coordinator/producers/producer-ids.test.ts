import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { ManualClock } from '../../testing/manual-clock.ts'
import { MemoryFs } from '../../testing/memory-fs.ts'
import { PRODUCER_EPOCH_EXHAUSTED, PRODUCER_ID_BLOCK_SIZE, PRODUCER_ID_EXPIRATION_MS_DEFAULT, ProducerIds } from './producer-ids.ts'

const DIR = '/data/__cluster'

function open(fs: MemoryFs, clock = new ManualClock()): Promise<ProducerIds> {
  return ProducerIds.open({ fs, dir: DIR, clock })
}

test('fresh producer ids are distinct and start at epoch 0', async () => {
  const ids = await open(new MemoryFs())
  const granted = await Promise.all([ids.initProducerId(), ids.initProducerId(), ids.initProducerId({ producerId: -1, producerEpoch: -1 })])
  assert.deepEqual(granted.map((g) => g.producerEpoch), [0, 0, 0])
  assert.deepEqual(granted.map((g) => g.producerId).sort(), [0, 1, 2])
})

test('re-init with the current id and epoch bumps the epoch; a retry of that bump gets the same epoch', async () => {
  const ids = await open(new MemoryFs())
  const { producerId } = await ids.initProducerId()
  assert.deepEqual(await ids.initProducerId({ producerId, producerEpoch: 0 }), { producerId, producerEpoch: 1 })
  assert.deepEqual(await ids.initProducerId({ producerId, producerEpoch: 0 }), { producerId, producerEpoch: 1 })
  assert.deepEqual(await ids.initProducerId({ producerId, producerEpoch: 1 }), { producerId, producerEpoch: 2 })
  assert.equal(ids.epochOf(producerId), 2)
})

test('a stale epoch is fenced with PRODUCER_FENCED', async () => {
  const ids = await open(new MemoryFs())
  const { producerId } = await ids.initProducerId()
  await ids.initProducerId({ producerId, producerEpoch: 0 })
  await ids.initProducerId({ producerId, producerEpoch: 1 })
  await assert.rejects(ids.initProducerId({ producerId, producerEpoch: 0 }), (e) => isSluiceError(e, 'PRODUCER_FENCED') && e.message.includes('epoch 2 is current'))
  await assert.rejects(ids.initProducerId({ producerId, producerEpoch: 7 }), (e) => isSluiceError(e, 'PRODUCER_FENCED'))
})

test('an id never granted is refused with INVALID_PRODUCER_ID_MAPPING', async () => {
  const ids = await open(new MemoryFs())
  await assert.rejects(ids.initProducerId({ producerId: 12345, producerEpoch: 0 }), (e) => isSluiceError(e, 'INVALID_PRODUCER_ID_MAPPING'))
})

test('a request with only one of producer id and epoch is refused with INVALID_REQUEST', async () => {
  const ids = await open(new MemoryFs())
  await assert.rejects(ids.initProducerId({ producerId: 0 }), (e) => isSluiceError(e, 'INVALID_REQUEST'))
  await assert.rejects(ids.initProducerId({ producerEpoch: 0 }), (e) => isSluiceError(e, 'INVALID_REQUEST'))
})

test('after a restart ids continue past the reserved block and epochs still fence', async () => {
  const fs = new MemoryFs()
  const first = await open(fs)
  const a = await first.initProducerId()
  await first.initProducerId({ producerId: a.producerId, producerEpoch: 0 })
  await first.close()
  const second = await open(fs)
  assert.equal(second.epochOf(a.producerId), 1)
  const b = await second.initProducerId()
  assert.equal(b.producerId, PRODUCER_ID_BLOCK_SIZE)
  await assert.rejects(second.initProducerId({ producerId: a.producerId, producerEpoch: 5 }), (e) => isSluiceError(e, 'PRODUCER_FENCED'))
  assert.deepEqual(await second.initProducerId({ producerId: a.producerId, producerEpoch: 1 }), { producerId: a.producerId, producerEpoch: 2 })
})

test('no granted id is granted again after a crash that drops unsynced writes', async () => {
  const random = randomFromEnv('producer ids crash')
  let fs = new MemoryFs()
  const granted = new Set<number>()
  for (let round = 0; round < 5; round++) {
    const ids = await open(fs)
    const count = random.int(1, 2 * PRODUCER_ID_BLOCK_SIZE)
    for (let i = 0; i < count; i++) {
      const producerId = await ids.allocateProducerId()
      assert.ok(!granted.has(producerId), `producer id ${producerId} granted twice`)
      granted.add(producerId)
    }
    fs = fs.crash({ mode: random.pick(['drop-unsynced', 'tear-unsynced'] as const), random })
  }
})

test('an epoch at its limit moves the producer to a new id with epoch 0', async () => {
  const fs = new MemoryFs()
  await fs.mkdir(DIR)
  const state = { version: 1, nextBlockStart: 1000, producers: { '7': { epoch: PRODUCER_EPOCH_EXHAUSTED, lastEpoch: PRODUCER_EPOCH_EXHAUSTED - 1, updatedMs: new ManualClock().now() } } }
  await fs.writeFile(`${DIR}/producer-ids.json`, Buffer.from(JSON.stringify(state)))
  const ids = await open(fs)
  const next = await ids.initProducerId({ producerId: 7, producerEpoch: PRODUCER_EPOCH_EXHAUSTED })
  assert.deepEqual(next, { producerId: 1000, producerEpoch: 0 })
  assert.equal(ids.epochOf(7), undefined)
})

test('producer ids unused for longer than the expiration are forgotten', async () => {
  const clock = new ManualClock()
  const ids = await open(new MemoryFs(), clock)
  const old = await ids.initProducerId()
  clock.advance(PRODUCER_ID_EXPIRATION_MS_DEFAULT + 1)
  const recent = await ids.initProducerId()
  assert.equal(ids.epochOf(old.producerId), undefined)
  assert.equal(ids.epochOf(recent.producerId), 0)
  await assert.rejects(ids.initProducerId({ ...old }), (e) => isSluiceError(e, 'INVALID_PRODUCER_ID_MAPPING'))
})

test('a failed state write is a KAFKA_STORAGE_ERROR and changes nothing', async () => {
  const fs = new MemoryFs()
  const ids = await open(fs)
  const { producerId } = await ids.initProducerId()
  fs.injectFault({ op: 'rename', path: /producer-ids/, code: 'EIO' })
  await assert.rejects(ids.initProducerId({ producerId, producerEpoch: 0 }), (e) => isSluiceError(e, 'KAFKA_STORAGE_ERROR') && e.message.includes('EIO'))
  assert.equal(ids.epochOf(producerId), 0)
  assert.deepEqual(await ids.initProducerId({ producerId, producerEpoch: 0 }), { producerId, producerEpoch: 1 })
})
