// Golden describe() output for representative topologies: the DESIGN.md example, a groupBy whose
// repartition topic serves two aggregations, a stream-table join that repartitions its re-keyed
// side to match the table's declared partition count, and a windowed count with late records. A
// change here is a change users see in `app.describe()`: update the golden text deliberately.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { count, createApp, sliding, tumbling } from '../index.ts'
import { describeTopology, formatMs } from './index.ts'

interface Payment { card: string; customer: string; amount: number; ts: number }
interface Customer { name: string; country: string }

/** Golden text, written indented in this file: drops the first newline and the common indent. */
function golden(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n')
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length))
  return lines.map((l) => l.slice(indent)).join('\n')
}

test('describe() of the DESIGN.md example splits at the repartition topic of keyBy', () => {
  const app = createApp('fraud', { guarantee: 'exactly-once' })
  app.stream<Payment>('payments', { eventTime: (p) => p.ts, maxOutOfOrder: '5s' })
    .keyBy((p) => p.card)
    .window(sliding({ size: '10m', every: '1s' }))
    .aggregate(count())
    .filter((card, n) => n > 20)
    .to('alerts')
  assert.equal(app.describe(), golden(`
    Topology: fraud
      Sub-topology: 0
        Source: source-0 (topic: payments; event time: extracted, max out of order 5s)
          --> key-by-1
        Processor: key-by-1
          --> sink-2
          <-- source-0
        Sink: sink-2 (topic: fraud-key-by-1-repartition)
          <-- key-by-1
      Sub-topology: 1
        Source: source-3 (topic: fraud-key-by-1-repartition; event time: record timestamp, max out of order 5s)
          --> aggregate-4
        Processor: aggregate-4 (aggregate; window: sliding 10m every 1s, grace 0ms; emit: update; stores: [aggregate-4-store])
          --> table-filter-5
          <-- source-3
        Processor: table-filter-5
          --> to-stream-6
          <-- aggregate-4
        Processor: to-stream-6
          --> sink-7
          <-- table-filter-5
        Sink: sink-7 (topic: alerts)
          <-- to-stream-6
      Stores:
        aggregate-4-store (window, retention 10m; owner aggregate-4; changelog: fraud-aggregate-4-store-changelog)
      Internal topics:
        fraud-key-by-1-repartition (repartition; partitions: at start, from payments)
        fraud-aggregate-4-store-changelog (changelog; partitions: at start, from fraud-key-by-1-repartition; cleanup.policy=compact,delete, retention.ms=87000000)
      Co-partition groups:
        none
  `))
})

test('describe() of a groupBy shows one repartition topic shared by two aggregations, sized from the declared input', () => {
  const app = createApp('orders')
  const byShop = app.stream<{ shop: string; total: number }>('orders', { partitions: 6 }).groupBy((o) => o.shop)
  byShop.count().to('orders-per-shop')
  byShop.sum((o) => o.total, { store: 'revenue' }).to('revenue-per-shop')
  assert.equal(app.describe(), golden(`
    Topology: orders
      Sub-topology: 0
        Source: source-0 (topic: orders; partitions: 6)
          --> key-by-1
        Processor: key-by-1
          --> sink-2
          <-- source-0
        Sink: sink-2 (topic: orders-key-by-1-repartition)
          <-- key-by-1
      Sub-topology: 1
        Source: source-3 (topic: orders-key-by-1-repartition)
          --> count-4, sum-7
        Processor: count-4 (count; stores: [count-4-store])
          --> to-stream-5
          <-- source-3
        Processor: to-stream-5
          --> sink-6
          <-- count-4
        Sink: sink-6 (topic: orders-per-shop)
          <-- to-stream-5
        Processor: sum-7 (sum; stores: [revenue])
          --> to-stream-8
          <-- source-3
        Processor: to-stream-8
          --> sink-9
          <-- sum-7
        Sink: sink-9 (topic: revenue-per-shop)
          <-- to-stream-8
      Stores:
        count-4-store (key-value; owner count-4; changelog: orders-count-4-store-changelog)
        revenue (key-value; owner sum-7; changelog: orders-revenue-changelog)
      Internal topics:
        orders-key-by-1-repartition (repartition; partitions: 6)
        orders-count-4-store-changelog (changelog; partitions: 6; cleanup.policy=compact)
        orders-revenue-changelog (changelog; partitions: 6; cleanup.policy=compact)
      Co-partition groups:
        none
  `))
})

test('describe() of a stream-table join repartitions the re-keyed stream to the table topic partition count', () => {
  const app = createApp('enrich')
  const customers = app.table<string, Customer>('customers', { partitions: 4 })
  app.stream<Payment>('payments', { partitions: 8 })
    .keyBy((p) => p.customer)
    .join(customers, (p, c) => ({ ...p, country: c.country }))
    .to('payments-enriched')
  assert.equal(app.describe(), golden(`
    Topology: enrich
      Sub-topology: 0
        Source: source-0 (topic: customers; partitions: 4)
          --> to-table-1
        Processor: to-table-1 (stores: [to-table-1-store])
          <-- source-0
        Source: source-5 (topic: enrich-key-by-3-repartition)
          --> stream-table-join-6
        Processor: stream-table-join-6 (inner join with table to-table-1; stores: [to-table-1-store])
          --> sink-7
          <-- source-5
        Sink: sink-7 (topic: payments-enriched)
          <-- stream-table-join-6
      Sub-topology: 1
        Source: source-2 (topic: payments; partitions: 8)
          --> key-by-3
        Processor: key-by-3
          --> sink-4
          <-- source-2
        Sink: sink-4 (topic: enrich-key-by-3-repartition)
          <-- key-by-3
      Stores:
        to-table-1-store (key-value; owner to-table-1; changelog: customers)
      Internal topics:
        enrich-key-by-3-repartition (repartition; partitions: 4)
      Co-partition groups:
        [enrich-key-by-3-repartition, customers] for stream-table-join-6 (partitions: 4)
  `))
})

test('describe() of a windowed count shows the window, emit mode, store retention and the late-records side output', () => {
  const app = createApp('iot')
  const perMinute = app.stream<{ room: string; celsius: number; ts: number }>('readings', { eventTime: (r) => r.ts, maxOutOfOrder: '5s' })
    .groupByKey()
    .window(tumbling({ size: '1m' }), { emit: 'final', grace: '10s' })
    .count()
  perMinute.to('readings-per-minute')
  perMinute.lateRecords().to('readings-late')
  assert.equal(app.describe(), golden(`
    Topology: iot
      Sub-topology: 0
        Source: source-0 (topic: readings; event time: extracted, max out of order 5s)
          --> count-1
        Processor: count-1 (count; window: tumbling 1m, grace 10s; emit: final; stores: [count-1-store])
          --> to-stream-2
          --> late records: late-records-4
          <-- source-0
        Processor: to-stream-2
          --> sink-3
          <-- count-1
        Sink: sink-3 (topic: readings-per-minute)
          <-- to-stream-2
        Processor: late-records-4
          --> sink-5
          <-- count-1
        Sink: sink-5 (topic: readings-late)
          <-- late-records-4
      Stores:
        count-1-store (window, retention 70s; owner count-1; changelog: iot-count-1-store-changelog)
      Internal topics:
        iot-count-1-store-changelog (changelog; partitions: at start, from readings; cleanup.policy=compact,delete, retention.ms=86470000)
      Co-partition groups:
        none
  `))
  assert.equal(describeTopology(app.build()), app.describe())
})

test('formatMs picks the largest exact unit', () => {
  assert.deepEqual([0, 999, 1000, 70_000, 600_000, 5_400_000, 86_400_000].map(formatMs), ['0ms', '999ms', '1s', '70s', '10m', '90m', '1d'])
})
