import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { bytesSerde } from './bytes-serde.ts'
import { stringSerde } from './string-serde.ts'
import { firstInvalidUtf8 } from './utf8.ts'

describe('stringSerde', () => {
  it('round-trips text as UTF-8, astral characters included', () => {
    for (const text of ['', 'plain', 'héllo wörld', '日本語', '😀 a\uFFFDb']) {
      const bytes = stringSerde.serialize(text)
      assert.deepEqual(bytes, Buffer.from(text, 'utf8'))
      assert.equal(stringSerde.deserialize(bytes), text)
    }
  })

  it('refuses malformed UTF-8, naming the first bad byte, instead of replacing it', () => {
    assert.throws(() => stringSerde.deserialize(Buffer.from([0x61, 0x62, 0xc3])), { name: 'SerdeError', message: /invalid UTF-8 at byte 2 of 3 bytes: 61 62 c3/ })
    assert.throws(() => stringSerde.deserialize(Buffer.from([0xed, 0xa0, 0x80])), { message: /invalid UTF-8 at byte 0/ })
  })

  it('refuses non-strings and strings with unpaired surrogates', () => {
    assert.throws(() => stringSerde.serialize(5 as unknown as string), { name: 'SerdeError', message: /expected a string, got a number/ })
    assert.throws(() => stringSerde.serialize('ab\uD800c'), { name: 'SerdeError', message: /unpaired surrogate at index 2/ })
  })
})

describe('firstInvalidUtf8', () => {
  it('agrees with the rules of RFC 3629 on overlongs, surrogates, truncation and range', () => {
    assert.equal(firstInvalidUtf8(Buffer.from('ok é 😀', 'utf8')), -1)
    assert.equal(firstInvalidUtf8(Buffer.from([0xc0, 0xaf])), 0) // overlong '/'
    assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0xe0, 0x80, 0xaf])), 1) // overlong 3-byte
    assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0) // above U+10FFFF
    assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0x42, 0xf0, 0x9f, 0x98])), 2) // truncated
    assert.equal(firstInvalidUtf8(Buffer.from([0x80])), 0) // lone continuation
  })
})

describe('bytesSerde', () => {
  it('passes bytes through without copying and views a Uint8Array as a Buffer', () => {
    const bytes = Buffer.from([1, 2, 3])
    assert.equal(bytesSerde.serialize(bytes), bytes)
    assert.equal(bytesSerde.deserialize(bytes), bytes)
    const array = new Uint8Array([9, 8, 7, 6]).subarray(1, 3)
    const viewed = bytesSerde.serialize(array as Buffer) // loosely typed callers hand over plain arrays
    assert.ok(Buffer.isBuffer(viewed))
    assert.deepEqual([...viewed], [8, 7])
    assert.equal(viewed.buffer, array.buffer)
  })

  it('refuses values that are not bytes', () => {
    assert.throws(() => bytesSerde.serialize('text' as unknown as Buffer), { name: 'SerdeError', message: /bytes serde cannot serialize: expected a Buffer or Uint8Array, got a string/ })
  })
})
