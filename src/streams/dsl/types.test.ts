// Type-level tests of the DSL: types flow from app.stream<T> through map, keyBy, windows,
// aggregations and joins, and a wrong field or mismatched key is a compile error. `npm run
// typecheck` verifies every `@ts-expect-error` line (an expected error that does not occur fails
// it); the tests also run, asserting the topology each typed chain records.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { avg, count, createApp, punctuated, sliding, stringSerde, sum, tumbling, type KeyedStream, type Stream, type Table, type Windowed, type WindowedTable } from '../index.ts'

/** True when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
/** Compiles only when its type argument is `true`; returns it so the test can assert at run time too. */
function expectType<T extends true>(value: T): T {
  return value
}

interface Payment { card: string; customer: string; amount: number; ts: number }
interface Customer { name: string; country: string }
interface Click { user: string; type: 'view' | 'logout'; ts: number }

test('the DESIGN.md example compiles with windowed keys and counts flowing through', () => {
  const app = createApp('fraud', { guarantee: 'exactly-once' })
  const alerts = app.stream<Payment>('payments', { eventTime: (p) => p.ts, maxOutOfOrder: '5s' })
    .keyBy((p) => p.card)
    .window(sliding({ size: '10m', every: '1s' }))
    .aggregate(count())
    .filter((card, n) => {
      expectType<Equal<typeof card, Windowed<string>>>(true)
      expectType<Equal<typeof n, number>>(true)
      return n > 20
    })
  alerts.to('alerts')
  // @ts-expect-error table functions take (key, value): the key is a Windowed<string>, not a number
  alerts.filter((n: number) => n > 20)
  const kinds = app.build().nodes.map((n) => n.kind)
  // The last filter is the ill-typed one above: JavaScript callers get no compile check, so it records.
  assert.deepEqual(kinds, ['source', 'key-by', 'sink', 'source', 'aggregate', 'table-filter', 'to-stream', 'sink', 'table-filter'])
})

test('a wrong field is a compile error at every step', () => {
  const app = createApp('types')
  const payments = app.stream<Payment>('payments')
  // @ts-expect-error 'crad' is not a field of Payment
  payments.keyBy((p) => p.crad)
  // @ts-expect-error eventTime must return a number
  app.stream<Payment>('payments-2', { eventTime: (p) => p.card })
  const amounts = payments.map((p) => ({ key: p.card, value: p.amount }))
  expectType<Equal<typeof amounts, Stream<string, number>>>(true)
  // @ts-expect-error values are numbers after map
  amounts.filter((v) => v.length > 0)
  const keyed = payments.keyBy((p) => p.amount > 100)
  expectType<Equal<typeof keyed, KeyedStream<boolean, Payment>>>(true)
  // @ts-expect-error sum needs a number from each value
  keyed.sum((p) => p.card)
  assert.ok(app.build().nodes.length > 0)
})

test('aggregations infer their result types, windowed ones key by { key, window }', () => {
  const app = createApp('aggregates')
  const byCard = app.stream<Payment>('payments').keyBy((p) => p.card)
  const clicksPerKey = app.stream<Click>('clicks').groupByKey().count()
  expectType<Equal<typeof clicksPerKey, Table<string, number>>>(true)
  const total = byCard.sum((p) => p.amount)
  expectType<Equal<typeof total, Table<string, number>>>(true)
  const viaAggregate = byCard.aggregate(sum((p) => p.amount))
  expectType<Equal<typeof viaAggregate, Table<string, number>>>(true)
  const perMinute = byCard.window(tumbling({ size: '1m' }), { emit: 'final', grace: '10s' }).avg((p) => p.amount)
  expectType<Equal<typeof perMinute, WindowedTable<string, Payment, number>>>(true)
  const starts = perMinute.toStream().map((mean, k) => ({ key: k.key, value: { start: k.window.start, mean } }))
  expectType<Equal<typeof starts, Stream<string, { start: number; mean: number }>>>(true)
  const late = perMinute.lateRecords()
  expectType<Equal<typeof late, Stream<string, Payment>>>(true)
  const biggest = byCard.reduce((a, b) => (a.amount >= b.amount ? a : b))
  expectType<Equal<typeof biggest, Table<string, Payment>>>(true)
  // @ts-expect-error reduce combines two values of the stream's type
  byCard.reduce((a, b) => a.amount + b.amount)
  // @ts-expect-error avg's accumulator is { sum, count }: a string store serde does not fit
  byCard.window(tumbling({ size: '1m' })).aggregate(avg((p) => p.amount), { serde: stringSerde })
  assert.ok(app.describe().includes('emit: final'))
})

test('window definitions take their event type from the stream they window', () => {
  const app = createApp('sessions')
  const perSession = app.stream<Click>('clicks')
    .keyBy((c) => c.user)
    .window(punctuated({ endsWith: (c) => c.type === 'logout' }))
    .count()
  expectType<Equal<typeof perSession, WindowedTable<string, Click, number>>>(true)
  // @ts-expect-error 'kind' is not a field of Click
  app.stream<Click>('clicks-2').keyBy((c) => c.user).window(punctuated({ endsWith: (c) => c.kind === 'logout' }))
  assert.equal(app.build().stores[0]!.kind, 'key-value')
})

test('joins check key types and type the joined values', () => {
  const app = createApp('joins')
  const customers = app.table<string, Customer>('customers')
  const payments = app.stream<Payment>('payments')
  const enriched = payments.keyBy((p) => p.customer).join(customers, (p, c) => ({ ...p, country: c.country }))
  expectType<Equal<typeof enriched, Stream<string, { card: string; customer: string; amount: number; ts: number; country: string }>>>(true)
  const maybe = payments.keyBy((p) => p.customer).leftJoin(customers, (p, c) => c?.country ?? 'unknown')
  expectType<Equal<typeof maybe, Stream<string, string>>>(true)
  // @ts-expect-error a left join's row may be missing
  payments.keyBy((p) => p.customer).leftJoin(customers, (p, c) => c.country)
  // @ts-expect-error 'county' is not a field of Customer
  payments.keyBy((p) => p.customer).join(customers, (p, c) => c.county)
  // @ts-expect-error keys must match: the stream is keyed by number, the table by string
  payments.keyBy((p) => p.amount).join(customers, (p, c) => c.name)
  // Source keys are text or null; a join drops null keys, so its result keys are text.
  const byRecordKey = app.stream<Payment>('payments-by-customer').join(customers, (p, c, id) => `${id}:${c.name}`)
  expectType<Equal<typeof byRecordKey, Stream<string, string>>>(true)
  const refunds = app.stream<Payment>('refunds').keyBy((p) => p.card)
  const pairs = payments.keyBy((p) => p.card).join(refunds, (p, r, card) => ({ card, net: p.amount - r.amount }), { within: '5m' })
  expectType<Equal<typeof pairs, Stream<string, { card: string; net: number }>>>(true)
  // A stream-stream join needs its time window: a compile error, and at run time for JavaScript callers.
  assert.throws(() => {
    // @ts-expect-error no { within } given
    payments.keyBy((p) => p.card).join(refunds, (p, r) => p.amount - r.amount)
  }, /needs a time window/)
  const names = app.table<string, { card: string }>('card-owners')
  const both = customers.outerJoin(names, (c, n) => `${c?.name ?? '?'}:${n?.card ?? '?'}`)
  expectType<Equal<typeof both, Table<string, string>>>(true)
  // @ts-expect-error table keys must be text unless a key serde is given
  app.table<number, Customer>('customers-by-number')
  app.table<number, Customer>('customers-by-id', { keySerde: { serialize: (n) => Buffer.from(String(n)), deserialize: (b) => Number(b.toString()) } })
  const joins = app.build().nodes.filter((n) => n.kind.endsWith('-join')).map((n) => n.kind)
  // Six stream-table joins (three ill-typed ones record too), one stream-stream join (the one without
  // a window threw before recording), one table-table join.
  assert.deepEqual(joins, [...Array(6).fill('stream-table-join'), 'stream-stream-join', 'table-table-join'])
})

test('split branches are typed and narrowed by type guards', () => {
  const app = createApp('split')
  const { big, rest } = app.stream<Payment>('payments').split({ big: (p) => p.amount > 100, rest: () => true })
  expectType<Equal<typeof big, Stream<string | null, Payment>>>(true)
  expectType<Equal<typeof rest, Stream<string | null, Payment>>>(true)
  const events = app.stream<Click | Payment>('events')
  const { clicks } = events.split({ clicks: (e): e is Click => 'user' in e })
  expectType<Equal<typeof clicks, Stream<string | null, Click>>>(true)
  const [first, second] = events.branch((e): e is Payment => 'amount' in e, () => true)
  expectType<Equal<typeof first, Stream<string | null, Payment>>>(true)
  expectType<Equal<typeof second, Stream<string | null, Click | Payment>>>(true)
  // @ts-expect-error merge needs streams of the same value type
  big.merge(clicks)
  big.merge(rest).to('all-payments')
  assert.deepEqual(app.build().nodes.filter((n) => n.kind === 'branch').map((n) => n.kind === 'branch' && n.name), ['big', 'rest', 'clicks', '0', '1'])
})
