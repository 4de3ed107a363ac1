import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { customSerde, describeBytes, isSerdeError, SerdeError } from './serde.ts'

describe('customSerde', () => {
  const point = customSerde<{ x: number; y: number }>({
    name: 'csv-point',
    serialize: (p) => Buffer.from(`${p.x},${p.y}`),
    deserialize: (b) => {
      const parts = b.toString().split(',').map(Number)
      if (parts.length !== 2 || parts.some(Number.isNaN)) throw new Error('expected two numbers separated by a comma')
      return { x: parts[0]!, y: parts[1]! }
    },
  })

  it('round-trips through the user functions', () => {
    assert.deepEqual(point.deserialize(point.serialize({ x: 3, y: -4 })), { x: 3, y: -4 })
  })

  it('turns what the user functions throw into a SerdeError that names the format and keeps the cause', () => {
    const error = (() => {
      try {
        point.deserialize(Buffer.from('oops'))
      } catch (e) {
        return e
      }
      return undefined
    })()
    assert.ok(error instanceof SerdeError)
    assert.ok(isSerdeError(error, 'deserialize'))
    assert.ok(isSluiceError(error, 'INVALID_RECORD'))
    assert.equal(error.retriable, false)
    assert.equal(error.format, 'csv-point')
    assert.match(error.message, /csv-point serde cannot deserialize: expected two numbers.*4 bytes: 6f 6f 70 73 \("oops"\)/)
    assert.ok(error.cause instanceof Error)
  })

  it('refuses a serializer that returns something other than bytes, and views a Uint8Array as a Buffer', () => {
    const bad = customSerde<string>({ name: 'bad', serialize: (s) => s as unknown as Uint8Array, deserialize: (b) => b.toString() })
    assert.throws(() => bad.serialize('x'), { name: 'SerdeError', message: /returned a string, not bytes/ })
    const raw = customSerde<number>({ name: 'u8', serialize: (n) => new Uint8Array([n]), deserialize: (b) => b[0]! })
    const out = raw.serialize(7)
    assert.ok(Buffer.isBuffer(out))
    assert.equal(raw.deserialize(out), 7)
  })
})

describe('describeBytes', () => {
  it('shows length, a bounded hex preview and printable text', () => {
    assert.equal(describeBytes(Buffer.alloc(0)), '0 bytes: ')
    assert.equal(describeBytes(Buffer.from([0, 255])), '2 bytes: 00 ff')
    assert.equal(describeBytes(Buffer.from('{"a":')), '5 bytes: 7b 22 61 22 3a ("{\\"a\\":")')
    const long = describeBytes(Buffer.alloc(100, 0x41))
    assert.match(long, /^100 bytes: (41 ){15}41 … \("A{16}" …\)$/)
  })
})
