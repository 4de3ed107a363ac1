import { test } from 'node:test'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { decodeAccumulators, encodeAccumulators } from './accumulator-codec.ts'
import type { AccumulatorCodec } from '../windows/index.ts'

class Box {
  readonly #items: number[]
  constructor(items: number[]) { this.#items = items }
  get items(): number[] { return this.#items }
}

const codec: AccumulatorCodec<Box> = {
  isAccumulator: (v): v is Box => v instanceof Box,
  encode: (b) => Buffer.from(JSON.stringify(b.items)),
  decode: (bytes) => new Box(JSON.parse(Buffer.from(bytes).toString()) as number[]),
}

test('accumulators nested anywhere in exported state survive v8 serialization through the codec', () => {
  const state = { cursor: 7, panes: [[1, new Box([1, 2])], [2, new Box([3])]], running: new Box([]), meta: null }
  const restored = decodeAccumulators(v8.deserialize(v8.serialize(encodeAccumulators(state, codec as AccumulatorCodec<unknown>))), codec as AccumulatorCodec<unknown>) as typeof state
  assert.equal(restored.cursor, 7)
  assert.ok(restored.running instanceof Box)
  assert.deepEqual(restored.panes.map(([n, b]) => [n, (b as Box).items]), [[1, [1, 2]], [2, [3]]])
  assert.equal(restored.meta, null)
  // Without the codec the class instance would lose its private field.
  assert.deepEqual(v8.deserialize(v8.serialize(new Box([1]))), {})
})
