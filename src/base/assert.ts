// Assertions for invariants that only a bug can break (TigerBeetle style: pairs of checks, before a
// write and after a read). Never use these on network or user input: that is data, and gets a
// typed error or a protocol error code instead (see errors.ts).

/** Thrown when an internal invariant does not hold: always a bug in Sluice. */
export class AssertionError extends Error {
  override name = 'AssertionError'
}

/** Throws an AssertionError unless `condition` holds. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message)
}

/** Marks a branch the type system proves unreachable; throws if it is reached anyway. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`)
}
