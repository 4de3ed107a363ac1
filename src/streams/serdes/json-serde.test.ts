import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { jsonSerde } from './json-serde.ts'
import { SerdeError } from './serde.ts'

describe('jsonSerde', () => {
  const serde = jsonSerde<unknown>()

  it('round-trips JSON values as UTF-8 text', () => {
    for (const value of [{ card: 'c-1', amount: 12.5, tags: ['a', 'é', '😀'] }, [1, null, true], 'text', 0, null]) {
      const bytes = serde.serialize(value)
      assert.equal(bytes.toString('utf8'), JSON.stringify(value))
      assert.deepEqual(serde.deserialize(bytes), value)
    }
  })

  it('reads from a view into a larger buffer and ignores a leading byte order mark', () => {
    const batch = Buffer.from('xx{"a":1}yy')
    assert.deepEqual(serde.deserialize(batch.subarray(2, 9)), { a: 1 })
    assert.deepEqual(serde.deserialize(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[2]')])), [2])
  })

  it('names what is wrong with bad bytes', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.alloc(0), /empty input \(0 bytes\)/],
      [Buffer.from('  \n'), /only whitespace: 3 bytes: 20 20 0a/],
      [Buffer.from([0x7b, 0x22, 0x61, 0xff, 0x22]), /invalid UTF-8 at byte 3: 5 bytes: 7b 22 61 ff 22/],
      [Buffer.from([0, 0, 0, 0, 42, 2, 0x61]), /Confluent Schema Registry framing \(schema id 42\)/],
      [Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0]), /Avro single-object encoding/],
      [Buffer.from('{"a":'), /JSON.*5 bytes: 7b 22 61 22 3a \("\{\\"a\\":"\)/],
      [Buffer.from('{"a":1} trailing'), /JSON/],
    ]
    for (const [bytes, message] of cases) {
      assert.throws(() => serde.deserialize(bytes), (error: unknown) => {
        assert.ok(error instanceof SerdeError, String(error))
        assert.equal(error.operation, 'deserialize')
        assert.equal(error.code, 'INVALID_RECORD')
        assert.match(error.message, /^json serde cannot deserialize: /)
        assert.match(error.message, message)
        return true
      })
    }
  })

  it('keeps a real U+FFFD in valid text (the strict check only runs when one appears)', () => {
    assert.equal(serde.deserialize(Buffer.from(JSON.stringify('a\uFFFDb'))), 'a\uFFFDb')
  })

  it('refuses values JSON cannot carry', () => {
    assert.throws(() => serde.serialize(undefined), { name: 'SerdeError', message: /cannot serialize: undefined has no JSON form/ })
    assert.throws(() => serde.serialize(() => 1), { name: 'SerdeError', message: /a function has no JSON form/ })
    assert.throws(() => serde.serialize({ n: 1n }), { name: 'SerdeError', message: /BigInt/ })
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    assert.throws(() => serde.serialize(cyclic), { name: 'SerdeError', message: /circular/i })
  })

  it('checks decoded values with a validator when given one', () => {
    type Reading = { room: string; celsius: number }
    const isReading = (v: unknown): v is Reading =>
      typeof v === 'object' && v !== null && typeof (v as Reading).room === 'string' && typeof (v as Reading).celsius === 'number'
    const readings = jsonSerde<Reading>({ validate: isReading })
    assert.deepEqual(readings.deserialize(Buffer.from('{"room":"r1","celsius":21.5}')), { room: 'r1', celsius: 21.5 })
    assert.throws(() => readings.deserialize(Buffer.from('{"room":"r1"}')), { name: 'SerdeError', message: /failed validation/ })
  })
})
