// Validation of topologies: a DSL-built topology has no problems; hand-broken copies (the
// topology is plain data) are caught with messages naming the nodes, stores and topics; and
// co-partitioning is checked at build where partition counts are declared, repaired by a
// repartition when a side was re-keyed, and recorded for the runtime where counts are unknown.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp, type Topology, type TopologyNode } from '../index.ts'
import { topologyProblems, validateTopology } from './index.ts'

interface Order { shop: string; total: number }

function sample(): Topology {
  const app = createApp('shops')
  const orders = app.stream<Order>('orders')
  orders.filter((o) => o.total > 0).groupBy((o) => o.shop).count().to('orders-per-shop')
  return app.build()
}

/** A copy of `topology` with node `id` replaced by `change(node)`. */
function editNode(topology: Topology, id: string, change: (node: TopologyNode) => TopologyNode): Topology {
  return { ...topology, nodes: topology.nodes.map((n) => (n.id === id ? change(n) : n)) }
}

test('a topology built by the DSL has no problems and passes validateTopology unchanged', () => {
  const topology = sample()
  assert.deepEqual(topologyProblems(topology), [])
  assert.equal(validateTopology(topology), topology)
})

test('dangling and one-sided edges are reported with both node ids', () => {
  const topology = sample()
  const dangling = editNode(topology, 'filter-1', (n) => ({ ...n, outputs: [...n.outputs, 'ghost-99'] }))
  assert.deepEqual(topologyProblems(dangling), ["node 'filter-1' forwards to 'ghost-99', which is not in the topology"])
  const oneSided = editNode(topology, 'source-0', (n) => ({ ...n, outputs: [] }))
  const problems = topologyProblems(oneSided)
  assert.ok(problems.includes("node 'filter-1' reads from 'source-0', but 'source-0' does not forward to it"), problems.join('\n'))
  assert.throws(() => validateTopology(dangling), (error: Error & { code?: string }) =>
    error.code === 'INVALID_ARGUMENT' && error.message.includes("streams app 'shops': invalid topology") && error.message.includes('ghost-99'))
})

test('cycles, orphans and wrong input counts are reported', () => {
  const topology = sample()
  // filter-1 <-> key-by-2 loop, cut off from the source.
  let cyclic = editNode(topology, 'source-0', (n) => ({ ...n, outputs: [] }))
  cyclic = editNode(cyclic, 'filter-1', (n) => ({ ...n, inputs: ['key-by-2'] }))
  cyclic = editNode(cyclic, 'key-by-2', (n) => ({ ...n, outputs: [...n.outputs, 'filter-1'] }))
  assert.ok(topologyProblems(cyclic).some((p) => p.startsWith('nodes not fed from any source, or in a cycle: filter-1, key-by-2')), topologyProblems(cyclic).join('\n'))
  const noInput = editNode(editNode(topology, 'source-0', (n) => ({ ...n, outputs: [] })), 'filter-1', (n) => ({ ...n, inputs: [] }))
  assert.ok(topologyProblems(noInput).includes("node 'filter-1' (filter) has 0 inputs, wants 1"))
  assert.deepEqual(topologyProblems({ ...topology, nodes: [] }).slice(0, 1), ['the topology has no source: call app.stream() or app.table()'])
  assert.throws(() => createApp('empty').build(), /the topology has no source/)
})

test('duplicate stores, undeclared stores and duplicate node ids are reported', () => {
  const topology = sample()
  const store = topology.stores[0]!
  assert.deepEqual(topologyProblems({ ...topology, stores: [...topology.stores, store] }), [`store name '${store.name}' is used by more than one store`])
  const undeclared = editNode(topology, 'filter-1', (n) => ({ ...n, stores: ['nowhere'] }))
  assert.ok(topologyProblems(undeclared).includes("node 'filter-1' uses store 'nowhere', which is not declared"))
  assert.ok(topologyProblems({ ...topology, nodes: [...topology.nodes, topology.nodes[1]!] }).includes("node id 'filter-1' is used by more than one node"))
  const app = createApp('stores')
  app.stream<Order>('a').groupBy((o) => o.shop).count({ store: 'totals' })
  assert.throws(() => app.stream<Order>('b').groupBy((o) => o.shop).count({ store: 'totals' }), /store name 'totals' is already used/)
})

test('a topic read twice, or an internal topic written as a user topic, is an error', () => {
  const twice = createApp('twice')
  twice.stream<Order>('orders').to('a')
  twice.stream<Order>('orders').to('b')
  assert.throws(() => twice.build(), /topic 'orders' is read by both 'source-0' and 'source-2'/)
  const clash = createApp('clash')
  const byShop = clash.stream<Order>('orders').groupBy((o) => o.shop)
  byShop.count()
  byShop.to('clash-key-by-1-repartition')
  assert.throws(() => clash.build(), /uses 'clash-key-by-1-repartition' as a user topic, but the app creates it as an internal topic/)
})

test('a sub-topology that writes the topic it reads is an error; a loop through a repartition is not', () => {
  const loop = createApp('loop')
  loop.stream<Order>('orders').mapValues((o) => ({ ...o, total: o.total * 2 })).to('orders')
  assert.throws(() => loop.build(), /sub-topology 0 writes topic 'orders', which it also reads/)
  const through = createApp('through')
  through.stream<Order>('orders').groupBy((o) => o.shop).sum((o) => o.total).mapValues((shop, total) => ({ shop, total })).to('orders')
  const topology = through.build()
  assert.equal(topology.subTopologies.length, 2)
  assert.deepEqual(topology.subTopologies.map((s) => [s.sourceTopics, s.sinkTopics]), [
    [['orders'], ['through-key-by-1-repartition']],
    [['through-key-by-1-repartition'], ['orders']],
  ])
})

test('a join of inputs declared with different partition counts is an error naming both topics', () => {
  const app = createApp('enrich')
  const customers = app.table<string, { country: string }>('customers', { partitions: 4 })
  app.stream<{ amount: number }>('payments', { partitions: 8 }).join(customers, (p, c) => ({ ...p, ...c })).to('out')
  assert.throws(() => app.build(), (error: Error) =>
    error.message.includes("stream-table-join-3 reads topics 'payments' (8 partitions) and 'customers' (4 partitions) by key") &&
    error.message.includes('stream.repartition({ partitions: 8 })'))
  const windowed = createApp('pairs')
  const left = windowed.stream<number>('left', { partitions: 3 })
  const right = windowed.stream<number>('right', { partitions: 2 })
  left.join(right, (a, b) => a + b, { within: '1m' }).to('sums')
  assert.throws(() => windowed.build(), /'left' \(3 partitions\) and 'right' \(2 partitions\)/)
})

test('an explicit repartition repairs a join of differently partitioned inputs', () => {
  const app = createApp('enrich')
  const customers = app.table<string, { country: string }>('customers', { partitions: 4 })
  app.stream<{ amount: number }>('payments', { partitions: 8 }).repartition({ partitions: 4 }).join(customers, (p, c) => ({ ...p, ...c })).to('out')
  const topology = app.build()
  assert.deepEqual(topology.copartitionGroups.map((g) => [g.topics, g.partitions]), [[['enrich-source-2-repartition', 'customers'], 4]])
  assert.equal(topology.internalTopics.find((t) => t.kind === 'repartition')!.partitions, 4)
})

test('unknown partition counts are recorded as co-partition groups for the runtime to check', () => {
  const app = createApp('enrich')
  const customers = app.table<string, { country: string }>('customers')
  const web = app.stream<{ customer: string }>('web')
  const mobile = app.stream<{ customer: string }>('mobile')
  web.merge(mobile).keyBy((e) => e.customer).join(customers, (e, c) => ({ ...e, ...c })).to('out')
  web.merge(mobile).groupByKey().count().to('per-key')
  const topology = app.build()
  assert.deepEqual(topology.copartitionGroups.map((g) => ({ topics: g.topics, nodes: g.nodes, partitions: g.partitions })), [
    { topics: ['enrich-key-by-5-repartition', 'customers'], nodes: ['stream-table-join-8'], partitions: undefined },
    { topics: ['web', 'mobile'], nodes: ['count-11'], partitions: undefined },
  ])
  // The repartition topic waits for its group's count at start; it is not sized from its feeders.
  assert.deepEqual(topology.internalTopics.find((t) => t.kind === 'repartition'), {
    name: 'enrich-key-by-5-repartition', kind: 'repartition', partitions: undefined, partitionsFrom: ['web', 'mobile'], config: {},
  })
  const declared = createApp('merged')
  declared.stream<number>('a', { partitions: 2 }).merge(declared.stream<number>('b', { partitions: 3 })).groupByKey().count()
  assert.throws(() => declared.build(), /count-3 reads topics 'a' \(2 partitions\) and 'b' \(3 partitions\)/)
})

test('co-partition problems of a hand-built topology are found by validation too', () => {
  const app = createApp('enrich')
  const customers = app.table<string, { country: string }>('customers', { partitions: 4 })
  app.stream<{ amount: number }>('payments').join(customers, (p, c) => ({ ...p, ...c })).to('out')
  const topology = app.build()
  const changed = editNode(topology, 'source-2', (n) => (n.kind === 'source' ? { ...n, partitions: 5 } : n))
  assert.deepEqual(topologyProblems(changed).length, 1)
  assert.match(topologyProblems(changed)[0]!, /'payments' \(5 partitions\) and 'customers' \(4 partitions\)|'customers' \(4 partitions\) and 'payments' \(5 partitions\)/)
})
