import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomFromEnv } from '../../base/random.ts'
import { EMPTY_BYTES, Reader, ZERO_UUID } from './reader.ts'

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex')

test('fixed-width integers read big-endian with their signs', () => {
  const r = new Reader(hex('ff 7f fffe 8000 fffffffe 80000000 ffffffff ffffffffffffffff 0000000100000002 01 00'))
  assert.equal(r.int8(), -1)
  assert.equal(r.int8(), 127)
  assert.equal(r.uint16(), 0xfffe)
  assert.equal(r.int16(), -32768)
  assert.equal(r.int32(), -2)
  assert.equal(r.uint32(), 0x80000000)
  assert.equal(r.int32(), -1)
  assert.equal(r.int64(), -1)
  assert.equal(r.int64(), 4294967298)
  assert.equal(r.bool(), true)
  assert.equal(r.bool(), false)
  assert.equal(r.error, null)
  assert.equal(r.remaining, 0)
})

test('int64 is exact up to 2^53 in both directions', () => {
  const buf = Buffer.alloc(16)
  buf.writeBigInt64BE(2n ** 53n - 1n, 0)
  buf.writeBigInt64BE(-(2n ** 53n) + 1n, 8)
  const r = new Reader(buf)
  assert.equal(r.int64(), Number.MAX_SAFE_INTEGER)
  assert.equal(r.int64(), Number.MIN_SAFE_INTEGER)
})

test('uuids read as unpadded base64url, Kafka text form', () => {
  const bytes = hex('0123456789abcdeffedcba9876543210')
  const r = new Reader(Buffer.concat([bytes, Buffer.alloc(16)]))
  assert.equal(r.uuid(), bytes.toString('base64url'))
  assert.equal(r.uuid(), ZERO_UUID)
  assert.equal(ZERO_UUID.length, 22)
})

test('classic and compact strings, with null only through the nullable readers', () => {
  const r = new Reader(hex('0002 6869  ffff  03 6f6b  00  0000'))
  assert.equal(r.string(false), 'hi')
  assert.equal(r.nullableString(false), null)
  assert.equal(r.string(true), 'ok')
  assert.equal(r.nullableString(true), null)
  assert.equal(r.string(false), '')
  assert.equal(r.error, null)
  const strict = new Reader(hex('ffff'))
  assert.equal(strict.string(false), '')
  assert.match(strict.error ?? '', /null where this version does not allow null/)
})

test('bytes are copied, zero-copy views and records share the input', () => {
  const input = hex('00000002 aabb  03 ccdd  ffffffff  00000001 ee')
  const r = new Reader(input)
  const copy = r.bytes(false)
  const view = r.bytesView(true)
  assert.equal(r.records(false), null)
  const records = r.records(false)
  assert.deepEqual([...copy], [0xaa, 0xbb])
  assert.deepEqual([...view], [0xcc, 0xdd])
  input[5] = 0 // after the copy was taken
  assert.equal(copy[1], 0xbb)
  input[7] = 0x11
  assert.equal(view[0], 0x11, 'a view sees the input')
  assert.deepEqual([...(records ?? [])], [0xee])
  assert.equal(new Reader(hex('00000000')).bytes(false), EMPTY_BYTES)
})

test('a length beyond the input is refused before anything is sliced', () => {
  const r = new Reader(hex('7fff 6869'))
  assert.equal(r.string(false), '')
  assert.match(r.error ?? '', /string length 32767 exceeds the 2 bytes left at offset 2/)
  const bytes = new Reader(hex('7fffffff 00'))
  assert.equal(bytes.bytes(false), EMPTY_BYTES)
  assert.match(bytes.error ?? '', /bytes length 2147483647/)
})

test('array counts are checked against the bytes left times the element size', () => {
  assert.equal(new Reader(hex('00000002 0000000100000002')).arrayLength(false, 4), 2)
  const tooMany = new Reader(hex('00000003 0000000100000002'))
  assert.equal(tooMany.arrayLength(false, 4), 0)
  assert.match(tooMany.error ?? '', /array of 3 elements exceeds the 8 bytes left/)
  const huge = new Reader(hex('ffffffff0f'))
  assert.equal(huge.arrayLength(true, 1), 0, 'a compact count near 2^32 is refused')
  assert.notEqual(huge.error, null)
  assert.equal(new Reader(hex('ffffffff')).nullableArrayLength(false, 1), -1)
  assert.equal(new Reader(hex('00')).nullableArrayLength(true, 1), -1)
  const negative = new Reader(hex('fffffffe'))
  assert.equal(negative.nullableArrayLength(false, 1), 0)
  assert.match(negative.error ?? '', /negative array length -2/)
})

test('the first error sticks and every later read returns a zero value', () => {
  const r = new Reader(hex('0001 02'))
  assert.equal(r.int16(), 1)
  assert.equal(r.int32(), 0)
  const first = r.error
  assert.match(first ?? '', /int32 needs 4 bytes, 1 left at offset 2/)
  assert.equal(r.int8(), 0, 'the byte that was left is not read any more')
  assert.equal(r.bool(), false)
  assert.equal(r.int64(), 0)
  assert.equal(r.float64(), 0)
  assert.equal(r.uuid(), ZERO_UUID)
  assert.equal(r.string(true), '')
  assert.equal(r.nullableString(false), null)
  assert.equal(r.bytes(false), EMPTY_BYTES)
  assert.equal(r.records(true), null)
  assert.equal(r.arrayLength(false, 1), 0)
  assert.equal(r.unsignedVarint(), 0)
  assert.equal(r.taggedFieldCount(), 0)
  assert.equal(r.error, first)
})

test('unsigned varints read one byte fast and up to five in general', () => {
  const r = new Reader(hex('00 7f 8001 ac02 ffffffff0f'))
  assert.deepEqual([r.unsignedVarint(), r.unsignedVarint(), r.unsignedVarint(), r.unsignedVarint()], [0, 127, 128, 300])
  assert.equal(r.unsignedVarint(), 0xffffffff)
  const overlong = new Reader(hex('ffffffffff01'))
  assert.equal(overlong.unsignedVarint(), 0)
  assert.match(overlong.error ?? '', /unsigned varint/)
  const truncated = new Reader(hex('80'))
  assert.equal(truncated.unsignedVarint(), 0)
  assert.notEqual(truncated.error, null)
})

test('tagged-field sections skip unknown tags and catch sizes beyond the input', () => {
  // Two fields: tag 0 with 2 bytes, tag 5 with 1 byte; then an int8 after the section.
  const r = new Reader(hex('02 00 02 abcd 05 01 ee 2a'))
  r.skipTaggedFields()
  assert.equal(r.int8(), 42)
  assert.equal(r.error, null)
  const known = new Reader(hex('01 00 04 00000007 2a'))
  assert.equal(known.taggedFieldCount(), 1)
  assert.equal(known.unsignedVarint(), 0)
  const end = known.taggedFieldEnd()
  assert.equal(known.int16(), 0, 'read less than the declared size')
  known.endTaggedField(end)
  assert.equal(known.int8(), 42, 'the rest of the value was skipped')
  const overrun = new Reader(hex('01 00 01 0000 2a'))
  overrun.taggedFieldCount()
  overrun.unsignedVarint()
  const short = overrun.taggedFieldEnd()
  overrun.int16()
  overrun.endTaggedField(short)
  assert.match(overrun.error ?? '', /overran its declared size/)
  const forged = new Reader(hex('7f 00'))
  assert.equal(forged.taggedFieldCount(), 0)
  assert.match(forged.error ?? '', /127 tagged fields exceed/)
})

test('a reader over part of a buffer reports offsets from its start and stops at its end', () => {
  const r = new Reader(hex('ffff 0001 0002 ffff'), 2, 6)
  assert.equal(r.int16(), 1)
  assert.equal(r.offset, 2)
  assert.equal(r.int16(), 2)
  assert.equal(r.int16(), 0)
  assert.match(r.error ?? '', /at offset 4$/)
})

test('random bytes never make any reader method throw', () => {
  const random = randomFromEnv('reader fuzz')
  for (let round = 0; round < 2000; round++) {
    const r = new Reader(random.bytes(random.int(0, 24)))
    for (let step = 0; step < 12; step++) {
      const compact = random.chance(0.5)
      switch (random.int(0, 12)) {
        case 0: r.int64(); break
        case 1: r.string(compact); break
        case 2: r.nullableString(compact); break
        case 3: r.bytes(compact); break
        case 4: r.records(compact); break
        case 5: r.arrayLength(compact, random.int(1, 9)); break
        case 6: r.skipTaggedFields(); break
        case 7: r.uuid(); break
        case 8: r.unsignedVarint(); break
        case 9: r.endTaggedField(r.taggedFieldEnd()); break
        case 10: r.float64(); break
        default: r.int32(); break
      }
    }
    assert.ok(r.remaining >= 0)
  }
})
