// The Serde contract (value <-> bytes) and the one error every serde throws on bad data, so the
// streams runtime can route a record that fails to (de)serialize to the app's handler (fail, skip,
// dead-letter topic) with one `instanceof SerdeError` check. The built-in serdes live beside this
// file (json, string, bytes, avro); `customSerde` wraps user functions into the same contract.
import { SluiceError } from '../../base/errors.ts'

/** Turns values of type T into bytes and back; `deserialize(serialize(v))` equals `v`. */
export interface Serde<T> {
  /** Encodes `value`; throws SerdeError when the value cannot be encoded. */
  serialize(value: T): Buffer
  /** Decodes `bytes` (which may be a view into a larger buffer); throws SerdeError on bad bytes. */
  deserialize(bytes: Buffer): T
}

/** Which way a serde failed. */
export type SerdeOperation = 'serialize' | 'deserialize'

/**
 * A value that could not be serialized, or bytes that could not be deserialized. Its `code` is
 * INVALID_RECORD (never retriable: the same bytes fail the same way); `format` names the serde.
 */
export class SerdeError extends SluiceError {
  override name = 'SerdeError'
  readonly format: string
  readonly operation: SerdeOperation

  constructor(format: string, operation: SerdeOperation, message: string, options?: { cause?: unknown }) {
    super('INVALID_RECORD', `${format} serde cannot ${operation}: ${message}`, { cause: options?.cause, retriable: false })
    this.format = format
    this.operation = operation
  }
}

/** True when `error` is a SerdeError (optionally of one operation). */
export function isSerdeError(error: unknown, operation?: SerdeOperation): error is SerdeError {
  return error instanceof SerdeError && (operation === undefined || error.operation === operation)
}

const PREVIEW_BYTES = 16

/**
 * A short description of untrusted bytes for error messages: length, the first bytes in hex and,
 * when they are printable, as text. Never prints more than PREVIEW_BYTES bytes.
 * @example describeBytes(Buffer.from('{"a":')) // '5 bytes: 7b 22 61 22 3a ("{\"a\":")'
 */
export function describeBytes(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, PREVIEW_BYTES)
  let hex = ''
  let isPrintable = true
  for (let i = 0; i < shown.length; i++) {
    const byte = shown[i] as number
    hex += (i === 0 ? '' : ' ') + byte.toString(16).padStart(2, '0')
    if (byte < 0x20 || byte > 0x7e) isPrintable = false
  }
  const more = bytes.length > PREVIEW_BYTES ? ' …' : ''
  const text = isPrintable && shown.length > 0 ? ` (${JSON.stringify(Buffer.from(shown).toString('latin1'))}${more})` : ''
  return `${bytes.length} byte${bytes.length === 1 ? '' : 's'}: ${hex}${more}${text}`
}

/** What a custom serde needs: a name for errors and the two functions. */
export interface CustomSerdeOptions<T> {
  /** Names the format in errors ('protobuf', 'csv-line', …). */
  name: string
  serialize(value: T): Uint8Array
  deserialize(bytes: Buffer): T
}

/**
 * A serde from user functions. Whatever they throw becomes a SerdeError (the original is its
 * `cause`), and a serializer that returns something other than bytes is refused the same way, so
 * the runtime handles custom formats exactly like built-in ones.
 * @example
 * const csvPoint = customSerde<{ x: number; y: number }>({
 *   name: 'csv-point',
 *   serialize: (p) => Buffer.from(`${p.x},${p.y}`),
 *   deserialize: (b) => { const [x, y] = b.toString().split(',').map(Number); return { x: x!, y: y! } },
 * })
 */
export function customSerde<T>(options: CustomSerdeOptions<T>): Serde<T> {
  const { name } = options
  return {
    serialize(value: T): Buffer {
      let out: unknown
      try {
        out = options.serialize(value)
      } catch (error) {
        // Wrapped, not swallowed: the cause keeps the user's error for the handler to log.
        if (error instanceof SerdeError) throw error
        throw new SerdeError(name, 'serialize', errorMessage(error), { cause: error })
      }
      if (Buffer.isBuffer(out)) return out
      if (out instanceof Uint8Array) return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
      throw new SerdeError(name, 'serialize', `the serializer returned ${typeName(out)}, not bytes (Buffer or Uint8Array)`)
    },
    deserialize(bytes: Buffer): T {
      try {
        return options.deserialize(bytes)
      } catch (error) {
        if (error instanceof SerdeError) throw error
        throw new SerdeError(name, 'deserialize', `${errorMessage(error)} (input ${describeBytes(bytes)})`, { cause: error })
      }
    },
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A short name for the runtime type of `value`, for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  if (Buffer.isBuffer(value)) return 'a Buffer'
  const type = typeof value
  return type === 'object' ? `an object (${(value as object).constructor?.name ?? 'no prototype'})` : `a ${type}`
}
