import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Random, randomFromEnv } from '../../base/random.ts'
import { avg, count, max, min, reduce, sum, type Aggregator } from './aggregators.ts'
import { PaneGrid } from './pane-grid.ts'
import { createPaneStore, type WindowAlgorithm } from './pane-store.ts'

// One contract, three stores: random adds (mostly in order, some out of order), queries of any
// window not yet evicted (forwards and backwards), and evictions, each answer checked against a
// fold of the raw inputs of the window. Now and then the store is replaced by a fresh one filled
// from its export (exportPanes/importPanes, what a restore from a changelog does).

const STORES: readonly { algorithm: WindowAlgorithm; aggregators: () => Aggregator<number, any, number | undefined>[] }[] = [
  { algorithm: 'subtract-on-evict', aggregators: () => [count(), sum((x: number) => x), avg((x: number) => x), reduce((a: number, b: number) => a * 3 + b - 2 * a, { inverse: (a, b) => a - b })] },
  { algorithm: 'two-stacks', aggregators: () => [count(), sum((x: number) => x), min((x: number) => x), max((x: number) => x), avg((x: number) => x)] },
  { algorithm: 'per-window', aggregators: () => [count(), sum((x: number) => x), min((x: number) => x), max((x: number) => x), avg((x: number) => x)] },
]

for (const { algorithm, aggregators } of STORES) {
  test(`${algorithm} store answers every window like a fold of its raw inputs`, () => {
    const random = randomFromEnv(`pane store ${algorithm}`)
    for (let round = 0; round < 40; round++) {
      const local = new Random(random.uint32())
      const n = local.int(1, 12)
      const grid = new PaneGrid(n, local.int(1, n + 1), local.int(-5, 5))
      for (const aggregator of aggregators()) {
        let store = createPaneStore(algorithm, aggregator, grid)
        const raw: { pane: number; value: number }[] = []
        let evicted = -Infinity
        let frontier = local.int(-20, 20)
        const check = (start: number): void => {
          const inputs = raw.filter((r) => r.pane >= start && r.pane < start + grid.windowPanes).map((r) => r.value)
          let acc = aggregator.init()
          for (const v of inputs) acc = aggregator.add(acc, v)
          const context = `${algorithm} grid n=${grid.windowPanes} m=${grid.slidePanes} o=${grid.offset} start=${start} SEED=${random.seed} round ${round}`
          assert.equal(store.hasEvents(start), inputs.length > 0, `${context}: hasEvents`)
          assert.deepEqual(aggregator.result(store.windowAggregate(start)), aggregator.result(acc), `${context}: aggregate`)
        }
        for (let step = 0; step < 300; step++) {
          if (local.chance(0.03)) {
            const restored = createPaneStore(algorithm, aggregator, grid)
            restored.importPanes(store.exportPanes(), store.evictedBefore)
            assert.equal(restored.evictedBefore, evicted, 'eviction bound carried over')
            store = restored
          }
          const roll = local.float()
          if (roll < 0.6) {
            frontier += local.int(0, 3)
            const pane = Math.max(evicted === -Infinity ? -Infinity : evicted, frontier - (local.chance(0.3) ? local.int(0, 3 * grid.windowPanes) : 0))
            const value = local.int(-50, 50)
            store.add(pane, value)
            raw.push({ pane, value })
          } else if (roll < 0.9) {
            const start = grid.alignDown(frontier - local.int(0, 2 * grid.windowPanes))
            if (start >= evicted) check(start)
          } else if (roll < 0.97) {
            const bound = grid.alignDown(frontier - local.int(0, 2 * grid.windowPanes))
            if (bound > evicted) {
              store.evictBefore(bound)
              evicted = bound
              for (let i = raw.length - 1; i >= 0; i--) if (raw[i]!.pane < bound) raw.splice(i, 1)
            }
          } else {
            const from = grid.alignUp(Math.max(evicted, frontier - 3 * grid.windowPanes))
            let expected = Infinity
            for (let s = from; s <= frontier + grid.windowPanes; s += grid.slidePanes) if (raw.some((r) => r.pane >= s && r.pane < s + grid.windowPanes)) { expected = s; break }
            assert.equal(store.nextNonEmptyStart(from), expected, `nextNonEmptyStart(${from}) SEED=${random.seed}`)
          }
        }
        assert.equal(store.isEmpty(), raw.length === 0)
      }
    }
  })
}
