import { test } from 'node:test'
import assert from 'node:assert/strict'
import { count, createApp, session, sliding, sum, tumbling, type Windowed } from '../index.ts'
import { TopologyTestDriver } from './test-driver.ts'

interface Click { user: string; page: string; ts: number }

test('stateless pipeline: filter and map reach the sink in order', () => {
  const app = createApp('t1')
  app.stream<Click>('clicks').filter((c) => c.page !== 'home').mapValues((c) => c.page.toUpperCase()).to('pages')
  const driver = new TopologyTestDriver(app)
  const clicks = driver.input<string, Click>('clicks')
  clicks.pipe({ user: 'a', page: 'home', ts: 1 }, { key: 'a' })
  clicks.pipe({ user: 'b', page: 'cart', ts: 2 }, { key: 'b' })
  clicks.pipe({ user: 'a', page: 'pay', ts: 3 }, { key: 'a' })
  assert.deepEqual(driver.output<string, string>('pages').readKeyValues(), [{ key: 'b', value: 'CART' }, { key: 'a', value: 'PAY' }])
})

test('keyBy through a repartition topic, tumbling count, final emission when the watermark passes', () => {
  const app = createApp('t2')
  app.stream<Click>('clicks', { eventTime: (c) => c.ts }).keyBy((c) => c.page)
    .window(tumbling({ size: 1000 }), { emit: 'final' }).count().toStream().to('counts')
  const driver = new TopologyTestDriver(app)
  const clicks = driver.input<string, Click>('clicks')
  for (const [page, ts] of [['x', 10], ['y', 20], ['x', 999], ['x', 1001], ['y', 500]] as const) clicks.pipe({ user: 'u', page, ts })
  const counts = driver.output<Windowed<string>, number>('counts')
  // x@1001 moved the watermark past the first window's end; y@500 came after that: late.
  const sortByKey = (rows: Array<{ key: Windowed<string>; value: number }>) => rows.sort((a, b) => a.key.key.localeCompare(b.key.key))
  assert.deepEqual(sortByKey(counts.readKeyValues()), [
    { key: { key: 'x', window: { start: 0, end: 1000 } }, value: 2 },
    { key: { key: 'y', window: { start: 0, end: 1000 } }, value: 1 },
  ])
  assert.equal(driver.metrics().lateRecords, 1)
  driver.advanceWatermark(Infinity)
  assert.deepEqual(counts.readKeyValues(), [{ key: { key: 'x', window: { start: 1000, end: 2000 } }, value: 1 }])
})

test('late records reach the typed side stream; update mode emits every change', () => {
  const app = createApp('t3')
  const windowed = app.stream<Click>('clicks', { eventTime: (c) => c.ts, maxOutOfOrder: 100 }).groupByKey()
    .window(tumbling({ size: 1000 })).sum((c) => c.ts)
  windowed.toStream().to('sums')
  windowed.lateRecords().mapValues((c) => c.ts).to('late')
  const driver = new TopologyTestDriver(app)
  const clicks = driver.input<string, Click>('clicks')
  clicks.pipe({ user: 'a', page: 'p', ts: 10 }, { key: 'a' })
  clicks.pipe({ user: 'a', page: 'p', ts: 20 }, { key: 'a' })
  clicks.pipe({ user: 'a', page: 'p', ts: 1200 }, { key: 'a' })
  clicks.pipe({ user: 'a', page: 'p', ts: 950 }, { key: 'a' })
  assert.deepEqual(driver.output<Windowed<string>, number>('sums').readValues(), [10, 30, 1200])
  assert.deepEqual(driver.output<string, number>('late').readValues(), [950])
})

test('sessions merge when a late-but-in-grace event bridges them', () => {
  const app = createApp('t4')
  app.stream<Click>('clicks', { eventTime: (c) => c.ts, maxOutOfOrder: 1000 }).groupByKey()
    .window(session({ gap: 100 }), { emit: 'final' }).count().toStream().to('sessions')
  const driver = new TopologyTestDriver(app)
  const clicks = driver.input<string, Click>('clicks')
  for (const ts of [0, 50, 200, 250, 120]) clicks.pipe({ user: 'a', page: 'p', ts }, { key: 'a' })
  driver.advanceWatermark(Infinity)
  assert.deepEqual(driver.output<Windowed<string>, number>('sessions').readKeyValues(), [{ key: { key: 'a', window: { start: 0, end: 350 } }, value: 5 }])
})

test('stream-table join enriches with the current row; left join keeps unmatched records', () => {
  const app = createApp('t5')
  const users = app.table<string, { country: string }>('users', { store: 'users' })
  const clicks = app.stream<Click>('clicks')
  clicks.join(users, (c, u) => `${c.page}@${u.country}`).to('inner')
  clicks.leftJoin(users, (c, u) => `${c.page}@${u?.country ?? '?'}`).to('left')
  const driver = new TopologyTestDriver(app)
  driver.input<string, { country: string }>('users').pipe({ country: 'fr' }, { key: 'a' })
  const input = driver.input<string, Click>('clicks')
  input.pipe({ user: 'a', page: 'p1', ts: 0 }, { key: 'a' })
  input.pipe({ user: 'b', page: 'p2', ts: 0 }, { key: 'b' })
  driver.input<string, { country: string }>('users').pipe(null, { key: 'a' })
  input.pipe({ user: 'a', page: 'p3', ts: 0 }, { key: 'a' })
  assert.deepEqual(driver.output<string, string>('inner').readValues(), ['p1@fr'])
  assert.deepEqual(driver.output<string, string>('left').readValues(), ['p1@fr', 'p2@?', 'p3@?'])
  assert.equal(driver.store('users').get('a'), undefined)
})

test('stream-stream join within a window; left join emits unmatched records when they expire', () => {
  const app = createApp('t6')
  const views = app.stream<{ id: string; ts: number }>('views', { eventTime: (v) => v.ts })
  const buys = app.stream<{ id: string; ts: number }>('buys', { eventTime: (v) => v.ts })
  views.leftJoin(buys, (v, b) => `${v.id}:${b === undefined ? 'none' : b.ts - v.ts}`, { within: 100 }).to('joined')
  const driver = new TopologyTestDriver(app)
  const v = driver.input<string, { id: string; ts: number }>('views')
  const b = driver.input<string, { id: string; ts: number }>('buys')
  v.pipe({ id: 'v1', ts: 0 }, { key: 'k' })
  b.pipe({ id: 'b1', ts: 50 }, { key: 'k' })
  v.pipe({ id: 'v2', ts: 1000 }, { key: 'k' })
  b.pipe({ id: 'b2', ts: 2000 }, { key: 'k' })
  driver.advanceWatermark(Infinity)
  assert.deepEqual(driver.output<string, string>('joined').readValues(), ['v1:50', 'v2:none'])
})

test('table-table join follows changes on both sides, deletes included', () => {
  const app = createApp('t7')
  const a = app.table<string, number>('a')
  const b = app.table<string, number>('b')
  a.join(b, (x, y) => x + y).toStream().to('sum')
  const driver = new TopologyTestDriver(app)
  driver.input<string, number>('a').pipe(1, { key: 'k' })
  driver.input<string, number>('b').pipe(10, { key: 'k' })
  driver.input<string, number>('a').pipe(2, { key: 'k' })
  driver.input<string, number>('b').pipe(null, { key: 'k' })
  assert.deepEqual(driver.output<string, number | null>('sum').readValues(), [null, 11, 12, null])
})

test('error handler: skip counts, dead letter keeps the original bytes and says why, fail throws', () => {
  const build = (onError: 'skip' | 'fail' | { deadLetter: string }) => {
    const app = createApp('t8', { onError } as never)
    app.stream<{ n: number }>('in').mapValues((v) => { if (v.n < 0) throw new Error('negative'); return v.n }).to('out')
    return new TopologyTestDriver(app)
  }
  const skip = build('skip')
  skip.input<string, unknown>('in').pipe({ n: -1 })
  skip.input<string, unknown>('in').pipe({ n: 2 })
  assert.deepEqual(skip.output<string, number>('out').readValues(), [2])
  assert.equal(skip.metrics().skippedRecords, 1)

  const dlq = build({ deadLetter: 'bad' })
  dlq.deliver({ topic: 'in', partition: 0, key: null, value: Buffer.from('{not json'), timestamp: 5, headers: [] })
  const [dead] = dlq.output<string, string>('bad', { valueSerde: { serialize: (s: string) => Buffer.from(s), deserialize: (b: Buffer) => b.toString() } }).readRecords()
  assert.equal(dead!.value, '{not json')
  assert.equal(dead!.headers['sluice.error.stage'], 'deserialize')
  assert.equal(dead!.headers['sluice.error.offset'], '0')

  const fail = build('fail')
  assert.throws(() => fail.input<string, unknown>('in').pipe({ n: -1 }), /streams app failed at process of in-0@0: negative/)
})

test('whole-stream aggregate is a queryable table', () => {
  const app = createApp('t9')
  app.stream<Click>('clicks').groupBy((c) => c.page).aggregate(count(), { store: 'page-counts' }).toStream().to('c')
  app.stream<Click>('clicks2').groupBy((c) => c.user).sum((c) => c.ts, { store: 'user-sums' })
  const driver = new TopologyTestDriver(app)
  for (const page of ['a', 'b', 'a']) driver.input<string, Click>('clicks').pipe({ user: 'u', page, ts: 1 })
  assert.equal(driver.store('page-counts').get('a'), 2)
  assert.deepEqual(driver.output<string, number>('c').readValues(), [1, 1, 2])
  void sum
})

test('countByValueAndWindow: a sliding count per value, subtracting what leaves the window', () => {
  const app = createApp('t10')
  app.stream<string>('tags', { eventTime: (t) => Number(t.split('@')[1]) }).mapValues((t) => t.split('@')[0]!)
    .countByValueAndWindow(sliding({ size: 300, every: 100 }), { emit: 'final' }).toStream().to('tag-counts')
  const driver = new TopologyTestDriver(app)
  for (const t of ['a@0', 'a@50', 'b@120', 'a@250']) driver.input<string, string>('tags').pipe(t)
  driver.advanceWatermark(Infinity)
  const rows = driver.output<Windowed<string>, number>('tag-counts').readKeyValues().map((r) => `${r.key.key}[${r.key.window.start},${r.key.window.end})=${r.value}`).sort()
  assert.deepEqual(rows, ['a[-100,200)=2', 'a[-200,100)=2', 'a[0,300)=3', 'a[100,400)=1', 'a[200,500)=1', 'b[-100,200)=1', 'b[0,300)=1', 'b[100,400)=1'])
})

test('processing-time windows follow the wall clock, not the records timestamps', () => {
  const app = createApp('t11')
  app.stream<string>('in').groupBy(() => 'all').window(tumbling({ size: 1000, time: 'processing' }), { emit: 'final' }).count().toStream().to('per-second')
  const driver = new TopologyTestDriver(app, { startTimeMs: 10_000 })
  const input = driver.input<string, string>('in')
  input.pipe('a', { timestamp: 1 })
  input.pipe('b', { timestamp: 999_999 })
  driver.advanceWallClock(500)
  input.pipe('c', { timestamp: 5 })
  const out = driver.output<Windowed<string>, number>('per-second')
  assert.equal(out.size, 0)
  driver.advanceWallClock(500)
  assert.deepEqual(out.readKeyValues(), [{ key: { key: 'all', window: { start: 10_000, end: 11_000 } }, value: 3 }])
})

test('a merged input whose other partition is idle: windows still close after the idle timeout', () => {
  const app = createApp('t12')
  const a = app.stream<number>('a', { eventTime: (v) => v })
  const b = app.stream<number>('b', { eventTime: (v) => v })
  a.merge(b).groupBy(() => 'k').window(tumbling({ size: 100 }), { emit: 'final' }).count().toStream().to('out')
  const driver = new TopologyTestDriver(app, { idleTimeoutMs: 1000 })
  driver.input<string, number>('b').pipe(10)
  driver.input<string, number>('a').pipe(20)
  driver.input<string, number>('a').pipe(500)
  const out = driver.output<Windowed<string>, number>('out')
  assert.equal(out.size, 0, "b's watermark (10) holds the window [0, 100) open")
  driver.advanceWallClock(1000)
  driver.input<string, number>('a').pipe(601)
  // Watermark 600 (601 − 1) closes [0, 100) (events 10 and 20) and [500, 600).
  assert.deepEqual(out.readValues(), [2, 1])
})

test('dedupe within a span: a key seen in the last span is dropped, one older than two spans passes again', () => {
  const app = createApp('t13')
  app.stream<{ id: string; t: number }>('events', { eventTime: (e) => e.t }).keyBy((e) => e.id).dedupe({ within: 1000 }).mapValues((e) => `${e.id}@${e.t}`).to('unique')
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, { id: string; t: number }>('events')
  for (const [id, t] of [['a', 0], ['b', 10], ['a', 500], ['a', 1500], ['c', 1600], ['a', 4000], ['b', 4001]] as const) input.pipe({ id, t })
  assert.deepEqual(driver.output<string, string>('unique').readValues(), ['a@0', 'b@10', 'c@1600', 'a@4000', 'b@4001'])
  assert.equal(driver.metrics().duplicateRecords, 2)
})

test('dedupe forever keeps dropping a key however late it comes back', () => {
  const app = createApp('t14')
  app.stream<string>('ids').groupBy((id) => id).dedupe().to('first-seen')
  const driver = new TopologyTestDriver(app)
  for (const id of ['x', 'y', 'x', 'z', 'y', 'x']) driver.input<string, string>('ids').pipe(id)
  assert.deepEqual(driver.output<string, string>('first-seen').readValues(), ['x', 'y', 'z'])
})

test('with maxOutOfOrder 0 and no grace, in-order events are not late for sessions (watermark = max − 1)', () => {
  const app = createApp('t15')
  app.stream<number>('in', { eventTime: (t) => t }).groupBy(() => 'k').window(session({ gap: 10 }), { emit: 'final' }).count().toStream().to('s')
  const driver = new TopologyTestDriver(app)
  for (const t of [0, 5, 30, 31, 100]) driver.input<string, number>('in').pipe(t)
  assert.equal(driver.metrics().lateRecords, 0)
  assert.deepEqual(driver.output<Windowed<string>, number>('s').readValues(), [2, 2])
})

test('withSamplingRate is 1 when nothing is shed', () => {
  const app = createApp('t16')
  app.stream<number>('in').withSamplingRate().mapValues((r) => `${r.value}:${r.samplingRate}`).to('rated')
  const driver = new TopologyTestDriver(app)
  driver.input<string, number>('in').pipe(7)
  assert.deepEqual(driver.output<string, string>('rated').readValues(), ['7:1'])
})
