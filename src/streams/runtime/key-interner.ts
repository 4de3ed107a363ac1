// Canonical keys for a task's in-memory state. The window engines and joins keep state in Maps,
// which compare objects by identity; a key selector that returns `{ room, sensor }` makes a new
// object per record. The interner maps every non-primitive key to one instance per distinct
// serialized form (the key serde's bytes), so equal keys share state. Primitive keys (strings,
// numbers, booleans, null) are their own canonical form and cost nothing: the common case.
import type { Serde } from '../serdes/index.ts'

/** Interns non-primitive keys by their serialized bytes. */
export class KeyInterner {
  readonly #serde: Serde<unknown>
  readonly #canonical = new Map<string, unknown>()

  constructor(serde: Serde<unknown>) {
    this.#serde = serde
  }

  /**
   * The canonical instance of `key`.
   * @example interner.intern({ room: 'a' }) === interner.intern({ room: 'a' }) // true
   */
  intern(key: unknown): unknown {
    if (key === null || typeof key !== 'object') return key
    const id = this.#serde.serialize(key).toString('latin1')
    const known = this.#canonical.get(id)
    if (known !== undefined) return known
    this.#canonical.set(id, key)
    return key
  }

  /** Forgets keys (when the task closes). */
  clear(): void {
    this.#canonical.clear()
  }
}
