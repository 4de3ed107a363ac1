// Avro through avsc, with schema evolution by Avro's reader/writer resolution. Two framings:
//   raw            the bare Avro binary body. Bytes carry no schema id, so the serde is told which
//                  schema wrote them (`writerSchemas`, at most one); it writes with `schema`.
//   single-object  Avro's single-object encoding: c3 01, the writer schema's CRC-64-AVRO fingerprint
//                  (8 bytes, little-endian, avro-fingerprint.ts), then the body. Any number of older
//                  writer schemas can be listed; each value is read through the one that wrote it,
//                  so old and new records mix in one topic or changelog.
// Resolvers are built once, when the serde is made: an incompatible pair of schemas is a config error
// then, not a surprise at the first record.
import avro from 'avsc'
import { SluiceError } from '../../base/errors.ts'
import { canonicalForm, schemaFingerprint } from './avro-fingerprint.ts'
import { describeBytes, errorMessage, SerdeError, type Serde } from './serde.ts'

/** An Avro schema as avsc accepts it (JSON object, primitive name, union array or a built Type). */
export type AvroSchema = Parameters<typeof avro.Type.forSchema>[0]

/** Options of avroSerde. */
export interface AvroSerdeOptions {
  /** 'raw' (default) or Avro's 'single-object' encoding (marker + schema fingerprint + body). */
  framing?: 'raw' | 'single-object'
  /**
   * Schemas the bytes may have been written with, other than `schema`. Raw framing accepts one:
   * every value is then read as written by it. Single-object framing accepts any number and picks
   * by fingerprint.
   */
  writerSchemas?: readonly AvroSchema[]
}

const MARKER_0 = 0xc3
const MARKER_1 = 0x01
const HEADER_BYTES = 10

interface Writer {
  fingerprint: Buffer
  type: avro.Type
  /** Null when the writer is the reader's own schema. */
  resolver: ReturnType<avro.Type['createResolver']> | null
}

/**
 * Avro values of `schema`; see the file comment for framing and evolution.
 * @example
 * const v2 = { type: 'record', name: 'Payment', fields: [
 *   { name: 'card', type: 'string' }, { name: 'amount', type: 'double' },
 *   { name: 'currency', type: 'string', default: 'EUR' } ] }
 * const serde = avroSerde<Payment>(v2, { framing: 'single-object', writerSchemas: [v1] })
 * serde.deserialize(bytesWrittenWithV1) // { card, amount, currency: 'EUR' }
 */
export function avroSerde<T>(schema: AvroSchema, options: AvroSerdeOptions = {}): Serde<T> {
  const framing = options.framing ?? 'raw'
  const reader = buildType(schema, 'schema')
  const writers = (options.writerSchemas ?? []).map((s, i) => buildType(s, `writerSchemas[${i}]`))
  if (framing === 'raw') {
    if (writers.length > 1) {
      throw new SluiceError('INVALID_CONFIG', 'avro serde: raw framing carries no schema id, so it takes at most one writer schema; use framing single-object to mix schema versions')
    }
    const writer = writers[0]
    const resolver = writer === undefined ? undefined : resolve(reader, writer)
    return {
      serialize: (value: T) => encode(reader, value),
      deserialize: (bytes) => decode(reader, bytes, resolver, bytes) as T,
    }
  }

  const own: Writer = { fingerprint: schemaFingerprint(reader), type: reader, resolver: null }
  const known: Writer[] = [own]
  for (const type of writers) {
    const fingerprint = schemaFingerprint(type)
    if (known.some((w) => w.fingerprint.equals(fingerprint))) continue
    known.push({ fingerprint, type, resolver: resolve(reader, type) })
  }
  return {
    serialize(value: T): Buffer {
      const body = encode(reader, value)
      const out = Buffer.allocUnsafe(HEADER_BYTES + body.length)
      out[0] = MARKER_0
      out[1] = MARKER_1
      own.fingerprint.copy(out, 2)
      body.copy(out, HEADER_BYTES)
      return out
    },
    deserialize(bytes: Buffer): T {
      if (bytes.length < HEADER_BYTES || bytes[0] !== MARKER_0 || bytes[1] !== MARKER_1) {
        throw new SerdeError('avro', 'deserialize', `not Avro single-object encoding (expected c3 01 and an 8-byte schema fingerprint first): ${describeBytes(bytes)}`)
      }
      const writer = findWriter(known, bytes)
      if (writer === undefined) {
        const fingerprint = bytes.subarray(2, HEADER_BYTES).toString('hex')
        throw new SerdeError('avro', 'deserialize', `written with an unknown schema (fingerprint ${fingerprint}); add that schema to writerSchemas: ${describeBytes(bytes)}`)
      }
      return decode(reader, bytes.subarray(HEADER_BYTES), writer.resolver ?? undefined, bytes) as T
    },
  }
}

function buildType(schema: AvroSchema, what: string): avro.Type {
  try {
    return avro.Type.isType(schema) ? (schema as avro.Type) : avro.Type.forSchema(schema)
  } catch (error) {
    throw new SluiceError('INVALID_CONFIG', `avro serde: ${what} is not a valid Avro schema: ${errorMessage(error)}`, { cause: error })
  }
}

function resolve(reader: avro.Type, writer: avro.Type): ReturnType<avro.Type['createResolver']> {
  try {
    return reader.createResolver(writer)
  } catch (error) {
    throw new SluiceError('INVALID_CONFIG', `avro serde: values written with ${canonicalForm(writer)} cannot be read as ${canonicalForm(reader)}: ${errorMessage(error)}`, { cause: error })
  }
}

// A handful of known schemas: a linear scan with an 8-byte compare beats building a map key.
function findWriter(known: readonly Writer[], bytes: Buffer): Writer | undefined {
  for (const writer of known) {
    let i = 0
    while (i < 8 && writer.fingerprint[i] === bytes[2 + i]) i++
    if (i === 8) return writer
  }
  return undefined
}

function encode(type: avro.Type, value: unknown): Buffer {
  try {
    // avsc's writers check each primitive as they go and throw on a mismatch, so the happy path
    // needs no separate isValid pass; isValid runs only to name the offending field.
    return type.toBuffer(value)
  } catch (error) {
    const problems: string[] = []
    type.isValid(value, {
      errorHook: (path, bad, badType) => {
        if (problems.length < 3) problems.push(`${path.length === 0 ? 'the value' : path.join('.')} = ${safeJson(bad)} is not ${JSON.stringify(badType.schema())}`)
      },
    })
    const detail = problems.length > 0 ? problems.join('; ') : errorMessage(error)
    throw new SerdeError('avro', 'serialize', detail, { cause: error })
  }
}

function decode(type: avro.Type, body: Buffer, resolver: ReturnType<avro.Type['createResolver']> | undefined, whole: Buffer): unknown {
  try {
    return type.fromBuffer(body, resolver)
  } catch (error) {
    const message = errorMessage(error)
    const detail =
      message === 'truncated buffer'
        ? 'truncated: the bytes end before the writer schema says the value does'
        : message === 'trailing data'
          ? 'trailing data after the value: the bytes were probably written with another schema'
          : message
    throw new SerdeError('avro', 'deserialize', `${detail}: ${describeBytes(whole)}`, { cause: error })
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // Cycles or BigInt: the error message only needs a hint of the value.
    return String(value)
  }
}
