// Window state goes to changelogs as v8-serialized plain data (the engines export it that way),
// but a sketch accumulator is a class instance with private fields, which v8.serialize would
// flatten to an empty object. When an aggregator declares a codec, the exported state is walked
// and each accumulator in it is replaced by a tagged wrapper holding its bytes, and the reverse on
// restore. Aggregators of plain data (numbers, arrays) have no codec and skip the walk.
import type { AccumulatorCodec } from '../windows/index.ts'

const TAG = '__sluiceAccumulator'

/**
 * `state` with every accumulator replaced by `{ __sluiceAccumulator: bytes }`.
 * @example encodeAccumulators({ panes: [hll] }, codec) // { panes: [{ __sluiceAccumulator: Uint8Array }] }
 */
export function encodeAccumulators(state: unknown, codec: AccumulatorCodec<unknown>): unknown {
  // Called as a plain predicate: with A = unknown the type guard would narrow the rest to never.
  const isAccumulator: (value: unknown) => boolean = codec.isAccumulator
  if (isAccumulator(state)) return { [TAG]: codec.encode(state) }
  if (Array.isArray(state)) return state.map((item) => encodeAccumulators(item, codec))
  if (isPlainObject(state)) {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(state)) out[key] = encodeAccumulators(value, codec)
    return out
  }
  return state
}

/** The inverse of encodeAccumulators. */
export function decodeAccumulators(state: unknown, codec: AccumulatorCodec<unknown>): unknown {
  if (Array.isArray(state)) return state.map((item) => decodeAccumulators(item, codec))
  if (isPlainObject(state)) {
    const entries = Object.entries(state)
    if (entries.length === 1 && entries[0]![0] === TAG && entries[0]![1] instanceof Uint8Array) return codec.decode(entries[0]![1])
    const out: Record<string, unknown> = {}
    for (const [key, value] of entries) out[key] = decodeAccumulators(value, codec)
    return out
  }
  return state
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}
