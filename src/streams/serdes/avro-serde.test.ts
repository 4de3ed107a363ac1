import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import avro from 'avsc'
import { isSluiceError } from '../../base/errors.ts'
import { rabinFingerprint64, schemaFingerprint } from './avro-fingerprint.ts'
import { avroSerde, type AvroSchema } from './avro-serde.ts'
import { SerdeError } from './serde.ts'

const paymentV1: AvroSchema = {
  type: 'record',
  name: 'Payment',
  namespace: 'sluice.test',
  fields: [
    { name: 'card', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
}
// v2 adds a field with a default and drops `note`: both directions Avro resolution allows.
const paymentV2: AvroSchema = {
  type: 'record',
  name: 'Payment',
  namespace: 'sluice.test',
  fields: [
    { name: 'card', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'currency', type: 'string', default: 'EUR' },
  ],
}

type PaymentV1 = { card: string; amount: number; note: string | null }
type PaymentV2 = { card: string; amount: number; currency: string }

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('CRC-64-AVRO schema fingerprints', () => {
  it('match the Avro specification test vectors', () => {
    const vectors: Array<[AvroSchema, bigint]> = [
      ['null', 7195948357588979594n],
      ['int', 8247732601305521295n],
      ['string', -8142146995180207161n],
      [{ type: 'record', name: 'foo', namespace: 'x.y', fields: [] }, 5916914534497305771n],
    ]
    for (const [schema, expected] of vectors) {
      const type = avro.Type.forSchema(schema)
      assert.equal(BigInt.asIntN(64, rabinFingerprint64(Buffer.from(JSON.stringify(type.schema())))), expected)
      assert.equal(schemaFingerprint(type).readBigInt64LE(), expected)
    }
  })

  it('ignore doc and defaults (Parsing Canonical Form)', () => {
    const a = avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'int' }] })
    const b = avro.Type.forSchema({ type: 'record', name: 'R', doc: 'about R', fields: [{ name: 'f', type: 'int', default: 1, doc: 'f' }] })
    assert.deepEqual(schemaFingerprint(a), schemaFingerprint(b))
  })
})

describe('avroSerde, raw framing', () => {
  it('round-trips values of its schema as bare Avro binary', () => {
    const serde = avroSerde<PaymentV1>(paymentV1)
    const value = { card: 'c-42', amount: 120.5, note: 'lunch' }
    const bytes = serde.serialize(value)
    assert.deepEqual(bytes, avro.Type.forSchema(paymentV1).toBuffer(value))
    assert.deepEqual(plain(serde.deserialize(bytes)), value)
  })

  it('reads bytes of an older writer schema as the newer reader schema', () => {
    const oldBytes = avroSerde<PaymentV1>(paymentV1).serialize({ card: 'c-1', amount: 3, note: 'dropped by v2' })
    const reader = avroSerde<PaymentV2>(paymentV2, { writerSchemas: [paymentV1] })
    assert.deepEqual(plain(reader.deserialize(oldBytes)), { card: 'c-1', amount: 3, currency: 'EUR' })
  })

  it('refuses more than one writer schema and incompatible schemas when the serde is made', () => {
    assert.throws(() => avroSerde(paymentV2, { writerSchemas: [paymentV1, paymentV1] }), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG') && /at most one writer schema/.test(e.message))
    const incompatible: AvroSchema = { type: 'record', name: 'Payment', namespace: 'sluice.test', fields: [{ name: 'required', type: 'long' }] }
    assert.throws(() => avroSerde(incompatible, { writerSchemas: [paymentV1] }), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG') && /cannot be read as/.test(e.message))
    assert.throws(() => avroSerde({ type: 'record', name: 'Bad', fields: [{ name: 'x', type: 'nope' }] } as AvroSchema), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG') && /not a valid Avro schema/.test(e.message))
  })

  it('names the field of a value that does not fit the schema', () => {
    const serde = avroSerde<PaymentV1>(paymentV1)
    assert.throws(() => serde.serialize({ card: 'c', amount: 'ten' as unknown as number, note: null }), (error: unknown) => {
      assert.ok(error instanceof SerdeError)
      assert.equal(error.operation, 'serialize')
      assert.match(error.message, /avro serde cannot serialize: amount = "ten" is not "double"/)
      return true
    })
    assert.throws(() => serde.serialize({ amount: 1 } as PaymentV1), { name: 'SerdeError', message: /card = undefined is not "string"/ })
  })

  it('says what is wrong with truncated or overlong bytes', () => {
    const serde = avroSerde<PaymentV1>(paymentV1)
    const bytes = serde.serialize({ card: 'c-42', amount: 1, note: null })
    assert.throws(() => serde.deserialize(bytes.subarray(0, 4)), { name: 'SerdeError', message: /truncated: .*4 bytes: / })
    assert.throws(() => serde.deserialize(Buffer.concat([bytes, Buffer.from([1, 2])])), { name: 'SerdeError', message: /trailing data after the value/ })
    assert.throws(() => serde.deserialize(Buffer.alloc(0)), { name: 'SerdeError', message: /truncated/ })
  })
})

describe('avroSerde, single-object framing', () => {
  it('writes c3 01, the schema fingerprint, then the body', () => {
    const serde = avroSerde<PaymentV2>(paymentV2, { framing: 'single-object' })
    const value = { card: 'c-9', amount: 9.25, currency: 'USD' }
    const bytes = serde.serialize(value)
    assert.deepEqual([...bytes.subarray(0, 2)], [0xc3, 0x01])
    assert.deepEqual(bytes.subarray(2, 10), schemaFingerprint(avro.Type.forSchema(paymentV2)))
    assert.deepEqual(bytes.subarray(10), avro.Type.forSchema(paymentV2).toBuffer(value))
    assert.deepEqual(plain(serde.deserialize(bytes)), value)
  })

  it('reads a topic mixing schema versions, each value through the schema that wrote it', () => {
    const v1 = avroSerde<PaymentV1>(paymentV1, { framing: 'single-object' })
    const v2 = avroSerde<PaymentV2>(paymentV2, { framing: 'single-object', writerSchemas: [paymentV1] })
    const topic = [v1.serialize({ card: 'a', amount: 1, note: null }), v2.serialize({ card: 'b', amount: 2, currency: 'GBP' })]
    assert.deepEqual(topic.map((bytes) => plain(v2.deserialize(bytes))), [
      { card: 'a', amount: 1, currency: 'EUR' },
      { card: 'b', amount: 2, currency: 'GBP' },
    ])
    // Backward the other way: v1 reading v2 data, given v2 as a writer schema.
    const v1Reader = avroSerde<PaymentV1>(paymentV1, { framing: 'single-object', writerSchemas: [paymentV2] })
    assert.deepEqual(plain(v1Reader.deserialize(topic[1]!)), { card: 'b', amount: 2, note: null })
  })

  it('refuses bytes without the marker and bytes of a schema it was not given', () => {
    const v1 = avroSerde<PaymentV1>(paymentV1, { framing: 'single-object' })
    const v2Only = avroSerde<PaymentV2>(paymentV2, { framing: 'single-object' })
    const fromV1 = v1.serialize({ card: 'a', amount: 1, note: null })
    assert.throws(() => v2Only.deserialize(fromV1), { name: 'SerdeError', message: /unknown schema \(fingerprint [0-9a-f]{16}\); add that schema to writerSchemas/ })
    assert.throws(() => v2Only.deserialize(Buffer.from('{"card":"a"}')), { name: 'SerdeError', message: /not Avro single-object encoding.*7b 22 63/ })
    assert.throws(() => v2Only.deserialize(fromV1.subarray(0, 6)), { name: 'SerdeError', message: /not Avro single-object encoding/ })
  })
})
