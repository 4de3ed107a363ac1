// Byte-order comparison and the argument checks every store shares. Store keys are byte strings
// ordered like memcmp (shorter prefix first), the order LMDB uses, so the in-memory and LMDB stores
// iterate identically. Keys are 1..STORE_KEY_BYTES_MAX bytes in every store (LMDB's limit, applied
// everywhere so an app tested on the in-memory store cannot fail later on the persistent one).
import { SluiceError } from '../../base/errors.ts'

/** The longest key any store accepts: LMDB's limit at its default page size. */
export const STORE_KEY_BYTES_MAX = 1978

/**
 * memcmp order of two byte strings: negative, zero or positive. Short keys are compared in JS
 * (a native Buffer.compare call costs more than a few byte compares); long ones natively, where
 * shared prefixes (window keys of one key) make a byte loop slow.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length
  if (n > 32) return Buffer.compare(a, b)
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x - y
  }
  return a.length - b.length
}

/** Throws INVALID_ARGUMENT unless `key` is a Buffer of 1..STORE_KEY_BYTES_MAX bytes. */
export function checkKey(store: string, key: unknown): asserts key is Buffer {
  if (!Buffer.isBuffer(key)) throw new SluiceError('INVALID_ARGUMENT', `store '${store}': a key must be a Buffer, got ${describe(key)}`)
  if (key.length === 0 || key.length > STORE_KEY_BYTES_MAX) {
    throw new SluiceError('INVALID_ARGUMENT', `store '${store}': a key of ${key.length} bytes; keys must be 1..${STORE_KEY_BYTES_MAX} bytes (an empty serialized key cannot be stored)`)
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a Buffer (empty is allowed; absence is delete). */
export function checkValue(store: string, value: unknown): asserts value is Buffer {
  if (!Buffer.isBuffer(value)) {
    throw new SluiceError('INVALID_ARGUMENT', `store '${store}': a value must be a Buffer, got ${describe(value)} (to remove a key, call delete)`)
  }
}

/** The CLOSED error of a store used after close(). */
export function storeClosed(store: string): SluiceError {
  return new SluiceError('CLOSED', `store '${store}' is closed`)
}

/**
 * A copy of `bytes` that owns its memory. Stores copy what they keep, because a caller's Buffer may
 * be reused, or be a view into a large fetched batch that a kept view would pin in memory.
 * Small copies come from Node's shared pool (Buffer.allocUnsafe), so this costs one memcpy.
 */
export function copyBytes(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length)
  bytes.copy(out, 0, 0, bytes.length)
  return out
}

function describe(value: unknown): string {
  return value === null ? 'null' : value instanceof Uint8Array ? 'a Uint8Array (wrap it with Buffer.from(array.buffer, offset, length))' : typeof value
}
