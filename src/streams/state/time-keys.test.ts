import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { compareBytes } from './store-keys.ts'
import { decodeSessionKey, decodeWindowKey, encodeSessionKey, encodeWindowKey, readTime, recordKeyOf, sessionEndOf, windowStartOf, writeTime } from './time-keys.ts'

describe('time-keys layout', () => {
  it('writes times as sign-flipped big-endian int64 that memcmp orders numerically', () => {
    const times = [Number.MIN_SAFE_INTEGER, -(2 ** 40), -4294967297, -4294967296, -1, 0, 1, 4294967295, 4294967296, 1_700_000_000_000, Number.MAX_SAFE_INTEGER]
    const encoded = times.map((ms) => {
      const out = Buffer.alloc(8)
      writeTime(out, 0, ms)
      assert.equal(readTime(out, 0), ms)
      return out
    })
    assert.deepEqual(encoded[5], Buffer.from('8000000000000000', 'hex'))
    assert.deepEqual(encoded[4], Buffer.from('7fffffffffffffff', 'hex'))
    for (let i = 1; i < encoded.length; i++) assert.ok(compareBytes(encoded[i - 1]!, encoded[i]!) < 0, `${times[i - 1]} < ${times[i]}`)
  })

  it('lays a window key out as escaped key, 00 00, start (and seq)', () => {
    assert.deepEqual(encodeWindowKey(Buffer.from('ab'), 0), Buffer.from('61620000' + '8000000000000000', 'hex'))
    assert.deepEqual(encodeWindowKey(Buffer.from([0x61, 0x00]), 5, 7), Buffer.from('610001' + '0000' + '8000000000000005' + '00000007', 'hex'))
    assert.deepEqual(encodeSessionKey(Buffer.from('k'), 1, 2), Buffer.from('6b0000' + '8000000000000002' + '8000000000000001', 'hex'))
  })

  it('sorts encoded keys by (record key bytes, time) and decodes them back, for any key bytes', () => {
    const random = randomFromEnv('time-keys order')
    const items = Array.from({ length: 3000 }, () => ({
      // Small alphabets with 00 and 01 bytes make prefixes, escapes and ties likely.
      key: Buffer.from(Array.from({ length: random.int(0, 4) }, () => random.pick([0, 1, 2, 0xff]))),
      a: random.int(-5, 5) * (random.chance(0.5) ? 1 : 2 ** 33),
      b: random.int(-5, 5),
      seq: random.int(0, 3),
    }))
    const byKeyThenTimes = (x: (typeof items)[0], y: (typeof items)[0]): number => compareBytes(x.key, y.key) || x.a - y.a || x.b - y.b || x.seq - y.seq
    const sorted = [...items].sort(byKeyThenTimes)
    const windows = items.map((it) => ({ it, bytes: encodeWindowKey(it.key, it.a, it.seq) })).sort((x, y) => compareBytes(x.bytes, y.bytes))
    for (let i = 1; i < windows.length; i++) {
      const [x, y] = [windows[i - 1]!.it, windows[i]!.it]
      assert.ok(compareBytes(x.key, y.key) < 0 || (compareBytes(x.key, y.key) === 0 && (x.a < y.a || (x.a === y.a && x.seq <= y.seq))), 'window keys out of order')
    }
    for (const { it, bytes } of windows) {
      assert.deepEqual(decodeWindowKey(bytes, true), { key: it.key, startMs: it.a, seq: it.seq })
      assert.equal(windowStartOf(bytes, true), it.a)
    }
    // Session keys: (key, end, start) with end = a, start = a - |b|.
    const sessions = items.map((it) => ({ it, bytes: encodeSessionKey(it.key, it.a - Math.abs(it.b), it.a) })).sort((x, y) => compareBytes(x.bytes, y.bytes))
    for (let i = 1; i < sessions.length; i++) {
      const [x, y] = [sessions[i - 1]!.it, sessions[i]!.it]
      const order = compareBytes(x.key, y.key) || x.a - y.a || (x.a - Math.abs(x.b)) - (y.a - Math.abs(y.b))
      assert.ok(order <= 0, 'session keys out of order')
    }
    for (const { it, bytes } of sessions) {
      assert.deepEqual(decodeSessionKey(bytes), { key: it.key, startMs: it.a - Math.abs(it.b), endMs: it.a })
      assert.equal(sessionEndOf(bytes), it.a)
    }
    assert.equal(sorted.length, items.length)
  })

  it('keeps one record key\'s range free of other keys (no encoding is a prefix of another)', () => {
    const a = Buffer.from('a')
    const low = encodeWindowKey(a, 0)
    const high = encodeWindowKey(a, Number.MAX_SAFE_INTEGER)
    for (const other of [Buffer.from('a\u0000'), Buffer.from('a\u0080'), Buffer.from('ab'), Buffer.from([0x61, 0, 0])]) {
      for (const time of [0, 1, 2 ** 40]) {
        const key = encodeWindowKey(other, time)
        assert.ok(compareBytes(key, low) < 0 || compareBytes(key, high) > 0, `${other.toString('hex')} falls inside a's range`)
      }
    }
  })

  it('refuses stored keys that break the layout with CORRUPT_MESSAGE', () => {
    const corrupt = (fn: () => unknown, message: RegExp): void => {
      assert.throws(fn, (e: unknown) => isSluiceError(e, 'CORRUPT_MESSAGE') && message.test(e.message))
    }
    corrupt(() => windowStartOf(Buffer.from('abc'), false), /corrupt window key \(3 bytes, 616263\): shorter than the 10 bytes/)
    corrupt(() => decodeWindowKey(Buffer.concat([Buffer.from('ab'), Buffer.from('0100', 'hex'), Buffer.alloc(8)]), false), /no 00 00 terminator/)
    corrupt(() => recordKeyOf(Buffer.from('6100620000', 'hex'), 0, 'window'), /a 00 byte at 1 is not escaped/)
    corrupt(() => decodeSessionKey(Buffer.alloc(10)), /corrupt session key/)
  })
})
