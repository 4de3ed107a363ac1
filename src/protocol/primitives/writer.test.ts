import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { Reader, ZERO_UUID } from './reader.ts'
import { Writer, unsupportedField } from './writer.ts'

const hex = (buf: Buffer): string => buf.toString('hex')

test('fixed-width integers are written big-endian', () => {
  const w = new Writer(4)
  w.int8(-1)
  w.int16(-2)
  w.uint16(0xfffe)
  w.int32(-3)
  w.uint32(0xfffffffd)
  w.int64(-4)
  w.int64(4294967298)
  w.bool(true)
  w.float64(1.5)
  assert.equal(
    hex(w.toBuffer()),
    'ff' + 'fffe' + 'fffe' + 'fffffffd' + 'fffffffd' + 'fffffffffffffffc' + '0000000100000002' + '01' +
      '3ff8000000000000',
  )
})

test('int64 values at or beyond 2^63 are clamped to Kafka sentinels and round-trip', () => {
  const w = new Writer()
  w.int64(Number.MAX_SAFE_INTEGER)
  w.int64(Number.MIN_SAFE_INTEGER)
  w.int64(2 ** 63) // what a decoded Long.MAX_VALUE becomes
  w.int64(-(2 ** 63))
  const buf = w.toBuffer()
  assert.equal(buf.readBigInt64BE(0), 2n ** 53n - 1n)
  assert.equal(buf.readBigInt64BE(8), -(2n ** 53n) + 1n)
  assert.equal(buf.readBigInt64BE(16), 2n ** 63n - 1n)
  assert.equal(buf.readBigInt64BE(24), -(2n ** 63n))
  const r = new Reader(buf)
  assert.deepEqual([r.int64(), r.int64(), r.int64()], [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 63])
})

test('strings use int16 or compact lengths, ASCII and UTF-8 alike', () => {
  const w = new Writer(2)
  w.string('hi', false)
  w.string('hé', true)
  w.nullableString(null, false)
  w.nullableString(null, true)
  w.string('x'.repeat(100) + 'é', false)
  const buf = w.toBuffer()
  assert.equal(hex(buf.subarray(0, 11)), '0002' + '6869' + '04' + '68c3a9' + 'ffff' + '00')
  const r = new Reader(buf)
  assert.deepEqual(
    [r.string(false), r.string(true), r.nullableString(false), r.nullableString(true), r.string(false)],
    ['hi', 'hé', null, null, 'x'.repeat(100) + 'é'],
  )
  assert.equal(r.remaining, 0)
})

test('uuids are written from their base64url text and must be well formed', () => {
  const w = new Writer()
  const id = Buffer.from('0123456789abcdeffedcba9876543210', 'hex')
  w.uuid(id.toString('base64url'))
  w.uuid(ZERO_UUID)
  assert.equal(hex(w.toBuffer()), '0123456789abcdeffedcba9876543210' + '00'.repeat(16))
  assert.throws(() => new Writer().uuid('too-short'), /22 base64url characters/)
})

test('growth chains chunks without copying what was written', () => {
  const w = new Writer(8)
  for (let i = 0; i < 100; i++) w.int32(i)
  const chunks = w.chunks()
  assert.ok(chunks.length > 1, 'several scratch buffers were used')
  assert.equal(w.length, 400)
  const all = w.toBuffer()
  for (let i = 0; i < 100; i++) assert.equal(all.readInt32BE(i * 4), i)
})

test('large records are referenced as their own chunk, small ones copied', () => {
  const big = Buffer.alloc(10_000, 7)
  const small = Buffer.alloc(10, 9)
  const w = new Writer()
  w.int16(1)
  w.records(big, false)
  w.records(small, true)
  w.records(null, false)
  const chunks = w.chunks()
  assert.ok(chunks.includes(big), 'the big blob is not copied')
  assert.ok(!chunks.includes(small))
  const r = new Reader(w.toBuffer())
  assert.equal(r.int16(), 1)
  assert.deepEqual(r.records(false), big)
  assert.deepEqual(r.records(true), small)
  assert.equal(r.records(false), null)
  assert.equal(r.remaining, 0)
})

test('a reserved int32 is patched with the bytes written after it, across chunks', () => {
  const w = new Writer(16)
  const size = w.reserveInt32()
  w.int16(18)
  w.records(Buffer.alloc(5000, 1), false)
  w.string('tail', false)
  w.patchInt32(size, w.bytesSince(size))
  const frame = w.toBuffer()
  assert.equal(frame.readInt32BE(0), frame.length - 4)
  assert.equal(frame.readInt32BE(0), 2 + 4 + 5000 + 2 + 4)
})

test('appending another writer keeps its bytes in order', () => {
  const inner = new Writer(4)
  inner.string('tagged value', true)
  const outer = new Writer(4)
  outer.unsignedVarint(inner.length)
  outer.append(inner)
  const r = new Reader(outer.toBuffer())
  assert.equal(r.unsignedVarint(), 13)
  assert.equal(r.string(true), 'tagged value')
})

test('varints and array lengths use the compact or classic form asked for', () => {
  const w = new Writer()
  w.unsignedVarint(300)
  w.arrayLength(2, true)
  w.arrayLength(-1, true)
  w.arrayLength(-1, false)
  w.emptyTaggedFields()
  assert.equal(hex(w.toBuffer()), 'ac02' + '03' + '00' + 'ffffffff' + '00')
})

test('random primitive sequences read back as written', () => {
  const random = randomFromEnv('writer round trip')
  type Item = { kind: number; value: unknown; compact: boolean }
  for (let round = 0; round < 300; round++) {
    const w = new Writer(random.int(1, 64))
    const items: Item[] = []
    for (let i = 0; i < 30; i++) {
      const kind = random.int(0, 6)
      const compact = random.chance(0.5)
      let value: unknown
      if (kind === 0) w.int32((value = random.int(-(2 ** 31), 2 ** 31)) as number)
      else if (kind === 1) w.int64((value = random.int(-(2 ** 52), 2 ** 52)) as number)
      else if (kind === 2) {
        value = random.pick(['', 'abc', 'ünï', '🎉'.repeat(random.int(0, 40))])
        w.string(value as string, compact)
      } else if (kind === 3) w.bytes((value = random.bytes(random.int(0, 6000))) as Buffer, compact)
      else if (kind === 4) w.unsignedVarint((value = random.int(0, 2 ** 31)) as number)
      else w.bool((value = random.chance(0.5)) as boolean)
      items.push({ kind, value, compact })
    }
    const buf = w.toBuffer()
    assert.equal(buf.length, w.length)
    const r = new Reader(buf)
    for (const { kind, value, compact } of items) {
      if (kind === 0) assert.equal(r.int32(), value)
      else if (kind === 1) assert.equal(r.int64(), value)
      else if (kind === 2) assert.equal(r.string(compact), value)
      else if (kind === 3) assert.deepEqual(r.bytes(compact), value)
      else if (kind === 4) assert.equal(r.unsignedVarint(), value)
      else assert.equal(r.bool(), value)
    }
    assert.equal(r.error, null, `SEED=${random.seed}`)
    assert.equal(r.remaining, 0)
  }
})

test('a field the target version cannot carry is refused with a typed error', () => {
  assert.throws(
    () => unsupportedField('ProduceRequest', 'transactionalId', 2),
    (error: unknown) => isSluiceError(error, 'INVALID_ARGUMENT') && /version 2 cannot carry/.test(String(error)),
  )
})
