// The approximate aggregators through the runtime (DSL → topology → StreamTask, via a repartition
// topic) by the TopologyTestDriver, for every window kind and for a whole-stream table, on seeded
// input (SEED=<n> replays). Each app also collects every window's inputs with an exact 'none'
// aggregator (the per-window engine, a different code path from panes + two stacks), and each
// sketch's answer is checked against brute force over those inputs within the sketch's bounds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Random } from '../../base/random.ts'
import type { TopKEntry } from '../../sketches/index.ts'
import { countWindow, createApp, punctuated, session, sliding, tumbling, type Aggregator, type Windowed, type WindowDefinition } from '../index.ts'
import { TopologyTestDriver } from '../testing/test-driver.ts'
import type { Quantiles } from './index.ts'

interface Event { id: number; user: string; t: number; item: string; ms: number; marker: boolean }

const PRECISION = 12
const CAPACITY = 12
const ALPHA = 0.01
const QUANTILES = [0.5, 0.9, 0.99]

function seeded(label: string, defaultSeed: number): Random {
  const random = new Random(process.env['SEED'] === undefined ? defaultSeed : Number(process.env['SEED']))
  process.stderr.write(`# ${label}: SEED=${random.seed}\n`)
  return random
}

/**
 * Events nearly in order (never more than 45 ms behind), skewed items, occasional long gaps. None is late: lateness is the subject of
 * windows-reference.test.ts (the apps below allow 50 ms out of order, because session and
 * punctuated windows call an event late when t + grace <= watermark, so with neither an event at
 * the watermark itself would be).
 */
function randomEvents(random: Random, n: number): Event[] {
  let t = 1_000
  const events = Array.from({ length: n }, (_, id) => {
    t += random.chance(0.03) ? random.int(130, 200) : random.int(1, 30)
    const item = `i${Math.floor(Math.exp(random.float() * Math.log(60)))}`
    return { id, user: `u${random.int(0, 3)}`, t, item, ms: Math.round(Math.exp(random.float() * Math.log(5_000))), marker: random.chance(0.05) }
  })
  // Neighbours up to 45 ms apart swap places: a session gap can be bridged after the fact.
  for (let i = 1; i < n; i++) {
    if (events[i]!.t - events[i - 1]!.t <= 45 && random.chance(0.3)) [events[i - 1], events[i]] = [events[i]!, events[i - 1]!]
  }
  return events
}

/** Every input, in arrival order: the exact reference, folded per window by the per-window engine. */
function collect(): Aggregator<Event, Event[], Event[]> {
  return { algebra: 'none', init: () => [], add: (acc, e) => [...acc, e], result: (acc) => acc }
}

function check(context: string, events: readonly Event[], results: { distinct: number; top: TopKEntry<string>[]; quantiles: Quantiles; sample: number[] }): void {
  const n = events.length
  const distinct = new Set(events.map((e) => e.item)).size
  // Near exact while sparse (linear counting over 2^25 buckets); 3σ of a dense sketch otherwise.
  assert.ok(Math.abs(results.distinct - distinct) <= Math.max(0.5, (3 * 1.04 * distinct) / Math.sqrt(2 ** PRECISION)), `${context}: distinct ${results.distinct} vs ${distinct}`)

  const counts = new Map<string, number>()
  for (const e of events) counts.set(e.item, (counts.get(e.item) ?? 0) + 1)
  assert.equal(results.top.length, Math.min(3, counts.size), `${context}: top size`)
  for (const entry of results.top) {
    const actual = counts.get(entry.key) ?? 0
    assert.ok(entry.count - entry.error <= actual && actual <= entry.count, `${context}: ${entry.key} counted ${actual}, bounds [${entry.count - entry.error}, ${entry.count}]`)
  }
  // A key is certainly reported when fewer than k others could have an upper bound as high as its count.
  for (const [key, count] of counts) {
    const rivals = [...counts].filter(([other, c]) => other !== key && c + n / CAPACITY >= count).length
    if (rivals < 3) assert.ok(results.top.some((entry) => entry.key === key), `${context}: heavy hitter ${key} (${count} of ${n}) missing`)
  }

  const sorted = events.map((e) => e.ms).sort((a, b) => a - b)
  for (const q of QUANTILES) {
    const exact = sorted[Math.floor(q * (n - 1))]!
    assert.ok(Math.abs(results.quantiles[q]! - exact) <= ALPHA * exact + 1e-9, `${context}: q${q} ${results.quantiles[q]} vs ${exact}`)
  }

  const ids = new Set(events.map((e) => e.id))
  assert.equal(results.sample.length, Math.min(5, n), `${context}: sample size`)
  assert.equal(new Set(results.sample).size, results.sample.length, `${context}: sample repeats an input`)
  for (const id of results.sample) assert.ok(ids.has(id), `${context}: sampled ${id} is not in the window`)
}

const KINDS: Array<{ name: string; window: WindowDefinition<Event> }> = [
  { name: 'tumbling', window: tumbling({ size: 500 }) },
  { name: 'sliding', window: sliding({ size: 600, every: 200 }) },
  { name: 'session', window: session({ gap: 120 }) },
  { name: 'count', window: countWindow({ size: 20, every: 10 }) },
  { name: 'punctuated', window: punctuated<Event>({ endsWith: (e) => e.marker }) },
]

for (const { name, window } of KINDS) {
  test(`${name} windows: approxDistinct, topK, approxQuantiles and sample agree with brute force over each window's inputs`, () => {
    const random = seeded(`approx-${name}`, 21)
    const events = randomEvents(random, 600)
    const app = createApp(`approx-${name}`)
    const windowed = app.stream<Event>('events', { eventTime: (e) => e.t, maxOutOfOrder: 50 }).keyBy((e) => e.user).window(window, { emit: 'final' })
    windowed.aggregate(collect()).toStream().to('exact')
    windowed.approxDistinct((e) => e.item, { precision: PRECISION }).toStream().to('distinct')
    windowed.topK(3, (e) => e.item, { capacity: CAPACITY }).toStream().to('top')
    windowed.approxQuantiles((e) => e.ms, QUANTILES, { relativeAccuracy: ALPHA }).toStream().to('quantiles')
    windowed.sample(5, (e) => e.id, { seed: 3 }).toStream().to('sample')
    const driver = new TopologyTestDriver(app)
    const input = driver.input<string, Event>('events')
    for (const e of events) input.pipe(e, { key: `r${e.id}`, timestamp: e.t })
    driver.advanceWatermark(Infinity)

    const byWindow = <V>(topic: string): Map<string, V> => new Map(driver.output<Windowed<string>, V>(topic).readKeyValues().map(({ key, value }) => [`${key.key}|${key.window.start}|${key.window.end}`, value]))
    const exact = byWindow<Event[]>('exact')
    const [distinct, top, quantiles, sample] = [byWindow<number>('distinct'), byWindow<TopKEntry<string>[]>('top'), byWindow<Quantiles>('quantiles'), byWindow<number[]>('sample')]
    assert.ok(exact.size >= 10, `${name}: only ${exact.size} windows`)
    assert.equal(driver.metrics().lateRecords, 0)
    for (const results of [distinct, top, quantiles, sample]) assert.deepEqual([...results.keys()].sort(), [...exact.keys()].sort(), `${name}: the same windows`)
    for (const [w, inputs] of exact) {
      check(`${name} ${w}`, inputs, { distinct: distinct.get(w)!, top: top.get(w)!, quantiles: quantiles.get(w)!, sample: sample.get(w)! })
    }
  })
}

test('whole-stream tables: sketches kept in the key-value store through the codec serde, dense HyperLogLog within 3σ', () => {
  const random = seeded('approx-table', 22)
  const events = randomEvents(random, 3_000)
  const app = createApp('approx-table')
  const keyed = app.stream<Event>('events').keyBy((e) => e.user)
  // Every id is distinct: about 1000 per user, so a p=8 sketch is long dense (σ = 1.04/16).
  keyed.approxDistinct((e) => e.id, { precision: 8, store: 'distinct' }).toStream().to('distinct')
  keyed.topK(3, (e) => e.item, { capacity: CAPACITY, store: 'top' }).toStream().to('top')
  keyed.approxQuantiles((e) => e.ms, QUANTILES, { relativeAccuracy: ALPHA, store: 'quantiles' }).toStream().to('quantiles')
  keyed.sample(5, (e) => e.id, { seed: 4, store: 'sample' }).toStream().to('sample')
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, Event>('events')
  for (const e of events) input.pipe(e, { key: `r${e.id}` })

  const last = <V>(topic: string): Map<string, V> => new Map(driver.output<string, V>(topic).readKeyValues().map(({ key, value }) => [key, value]))
  const [distinct, top, quantiles, sample] = [last<number>('distinct'), last<TopKEntry<string>[]>('top'), last<Quantiles>('quantiles'), last<number[]>('sample')]
  const users = [...new Set(events.map((e) => e.user))].sort()
  assert.deepEqual([...distinct.keys()].sort(), users)
  for (const user of users) {
    const mine = events.filter((e) => e.user === user)
    const results = { distinct: distinct.get(user)!, top: top.get(user)!, quantiles: quantiles.get(user)!, sample: sample.get(user)! }
    assert.ok(Math.abs(results.distinct - mine.length) <= (3 * 1.04 * mine.length) / 16, `${user}: ${results.distinct} distinct vs ${mine.length}`)
    check(`table ${user}`, mine, { ...results, distinct: new Set(mine.map((e) => e.item)).size })
    // The stores answer with the same results the table emitted last.
    assert.equal(driver.store('distinct').get(user), results.distinct)
    assert.deepEqual(driver.store('top').get(user), results.top)
    assert.deepEqual(driver.store('quantiles').get(user), results.quantiles)
    assert.deepEqual(driver.store('sample').get(user), results.sample)
  }
  assert.match(driver.topology.nodes.filter((node) => node.kind === 'aggregate').map((node) => node.kind === 'aggregate' ? node.operation : '').join(','), /^approxDistinct,topK,approxQuantiles,sample$/)
})
