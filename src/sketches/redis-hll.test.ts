import { test } from 'node:test'
import assert from 'node:assert/strict'
import { crc32c } from '../base/crc32c.ts'
import { isSluiceError } from '../base/errors.ts'
import { HyperLogLog } from './hyperloglog.ts'
import { decodeRedisHll, encodeRedisDense } from './redis-hll.ts'
import { RespConnection } from './resp.test-kit.ts'
import { seededRandom } from './stats.test-kit.ts'

// Vectors captured from Redis 7.0.15 (PFADD, then GET before any PFCOUNT), committed so the
// compatibility holds without a Redis running.
const SMALL_KEYS = ['a', 'b', 'c', 'hello', 'redis', 'sluice', 'é', '中文', '😀', '', '0', '1.5', 'the quick brown fox jumps over the lazy dog']
const SMALL_SPARSE_HEX =
  '48594c4c0100000000000000000000804ea38842a78044358841ac84473780428780430a8040f9844caa8442008c1b80406180497980425a'
const SMALL_PFCOUNT = 13
/** 'sluice-0' … 'sluice-19999': CRC-32C of the 12288 dense register bytes Redis returned, and PFCOUNT. */
const BIG_KEY_COUNT = 20_000
const BIG_REGISTERS_CRC32C = 0x46596a98
const BIG_PFCOUNT = 20071

test('fixed vectors: registers of fixed inputs equal the ones Redis computed', () => {
  const small = HyperLogLog.redis()
  for (const key of SMALL_KEYS) small.add(key)
  const fromRedis = decodeRedisHll(Buffer.from(SMALL_SPARSE_HEX, 'hex'))
  assert.deepEqual(small.registers(), fromRedis)
  assert.equal(Math.round(small.estimate()), SMALL_PFCOUNT)
  assert.equal(fromRedis.filter((r) => r !== 0).length, SMALL_KEYS.length)

  const big = HyperLogLog.redis()
  for (let i = 0; i < BIG_KEY_COUNT; i++) big.add(`sluice-${i}`)
  const dense = big.toRedis()
  assert.equal(dense.toString('latin1', 0, 4), 'HYLL')
  assert.equal(dense.length, 16 + 12288)
  assert.equal(dense[15], 0x80, 'cardinality cache marked invalid')
  assert.equal(crc32c(dense.subarray(16)), BIG_REGISTERS_CRC32C)
  assert.equal(Math.round(big.registerEstimate()), BIG_PFCOUNT)
  assert.equal(Math.round(HyperLogLog.fromRedis(dense).estimate()), BIG_PFCOUNT)
})

test('Redis strings decode: dense round-trips, sparse runs expand, malformed ones are CORRUPT_MESSAGE', () => {
  const random = seededRandom('redis hll decode', 2001)
  const registers = new Uint8Array(16384)
  for (let i = 0; i < registers.length; i++) registers[i] = random.chance(0.3) ? random.int(1, 52) : 0
  assert.deepEqual(decodeRedisHll(encodeRedisDense(registers)), registers)
  // XZERO 16000, VAL 5 ×3, ZERO 64, XZERO 317: 16000 + 3 + 64 + 317 = 16384.
  const sparse = Buffer.concat([Buffer.from('HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80', 'latin1'), Buffer.from([0x40 | (15999 >> 8), 15999 & 0xff, 0x80 | (4 << 2) | 2, 0x3f, 0x40 | (316 >> 8), 316 & 0xff])])
  const expanded = decodeRedisHll(sparse)
  assert.deepEqual([...expanded.subarray(15999, 16004)], [0, 5, 5, 5, 0])
  assert.equal(expanded.reduce((sum, r) => sum + r, 0), 15)
  const bad = [
    Buffer.from('HYLX\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'),
    Buffer.concat([sparse.subarray(0, 4), Buffer.from([2]), sparse.subarray(5)]),
    sparse.subarray(0, sparse.length - 1),
    Buffer.concat([sparse, Buffer.from([0x00])]),
    encodeRedisDense(registers).subarray(0, 12300),
  ]
  for (const bytes of bad) assert.throws(() => decodeRedisHll(bytes), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
  const tooBig = encodeRedisDense(registers)
  tooBig[16] = 0x3f // register 0 = 63
  assert.throws(() => decodeRedisHll(tooBig), (e) => isSluiceError(e, 'CORRUPT_MESSAGE'))
})

test('a live Redis agrees byte for byte: PFADD registers, PFCOUNT of our SET, PFMERGE, sparse GET', async (t) => {
  const opened = await RespConnection.open()
  if (!('connection' in opened)) {
    if (process.env['CI'] === 'true') assert.fail(`CI needs Redis for the compatibility test: ${opened.reason}`)
    console.log(`# Redis not reachable, live compatibility skipped: ${opened.reason}`)
    t.skip(opened.reason)
    return
  }
  const redis = opened.connection
  const random = seededRandom('redis hll live', 2002)
  const prefix = `sluice-test:hll:${process.pid}:${random.uint32()}`
  try {
    for (const n of [1, 100, 2_500, 40_000]) {
      const key = `${prefix}:${n}`
      const ours = HyperLogLog.redis()
      const elements: (string | number)[] = []
      for (let i = 0; i < n; i++) {
        const choice = random.int(0, 4)
        elements.push(choice === 0 ? random.uint32() : choice === 1 ? `ключ-${i}-😀` : choice === 2 ? random.float() : `user-${random.uint32().toString(16)}-${i}`)
      }
      for (let i = 0; i < n; i += 1000) await redis.ok('PFADD', key, ...elements.slice(i, i + 1000))
      for (const element of elements) ours.add(element)
      const got = (await redis.ok('GET', key)) as Buffer
      assert.deepEqual(HyperLogLog.fromRedis(got).registers(), ours.registers(), `registers after PFADD of ${n} (Redis encoding ${got[4]})`)
      const ourKey = `${key}:ours`
      await redis.ok('SET', ourKey, ours.toRedis())
      // Redis estimates from dense registers; ours is exact-ish while sparse, so compare like with like.
      assert.equal(await redis.ok('PFCOUNT', ourKey), Math.round(ours.registerEstimate()), `PFCOUNT of our sketch of ${n}`)
      assert.equal(await redis.ok('PFCOUNT', key), Math.round(HyperLogLog.fromRedis(got).estimate()))
      // Redis keeps adding to our string; we keep adding to Redis's.
      const extra = Array.from({ length: 500 }, (_, i) => `extra-${n}-${i}`)
      await redis.ok('PFADD', ourKey, ...extra)
      const continued = HyperLogLog.fromRedis(got)
      for (const element of extra) continued.add(element)
      assert.deepEqual(HyperLogLog.fromRedis((await redis.ok('GET', ourKey)) as Buffer).registers(), continued.registers())
    }
    const merged = `${prefix}:merged`
    await redis.ok('PFMERGE', merged, `${prefix}:100:ours`, `${prefix}:40000`)
    const expected = HyperLogLog.fromRedis((await redis.ok('GET', `${prefix}:100:ours`)) as Buffer).merge(HyperLogLog.fromRedis((await redis.ok('GET', `${prefix}:40000`)) as Buffer))
    assert.deepEqual(HyperLogLog.fromRedis((await redis.ok('GET', merged)) as Buffer).registers(), expected.registers())
  } finally {
    const keys = [...[1, 100, 2_500, 40_000].flatMap((n) => [`${prefix}:${n}`, `${prefix}:${n}:ours`]), `${prefix}:merged`]
    await redis.ok('DEL', ...keys)
    redis.close()
  }
})
