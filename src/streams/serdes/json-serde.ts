// JSON, the default serde of the streams DSL: UTF-8 JSON text (RFC 8259; a leading byte order mark
// is ignored, as the RFC allows). A bad record gets one SerdeError that says what is wrong with the
// bytes — empty, not UTF-8 (and where), framed for a schema registry or Avro rather than JSON, or
// the parser's own complaint — with a short hex preview. Strings, bytes and Avro live beside this.
import { describeBytes, errorMessage, SerdeError, typeName, type Serde } from './serde.ts'
import { decodeUtf8Strict, firstInvalidUtf8 } from './utf8.ts'

/** Options of jsonSerde. */
export interface JsonSerdeOptions<T> {
  /**
   * Checks a decoded value before it enters the topology (JSON.parse alone only *claims* type T).
   * A value it rejects is a SerdeError like malformed bytes, so the app's handler sees it.
   */
  validate?: (value: unknown) => value is T
}

/**
 * JSON text as UTF-8. Values go through JSON.stringify, so what JSON cannot carry (undefined,
 * functions, BigInt, cycles) is refused on serialize, and Dates come back as ISO strings.
 * @example
 * const serde = jsonSerde<{ card: string; amount: number }>()
 * serde.deserialize(serde.serialize({ card: 'c-1', amount: 12 })) // { card: 'c-1', amount: 12 }
 */
export function jsonSerde<T>(options: JsonSerdeOptions<T> = {}): Serde<T> {
  const { validate } = options
  return {
    serialize(value: T): Buffer {
      let text: string | undefined
      try {
        text = JSON.stringify(value)
      } catch (error) {
        // BigInt and cyclic structures make JSON.stringify throw a TypeError; it becomes the cause.
        throw new SerdeError('json', 'serialize', errorMessage(error), { cause: error })
      }
      if (text === undefined) throw new SerdeError('json', 'serialize', `${typeName(value)} has no JSON form`)
      return Buffer.from(text, 'utf8')
    },
    deserialize(bytes: Buffer): T {
      let value: unknown
      // Fast path shaped for the common case: decode, parse, done. Diagnosis runs only on failure.
      const text = decodeUtf8Strict(bytes)
      if (text === null) {
        throw new SerdeError('json', 'deserialize', framingHint(bytes) ?? `invalid UTF-8 at byte ${firstInvalidUtf8(bytes)}: ${describeBytes(bytes)}`)
      }
      try {
        value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
      } catch (error) {
        throw new SerdeError('json', 'deserialize', diagnose(bytes, text, error), { cause: error })
      }
      if (validate !== undefined && !validate(value)) {
        throw new SerdeError('json', 'deserialize', `the decoded value failed validation: ${describeBytes(bytes)}`)
      }
      return value as T
    },
  }
}

/** Why `bytes` did not parse as JSON, in words a user can act on. */
function diagnose(bytes: Buffer, text: string, error: unknown): string {
  if (bytes.length === 0) return 'empty input (0 bytes); a JSON document was expected (a deleted value is a null record, not empty bytes)'
  if (text.trim() === '') return `only whitespace: ${describeBytes(bytes)}`
  return framingHint(bytes) ?? `${errorMessage(error)}: ${describeBytes(bytes)}`
}

/** Names a binary framing that often lands on a JSON topic by mistake, or returns null. */
function framingHint(bytes: Buffer): string | null {
  if (bytes[0] === 0 && bytes.length >= 5) {
    return `starts with byte 0x00: this looks like Confluent Schema Registry framing (schema id ${bytes.readUInt32BE(1)}), not JSON; use the matching serde: ${describeBytes(bytes)}`
  }
  if (bytes[0] === 0xc3 && bytes[1] === 0x01) return `starts with c3 01: this looks like Avro single-object encoding, not JSON; use avroSerde: ${describeBytes(bytes)}`
  return null
}
