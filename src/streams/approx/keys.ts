// Checks on what users' value functions return, shared by the approximate aggregators: a key a
// sketch can hash (sketches/hash.ts) or monitor (Space-Saving), a finite number for a quantile
// sketch. A bad value is a clear INVALID_ARGUMENT naming the aggregator, which the streams
// runtime routes to the app's error handler like any other failing record.
import { SluiceError } from '../../base/errors.ts'
import type { SketchKey, TopKKey } from '../../sketches/index.ts'

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? `an object (${(value as object).constructor?.name ?? 'no prototype'})` : `${typeof value} ${String(value)}`
}

/** The value if it is a string, number, boolean or byte array; else INVALID_ARGUMENT. */
export function checkSketchKey(operation: string, value: unknown): SketchKey {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Uint8Array) return value
  throw new SluiceError('INVALID_ARGUMENT', `${operation}: keys must be strings, numbers, booleans or byte arrays, got ${describe(value)} (pass a function that picks the key)`)
}

/** The value if it is a string, number or boolean; else INVALID_ARGUMENT. */
export function checkTopKKey(operation: string, value: unknown): TopKKey {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  throw new SluiceError('INVALID_ARGUMENT', `${operation}: keys must be strings, numbers or booleans, got ${describe(value)} (pass a function that picks the key)`)
}

/** The value if it is a finite number; else INVALID_ARGUMENT. */
export function checkFinite(operation: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  throw new SluiceError('INVALID_ARGUMENT', `${operation}: values must be finite numbers, got ${describe(value)}`)
}
