// The handle every DSL object keeps on its app's recorder and its own place in the graph. Kept
// under a symbol (and out of the public entry) so application code sees only the typed methods,
// while streams and tables of one app can read each other's handles (joins, merge).
import { SluiceError } from '../../base/errors.ts'
import type { GraphBuilder, StreamState } from './graph-builder.ts'

/** Key of the handle on Stream, Table and their keyed and windowed forms. */
export const DSL: unique symbol = Symbol('sluice.streams.dsl')

/** An app's recorder plus what the DSL knows about one stream or table. */
export interface Internals {
  readonly graph: GraphBuilder
  readonly state: StreamState
}

/** The handle of `other`, checked to belong to the same app as `self` (user input: a stream of another app). */
export function sameApp(self: Internals, other: { readonly [DSL]: Internals } | undefined, what: string): Internals {
  const handle = other?.[DSL]
  if (handle === undefined || handle.graph !== self.graph) {
    throw new SluiceError('INVALID_ARGUMENT', `${what}: not a stream or table of app '${self.graph.application}'`)
  }
  return handle
}

/** A user function as the topology stores it: untyped there, kept honest by the DSL's signatures. */
export function erased(fn: unknown): never {
  return fn as never
}
