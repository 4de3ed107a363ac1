import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomFromEnv } from '../base/random.ts'
import { canonicalBytes, Hash64, REDIS_HLL_SEED } from './hash.ts'

const MASK64 = (1n << 64n) - 1n
const M = 0xc6a4a7935bd1e995n

/** A slow, obviously-correct MurmurHash64A over BigInt, the reference the 32-bit-halves code is checked against. */
function referenceMurmur64A(bytes: Uint8Array, seed: number): bigint {
  const length = bytes.length
  let h = (BigInt(seed >>> 0) ^ ((BigInt(length) * M) & MASK64)) & MASK64
  const blocks = length - (length & 7)
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(bytes[i + j]!)
    k = (k * M) & MASK64
    k ^= k >> 47n
    k = (k * M) & MASK64
    h ^= k
    h = (h * M) & MASK64
  }
  const rest = length & 7
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(bytes[blocks + j]!) << BigInt(8 * j)
    h = (h * M) & MASK64
  }
  h ^= h >> 47n
  h = (h * M) & MASK64
  h ^= h >> 47n
  return h
}

test('MurmurHash64A passes the SMHasher verification value 0x1F0D3804', () => {
  // SMHasher's VerificationTest: hash the prefixes 0..i of [0, 1, …, 255] with seed 256-i, then hash
  // the concatenated little-endian results with seed 0; the first 4 bytes are the verification value.
  const key = Uint8Array.from({ length: 256 }, (_, i) => i)
  const hashes = Buffer.alloc(256 * 8)
  const hash = new Hash64(0)
  for (let i = 0; i < 256; i++) {
    const h = new Hash64(256 - i).bytes(key, 0, i)
    hashes.writeUInt32LE(h.lo, i * 8)
    hashes.writeUInt32LE(h.hi, i * 8 + 4)
  }
  hash.bytes(hashes)
  assert.equal(hash.lo, 0x1f0d3804)
})

test('32-bit-halves MurmurHash64A equals a BigInt reference on random bytes of every tail length', () => {
  const random = randomFromEnv('hash reference')
  for (let trial = 0; trial < 2000; trial++) {
    const bytes = random.bytes(random.int(0, 80))
    const seed = random.uint32()
    assert.equal(new Hash64(seed).bytes(bytes).toBigInt(), referenceMurmur64A(bytes, seed), `bytes ${Buffer.from(bytes).toString('hex')} seed ${seed}`)
  }
})

test('a string hashes as its UTF-8 bytes, on the ASCII fast path and the encoder path alike', () => {
  const random = randomFromEnv('hash strings')
  const alphabet = ['a', 'Z', '0', '~', 'é', 'ß', '€', '中', '😀', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff']
  const hash = new Hash64()
  for (let trial = 0; trial < 1000; trial++) {
    let text = ''
    const length = random.int(0, 40)
    for (let i = 0; i < length; i++) text += random.chance(0.7) ? String.fromCharCode(32 + random.int(0, 95)) : random.pick(alphabet)
    const expected = referenceMurmur64A(new TextEncoder().encode(text), REDIS_HLL_SEED)
    assert.equal(hash.string(text).toBigInt(), expected, JSON.stringify(text))
    assert.equal(hash.key(Buffer.from(text, 'utf8')).toBigInt(), expected)
  }
})

test('unpaired surrogates hash as U+FFFD, like TextEncoder', () => {
  const hash = new Hash64()
  for (const text of ['\ud800', 'a\udc00b', 'x\ud83d', '\ud83d\ud83d\ude00']) {
    const expected = referenceMurmur64A(new TextEncoder().encode(text), REDIS_HLL_SEED)
    assert.equal(hash.string(text).toBigInt(), expected, JSON.stringify(text))
  }
  assert.equal(hash.string('\ud800').toBigInt(), new Hash64().string('\ufffd').toBigInt())
})

test('numbers hash by tag and float64 bytes: 1 and 1.5 differ, -0 equals 0, all NaNs are one', () => {
  const hash = new Hash64()
  const of = (key: number | boolean | string): bigint => hash.key(key).toBigInt()
  assert.notEqual(of(1), of(1.5))
  assert.notEqual(of(1), of('1'))
  assert.equal(of(-0), of(0))
  assert.equal(of(Number.NaN), of(0 / 0))
  assert.equal(of(1), of(1.0))
  assert.notEqual(of(true), of(false))
  assert.notEqual(of(true), of(1))
  for (const value of [0, 1, -1, 1.5, 2 ** 53, -(2 ** 60), Number.MIN_VALUE, Infinity, -Infinity, Number.NaN, Math.PI]) {
    assert.equal(of(value), referenceMurmur64A(canonicalBytes(value), REDIS_HLL_SEED), String(value))
  }
  for (const value of [true, false]) assert.equal(of(value), referenceMurmur64A(canonicalBytes(value), REDIS_HLL_SEED))
})

test('distinct small integers never collide in 64 bits', () => {
  const hash = new Hash64()
  const seen = new Set<bigint>()
  for (let i = 0; i < 100_000; i++) seen.add(hash.number(i).toBigInt())
  assert.equal(seen.size, 100_000)
})
