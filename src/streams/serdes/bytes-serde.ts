// Raw bytes, passed through without a copy. A deserialized Buffer may be a view into a larger
// fetched batch: keep it only as long as the record, or copy it (the state stores copy on put).
import { SerdeError, typeName, type Serde } from './serde.ts'

/**
 * Bytes as they are (a Uint8Array is viewed as a Buffer, not copied).
 * @example bytesSerde.serialize(new Uint8Array([1, 2])) // <Buffer 01 02>
 */
export const bytesSerde: Serde<Buffer> = {
  serialize(value: Buffer | Uint8Array): Buffer {
    if (Buffer.isBuffer(value)) return value
    // Callers typed loosely (JSON-configured pipelines) can hand over anything: check, don't trust.
    if ((value as unknown) instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    throw new SerdeError('bytes', 'serialize', `expected a Buffer or Uint8Array, got ${typeName(value)}`)
  },
  deserialize(bytes: Buffer): Buffer {
    return bytes
  },
}
