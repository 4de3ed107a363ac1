// What the DSL records: each node carries what a runtime needs (functions, serdes, window,
// aggregator, stores), repartition topics appear only before stateful steps and are shared,
// serdes flow to sinks, stores and internal topics, built topologies are frozen snapshots, and
// bad input is one clear INVALID_ARGUMENT error at the call that made it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  count, countWindow, createApp, jsonSerde, session, sliding, stringSerde, tumbling,
  type Aggregator, type Topology, type TopologyNode,
} from '../index.ts'

interface Payment { card: string; customer: string; amount: number; ts: number }

function node<K extends TopologyNode['kind']>(topology: Topology, id: string, kind: K): Extract<TopologyNode, { kind: K }> {
  const found = topology.nodes.find((n) => n.id === id)
  assert.ok(found !== undefined, `no node ${id}`)
  assert.equal(found.kind, kind)
  return found as Extract<TopologyNode, { kind: K }>
}

test('nodes carry the user functions, event time, window, aggregator and stores a runtime needs', () => {
  const app = createApp('fraud')
  const eventTime = (p: Payment): number => p.ts
  const isBig = (p: Payment): boolean => p.amount > 100
  const counts = app.stream<Payment>('payments', { eventTime, maxOutOfOrder: '5s', partitions: 6 })
    .filter(isBig)
    .keyBy((p) => p.card)
    .window(sliding({ size: '10m', every: '1s', grace: '30s' }), { emit: 'final' })
    .count({ store: 'big-payments' })
  counts.to('big-payment-counts')
  const topology = app.build()
  const source = node(topology, 'source-0', 'source')
  assert.equal(source.timestamp.extractor, eventTime)
  assert.equal(source.timestamp.maxOutOfOrderMs, 5000)
  assert.equal(source.partitions, 6)
  assert.equal(source.keySerde, stringSerde)
  assert.equal(node(topology, 'filter-1', 'filter').predicate, isBig)
  const aggregate = node(topology, 'count-5', 'aggregate')
  assert.equal(aggregate.operation, 'count')
  assert.equal(aggregate.aggregator.algebra, 'invertible')
  assert.deepEqual({ ...aggregate.window }, { kind: 'sliding', sizeMs: 600_000, advanceMs: 1000, time: 'event', graceMs: 30_000 })
  assert.equal(aggregate.emit, 'final')
  assert.deepEqual(aggregate.stores, ['big-payments'])
  const store = topology.stores[0]!
  assert.deepEqual({ name: store.name, kind: store.kind, owner: store.owner, retentionMs: store.retentionMs, changelogTopic: store.changelogTopic },
    { name: 'big-payments', kind: 'window', owner: 'count-5', retentionMs: 630_000, changelogTopic: 'fraud-big-payments-changelog' })
  // Repartition source inherits the declared out-of-orderness; its reader uses record timestamps.
  assert.deepEqual(node(topology, 'source-4', 'source').timestamp, { extractor: undefined, maxOutOfOrderMs: 5000 })
  // Sized from the declared input: the repartition topic and the changelog of the store behind it.
  assert.deepEqual(topology.internalTopics.map((t) => [t.name, t.kind, t.partitions, t.config['cleanup.policy']]), [
    ['fraud-key-by-2-repartition', 'repartition', 6, undefined],
    ['fraud-big-payments-changelog', 'changelog', 6, 'compact,delete'],
  ])
})

test('stateless steps after a key change record no repartition; the first stateful step does, once per upstream node', () => {
  const app = createApp('words')
  const words = app.stream<string>('lines').flatMap((line) => line.split(' ').map((word) => ({ key: word, value: 1 })))
  words.filter((n) => n > 0).to('words')
  let topology = app.build()
  assert.equal(topology.internalTopics.length, 0)
  const grouped = words.groupByKey()
  grouped.count().to('word-counts')
  grouped.sum((n) => n).to('word-sums')
  topology = app.build()
  assert.deepEqual(topology.internalTopics.filter((t) => t.kind === 'repartition').map((t) => t.name), ['words-flat-map-1-repartition'])
  assert.equal(topology.subTopologies.length, 2)
  // mapValues keeps the key, so the source's partitioning still holds: no repartition topic.
  const direct = createApp('direct')
  direct.stream<Payment>('payments').mapValues((p) => p.amount).groupByKey().sum((n) => n)
  assert.deepEqual(direct.build().internalTopics.map((t) => t.kind), ['changelog'])
})

test('serdes flow: text keys from sources, JSON for re-keyed keys unless keyBy names one, explicit sink serdes win', () => {
  const app = createApp('serdes')
  const valueSerde = jsonSerde<Payment>()
  const payments = app.stream<Payment>('payments', { serde: valueSerde })
  payments.to('copy')
  payments.keyBy((p) => p.card, { keySerde: stringSerde }).count().to('counts', { serde: jsonSerde<number>() })
  payments.keyBy((p) => p.amount).count()
  const topology = app.build()
  const sinks = topology.nodes.filter((n) => n.kind === 'sink')
  const copy = sinks.find((s) => s.topic === 'copy')!
  assert.equal(copy.keySerde, stringSerde)
  assert.equal(copy.valueSerde, valueSerde)
  const repartitions = sinks.filter((s) => s.isInternal)
  assert.equal(repartitions[0]!.keySerde, stringSerde)
  assert.equal(repartitions[0]!.valueSerde, valueSerde)
  assert.notEqual(repartitions[1]!.keySerde, stringSerde)
  assert.equal(repartitions[1]!.keySerde.deserialize(repartitions[1]!.keySerde.serialize(42)), 42)
  assert.equal(topology.stores[0]!.keySerde, stringSerde)
})

test('split records one branch node per name, in order, each fed only by the split', () => {
  const app = createApp('split')
  const { big, small } = app.stream<Payment>('payments').split({ big: (p) => p.amount > 100, small: () => true })
  big.to('big')
  small.to('small')
  const topology = app.build()
  const split = node(topology, 'split-1', 'split')
  assert.deepEqual(split.branches.map((b) => [b.name, b.output]), [['big', 'branch-2'], ['small', 'branch-3']])
  assert.deepEqual(split.outputs, ['branch-2', 'branch-3'])
  assert.equal(split.branches[0]!.predicate({ amount: 101 }, null), true)
  assert.deepEqual(node(topology, 'branch-3', 'branch').outputs, ['sink-5'])
})

test('joins record their stores and windows; tables materialize only when read by key', () => {
  const app = createApp('joins')
  const customers = app.table<string, { country: string }>('customers')
  const active = customers.filter((id, c) => c.country !== '')
  const payments = app.stream<Payment>('payments').keyBy((p) => p.customer)
  payments.join(active, (p, c) => ({ ...p, ...c })).to('enriched')
  const refunds = app.stream<Payment>('refunds').keyBy((p) => p.customer)
  payments.leftJoin(refunds, (p, r) => p.amount - (r?.amount ?? 0), { within: '5m', grace: '1m' }).to('net')
  const topology = app.build()
  const lookup = topology.nodes.find((n) => n.kind === 'stream-table-join')!
  assert.ok(lookup.kind === 'stream-table-join')
  assert.equal(lookup.table, 'table-filter-2')
  assert.equal(lookup.tableStore, 'table-filter-2-store')
  assert.deepEqual(topology.stores.map((s) => [s.name, s.kind, s.owner]), [
    ['to-table-1-store', 'key-value', 'to-table-1'],
    ['table-filter-2-store', 'key-value', 'table-filter-2'],
    ['stream-stream-join-13-left-store', 'window', 'stream-stream-join-13'],
    ['stream-stream-join-13-right-store', 'window', 'stream-stream-join-13'],
  ])
  const windowed = node(topology, 'stream-stream-join-13', 'stream-stream-join')
  assert.deepEqual([windowed.joinType, windowed.beforeMs, windowed.afterMs, windowed.graceMs], ['left', 300_000, 300_000, 60_000])
  assert.equal(topology.stores[2]!.retentionMs, 660_000)
  // The payments repartition topic serves both joins.
  assert.deepEqual(topology.internalTopics.filter((t) => t.kind === 'repartition').map((t) => t.name), ['joins-key-by-4-repartition', 'joins-key-by-10-repartition'])
})

test('a built topology is a frozen snapshot: later DSL calls do not change it', () => {
  const app = createApp('snapshot')
  const payments = app.stream<Payment>('payments')
  payments.to('a')
  const first = app.build()
  payments.to('b')
  assert.equal(first.nodes.length, 2)
  assert.deepEqual(first.nodes[0]!.outputs, ['sink-1'])
  assert.equal(app.build().nodes.length, 3)
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.nodes) && Object.isFrozen(first.nodes[0]) && Object.isFrozen(first.nodes[0]!.outputs))
  assert.throws(() => (first.nodes[0]!.outputs as string[]).push('x'), TypeError)
})

test('late records come from the aggregate as a side output; count windows have none', () => {
  const app = createApp('late')
  const keyed = app.stream<Payment>('payments').keyBy((p) => p.card)
  const perSession = keyed.window(session({ gap: '30m' })).count()
  perSession.lateRecords().to('late')
  perSession.lateRecords().to('late-copy')
  const topology = app.build()
  const aggregate = topology.nodes.find((n) => n.kind === 'aggregate')!
  assert.ok(aggregate.kind === 'aggregate')
  assert.deepEqual(aggregate.lateOutputs, ['late-records-5'])
  assert.equal(topology.nodes.filter((n) => n.kind === 'late-records').length, 1)
  assert.throws(() => keyed.window(countWindow({ size: 10 })).count().lateRecords(), /no record is ever late/)
})

test('bad input is an INVALID_ARGUMENT error naming the call', () => {
  const app = createApp('bad')
  const payments = app.stream<Payment>('payments')
  const invalid = (fn: () => unknown, message: RegExp): void => {
    assert.throws(fn, (error: Error & { code?: string }) => error.code === 'INVALID_ARGUMENT' && message.test(error.message), String(message))
  }
  invalid(() => createApp('no spaces'), /streams app name must be 1 to 200 characters/)
  invalid(() => createApp('x', { guarantee: 'twice' as never }), /guarantee must be/)
  invalid(() => app.stream<Payment>('bad/topic'), /stream\(topic\) must be 1 to 249 characters/)
  invalid(() => app.stream<Payment>('p2', { maxOutOfOrder: 'soon' }), /stream maxOutOfOrder: invalid duration 'soon'/)
  invalid(() => app.stream<Payment>('p3', { partitions: 0 }), /partitions must be a positive whole number, got 0/)
  invalid(() => payments.filter('yes' as never), /filter\(predicate\) must be a function/)
  invalid(() => payments.to(''), /to\(topic\)/)
  invalid(() => payments.split({}), /split\(branches\): give at least one/)
  invalid(() => payments.merge(), /give at least one other stream/)
  invalid(() => payments.merge(payments), /merged with itself/)
  invalid(() => payments.join(payments, (a, b) => a, { within: '1m' }), /cannot be joined with itself/)
  invalid(() => payments.keyBy((p) => p.card).window(countWindow({ size: 5 }), { grace: '1s' }), /count windows .* have no grace/)
  invalid(() => payments.keyBy((p) => p.card).window(tumbling({ size: '1m' }), { emit: 'sometimes' as never }), /emit must be 'update' or 'final'/)
  invalid(() => payments.keyBy((p) => p.card).window({ kind: 'hourly' } as never), /pass tumbling\(\), sliding\(\)/)
  const broken = { algebra: 'invertible', init: () => 0, add: (a: number) => a + 1, result: (a: number) => a, merge: (a: number, b: number) => a + b } as Aggregator<Payment, number, number>
  invalid(() => payments.keyBy((p) => p.card).aggregate(broken), /aggregate\(\): aggregator with algebra 'invertible' must define subtract\(\)/)
  const other = createApp('other').stream<Payment>('payments')
  invalid(() => payments.merge(other), /merge\(\): not a stream or table of app 'bad'/)
  invalid(() => payments.keyBy((p) => p.card).join(createApp('t').table<string, number>('t'), (p, n) => n), /join\(table\): not a stream or table of app 'bad'/)
  invalid(() => payments.repartition({ partitions: -1 }), /repartition\(\{ partitions \}\) must be a positive whole number/)
  const windowedTable = payments.keyBy((p) => p.card).window(tumbling({ size: '1m' })).aggregate(count())
  invalid(() => payments.keyBy((p) => p.card).join(windowedTable as never, (p, n) => n), /is a windowed table/)
})

test('a table-table join reads both materialized tables and records a co-partition group; merge and foreach link their inputs', () => {
  const app = createApp('tables')
  const a = app.table<string, { n: number }>('a')
  const b = app.table<string, { m: number }>('b').mapValues((key, row) => row.m)
  a.leftJoin(b, (left, right) => left.n + (right ?? 0)).filter((key, sum) => sum > 1).to('ab')
  const seen: number[] = []
  const [positive, rest] = app.stream<number>('nums').peek((n) => seen.push(n)).branch((n) => n > 0, () => true)
  positive.flatMapValues((n) => [n, n]).merge(rest).foreach((n) => seen.push(n))
  const topology = app.build()
  const join = node(topology, 'table-table-join-5', 'table-table-join')
  assert.deepEqual([join.joinType, join.inputs, join.leftStore, join.rightStore], ['left', ['to-table-1', 'table-map-values-4'], 'to-table-1-store', 'table-map-values-4-store'])
  assert.equal(node(topology, 'table-map-values-4', 'table-map-values').store, 'table-map-values-4-store')
  assert.equal(node(topology, 'table-filter-6', 'table-filter').store, undefined)
  assert.deepEqual(topology.copartitionGroups.map((g) => g.topics), [['a', 'b']])
  // A table's source topic is its changelog: only the derived table needs an internal one.
  assert.deepEqual(topology.stores.map((s) => s.changelogTopic), ['a', 'b', 'tables-table-map-values-4-store-changelog'])
  assert.deepEqual(node(topology, 'merge-15', 'merge').inputs, ['flat-map-values-14', 'branch-13'])
  const foreach = node(topology, 'foreach-16', 'foreach')
  foreach.action(7, null)
  node(topology, 'peek-10', 'peek').action(3, null)
  assert.deepEqual(seen, [7, 3])
  assert.deepEqual(topology.subTopologies.map((s) => s.sourceTopics), [['a', 'b'], ['nums']])
})
