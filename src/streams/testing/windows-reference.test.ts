// Every window kind × emit mode run through the runtime (DSL → topology → StreamTask, with a
// repartition topic between the source and the aggregation) by the TopologyTestDriver, on seeded
// random out-of-order input with late records, and compared with a brute-force computation done
// here from the same input: the last value per (key, window) on the output topic, and exactly
// which records the late-records side stream received. The engines' own references live in
// ../windows/*.test.ts; this file checks what the runtime adds (watermarks, shuffles, sinks).
// SEED=<n> replays one run. The last two tests are regressions of runtime bugs they found: an
// embedded run over two input partitions, and interactive queries in 'final' mode.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sluice } from '../../client/sluice.ts'
import '../runtime/sluice-streams.ts'
import { randomFromEnv, type Random } from '../../base/random.ts'
import { countWindow, createApp, punctuated, session, sliding, tumbling, type Windowed, type WindowDefinition } from '../index.ts'
import { TopologyTestDriver } from './test-driver.ts'

interface Event { id: number; user: string; t: number; v: number; marker: boolean }

const MAX_OUT_OF_ORDER_MS = 100
const GRACE_MS = 50

/**
 * Mostly forward event times, up to 150 ms out of order, 5% far behind (late beyond grace). No
 * key has two events at the same time: two punctuated windows holding only such events would
 * report the same [start, end), and the output topic could not tell them apart.
 */
function randomEvents(random: Random, n: number): Event[] {
  const events: Event[] = []
  const taken = new Set<string>()
  let now = 1_000 + random.int(0, 1_000)
  for (let id = 0; id < n; id++) {
    now += random.int(0, 40)
    let t = now - random.int(0, 151)
    if (random.chance(0.05)) t = Math.max(0, now - random.int(0, 2_001))
    const user = `u${random.int(0, 5)}`
    while (taken.has(`${user}@${t}`)) t++
    taken.add(`${user}@${t}`)
    events.push({ id, user, t, v: random.int(-20, 21), marker: random.chance(0.1) })
  }
  return events
}

/** Per record, the watermark its aggregation saw: max event time so far (itself included) − maxOutOfOrder − 1. */
function watermarks(events: readonly Event[]): number[] {
  let max = -Infinity
  return events.map((e) => (max = Math.max(max, e.t)) - MAX_OUT_OF_ORDER_MS - 1)
}

type Windows = Map<string, number>
const id = (key: string, start: number, end: number): string => `${key}|${start}|${end}`

/** Tumbling/sliding: a record joins each of its windows still open (end + grace > watermark); late if none. */
function timeReference(def: { sizeMs: number; advanceMs: number }, events: readonly Event[], value: (e: Event) => number): { windows: Windows; late: number[] } {
  const windows: Windows = new Map()
  const late: number[] = []
  const marks = watermarks(events)
  events.forEach((e, i) => {
    let joined = false
    for (let start = Math.floor(e.t / def.advanceMs) * def.advanceMs; start > e.t - def.sizeMs; start -= def.advanceMs) {
      if (start + def.sizeMs + GRACE_MS <= marks[i]!) continue
      joined = true
      const w = id(e.user, start, start + def.sizeMs)
      windows.set(w, (windows.get(w) ?? 0) + value(e))
    }
    if (!joined) late.push(e.id)
  })
  return { windows, late }
}

/** Per-event lateness (session, punctuated): t + grace <= watermark. */
function splitLate(events: readonly Event[]): { accepted: Event[]; late: number[] } {
  const marks = watermarks(events)
  const accepted: Event[] = []
  const late: number[] = []
  events.forEach((e, i) => (e.t + GRACE_MS <= marks[i]! ? late.push(e.id) : accepted.push(e)))
  return { accepted, late }
}

function byUser(events: readonly Event[]): Map<string, Event[]> {
  const users = new Map<string, Event[]>()
  for (const e of events) users.set(e.user, [...(users.get(e.user) ?? []), e])
  return users
}

/** Sessions: each key's accepted events sorted by time, cut where the gap is >= gap: [first, last + gap). */
function sessionReference(gapMs: number, events: readonly Event[], value: (e: Event) => number): Windows {
  const windows: Windows = new Map()
  for (const [user, list] of byUser(events)) {
    const sorted = [...list].sort((a, b) => a.t - b.t)
    let group: Event[] = []
    const flush = (): void => {
      if (group.length > 0) windows.set(id(user, group[0]!.t, group.at(-1)!.t + gapMs), group.reduce((s, e) => s + value(e), 0))
      group = []
    }
    for (const e of sorted) {
      if (group.length > 0 && e.t - group.at(-1)!.t >= gapMs) flush()
      group.push(e)
    }
    flush()
  }
  return windows
}

/** Count windows over each key's arrival ordinals: [max(0, end - size), end) for end = every, 2·every…; update mode also reports the unfinished next one. */
function countReference(size: number, every: number, emit: 'update' | 'final', events: readonly Event[], value: (e: Event) => number): Windows {
  const windows: Windows = new Map()
  for (const [user, list] of byUser(events)) {
    const n = list.length
    const ends: number[] = []
    for (let end = every; end <= n; end += every) ends.push(end)
    if (emit === 'update' && n % every !== 0) ends.push((Math.floor((n - 1) / every) + 1) * every)
    for (const end of ends) {
      const start = Math.max(0, end - size)
      windows.set(id(user, start, end), list.slice(start, Math.min(end, n)).reduce((s, e) => s + value(e), 0))
    }
  }
  return windows
}

/**
 * Punctuated (endsWith = marker), in arrival order: a marker closes the open window, whose range
 * becomes [floor, max(its times)]; the next window starts one past the latest range closed so
 * far. A record older than the open window's floor is a straggler and joins the closed window
 * whose range holds it; a marker never is one (it ends the open window, or a new one of its
 * own). A window reports [min time, max time + 1).
 */
function punctuatedReference(emit: 'update' | 'final', events: readonly Event[], value: (e: Event) => number): Windows {
  const windows: Windows = new Map()
  for (const [user, list] of byUser(events)) {
    const closed: Array<{ floor: number; last: number; events: Event[] }> = []
    let open: { floor: number; events: Event[] } | undefined
    let boundary = -Infinity
    for (const e of list) {
      const straggler = !e.marker && (open !== undefined ? e.t < open.floor : e.t < boundary)
      const home = straggler ? closed.find((w) => w.floor <= e.t && e.t <= w.last) : undefined
      if (home !== undefined) {
        home.events.push(e)
        continue
      }
      open ??= { floor: boundary, events: [] }
      open.events.push(e)
      if (e.marker) {
        const last = Math.max(...open.events.map((x) => x.t))
        closed.push({ floor: open.floor, last, events: open.events })
        boundary = Math.max(boundary, last + 1)
        open = undefined
      }
    }
    // A window with no marker yet never closes (windows/README.md), not even at the end of input:
    // only update mode has reported it.
    for (const w of [...closed, ...(open === undefined || emit === 'final' ? [] : [open])]) {
      const times = w.events.map((x) => x.t)
      windows.set(id(user, Math.min(...times), Math.max(...times) + 1), w.events.reduce((s, x) => s + value(x), 0))
    }
  }
  return windows
}

/**
 * Punctuated (startsWith = marker), in arrival order: a marker closes the open window at
 * max(its times, marker − 1) and opens the next with itself; a record at or after the open
 * window's floor joins it, an older one the newest closed window whose range holds it, and a
 * record with no such window (before the key's first marker) is outside: the late stream gets it.
 */
function punctuatedStartReference(emit: 'update' | 'final', events: readonly Event[], value: (e: Event) => number): { windows: Windows; outside: Set<number> } {
  const windows: Windows = new Map()
  const outside = new Set<number>()
  for (const [user, list] of byUser(events)) {
    const closed: Array<{ floor: number; last: number; events: Event[] }> = []
    let open: { floor: number; events: Event[] } | undefined
    for (const e of list) {
      if (e.marker) {
        if (open !== undefined) closed.push({ ...open, last: Math.max(e.t - 1, ...open.events.map((x) => x.t)) })
        open = { floor: e.t, events: [e] }
      } else if (open !== undefined && e.t >= open.floor) {
        open.events.push(e)
      } else {
        const home = closed.findLast((w) => w.floor <= e.t && e.t <= w.last)
        if (home === undefined) outside.add(e.id)
        else home.events.push(e)
      }
    }
    for (const w of [...closed, ...(open === undefined || emit === 'final' ? [] : [open])]) {
      const times = w.events.map((x) => x.t)
      windows.set(id(user, Math.min(...times), Math.max(...times) + 1), w.events.reduce((s, x) => s + value(x), 0))
    }
  }
  return { windows, outside }
}

const KINDS: Array<{ name: string; window: WindowDefinition<Event> }> = [
  { name: 'tumbling', window: tumbling({ size: 500 }) },
  { name: 'sliding', window: sliding({ size: 600, every: 200 }) },
  { name: 'session', window: session({ gap: 120 }) },
  { name: 'count', window: countWindow({ size: 5, every: 2 }) },
  { name: 'punctuated', window: punctuated<Event>({ endsWith: (e) => e.marker }) },
  { name: 'punctuated-start', window: punctuated<Event>({ startsWith: (e) => e.marker }) },
]

function expected(window: WindowDefinition<Event>, emit: 'update' | 'final', events: readonly Event[], value: (e: Event) => number): { windows: Windows; late: number[] } {
  switch (window.kind) {
    case 'tumbling':
    case 'sliding':
      return timeReference(window, events, value)
    case 'session': {
      const { accepted, late } = splitLate(events)
      return { windows: sessionReference(window.gapMs, accepted, value), late }
    }
    case 'count':
      return { windows: countReference(window.size, window.every, emit, events, value), late: [] }
    case 'punctuated': {
      const { accepted, late } = splitLate(events)
      if (window.startsWith === undefined) return { windows: punctuatedReference(emit, accepted, value), late }
      const { windows, outside } = punctuatedStartReference(emit, accepted, value)
      return { windows, late: events.filter((e) => late.includes(e.id) || outside.has(e.id)).map((e) => e.id) }
    }
  }
}

for (const { name, window } of KINDS) {
  for (const emit of ['update', 'final'] as const) {
    for (const aggregate of ['count', 'sum'] as const) {
      test(`${name} windows, ${emit} mode, ${aggregate}: the runtime's results and late records match brute force`, () => {
        const random = randomFromEnv(`${name}-${emit}-${aggregate}`)
        const seed = random.seed
        const events = randomEvents(random, 600)
        const app = createApp(`ref-${name}`)
        const stream = app.stream<Event>('events', { eventTime: (e) => e.t, maxOutOfOrder: MAX_OUT_OF_ORDER_MS })
        // Either way the new key goes through a repartition topic (with the writer's watermark).
        const keyed = (aggregate === 'count' ? stream.groupBy((e) => e.user) : stream.keyBy((e) => e.user))
          .window(window, window.kind === 'count' ? { emit } : { emit, grace: GRACE_MS })
        const table = aggregate === 'count' ? keyed.count() : keyed.sum((e) => e.v)
        table.toStream().to('results')
        if (window.kind !== 'count') table.lateRecords().mapValues((e) => e.id).to('late')
        const driver = new TopologyTestDriver(app)
        assert.equal(driver.topology.internalTopics.filter((t) => t.kind === 'repartition').length, 1)
        const input = driver.input<string, Event>('events')
        for (const e of events) input.pipe(e, { key: `r${e.id}`, timestamp: e.t })
        driver.advanceWatermark(Infinity)

        const context = `${name} ${emit} ${aggregate} seed=${String(seed)}`
        const actual: Windows = new Map()
        const seen = new Set<string>()
        for (const { key, value } of driver.output<Windowed<string>, number | null>('results').readKeyValues()) {
          const w = id(key.key, key.window.start, key.window.end)
          if (emit === 'final') {
            assert.ok(!seen.has(w), `${context}: final mode emitted ${w} twice`)
            assert.notEqual(value, null, `${context}: final mode retracted ${w}`)
          }
          seen.add(w)
          if (value === null) actual.delete(w)
          else actual.set(w, value)
        }
        const reference = expected(window, emit, events, aggregate === 'count' ? () => 1 : (e) => e.v)
        const sorted = (m: Windows) => [...m].sort(([a], [b]) => a.localeCompare(b))
        assert.deepEqual(sorted(actual), sorted(reference.windows), context)
        const late = window.kind === 'count' ? [] : driver.output<string, number>('late').readValues()
        assert.deepEqual(late, reference.late, `${context}: late records`)
        if (window.kind !== 'count') assert.ok(reference.late.length > 0, `${context}: the input had no late record to check`)
        assert.equal(driver.metrics().lateRecords, reference.late.length, context)
      })
    }
  }
}

// Regression: the runtime processes a poll's records partition by partition, so the task of input
// partition 0 stamps watermarks far ahead before the task of partition 1 has written anything; the
// repartition task must wait for every upstream writer (watermarks.ts), or partition 1's in-order
// records come out late.
test('embedded runtime: a repartition merging two in-order input partitions makes no record late', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-windows-ref-'))
  const sluice = await Sluice.open({ dataDir: dir })
  try {
    await sluice.admin.createTopic('events', { partitions: 2 })
    // Both partitions in event-time order, interleaved in time: nothing is out of order anywhere.
    const events = Array.from({ length: 400 }, (_, i) => ({ id: i, user: `u${i % 3}`, t: 10_000 + i * 10, v: 1, marker: false }))
    const producer = sluice.producer()
    await producer.send('events', events.map((e) => ({ partition: e.id % 2, value: e, timestamp: e.t })))
    await producer.close()
    const app = sluice.streams('ref-embedded', { commitInterval: 50 })
    const counts = app.stream<Event>('events', { eventTime: (e) => e.t }).groupBy((e) => e.user)
      .window(tumbling({ size: 100 }), { emit: 'final' }).count({ store: 'counts' })
    counts.lateRecords().mapValues((e) => e.id).to('late')
    await app.start()
    try {
      const deadline = Date.now() + 10_000
      while (app.metrics().processedRecords < 2 * events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      assert.equal(app.metrics().processedRecords, 2 * events.length)
      assert.equal(app.metrics().lateRecords, 0, 'in-order input made records late after the repartition')
    } finally {
      await app.close()
    }
  } finally {
    await sluice.close()
    await rm(dir, { recursive: true, force: true })
  }
})

// Regression: a windowed store answers queries in 'final' mode too (the engines' openWindows), not
// only from what 'update' mode emitted.
test('interactive queries see the open windows of a final-mode aggregation, as of an update-mode one', () => {
  const results: Record<string, unknown> = {}
  for (const emit of ['update', 'final'] as const) {
    const app = createApp(`query-${emit}`)
    app.stream<Event>('events', { eventTime: (e) => e.t }).groupBy((e) => e.user)
      .window(tumbling({ size: 1_000 }), { emit }).count({ store: 'counts' })
    const driver = new TopologyTestDriver(app)
    for (const t of [10, 20]) driver.input<string, Event>('events').pipe({ id: t, user: 'a', t, v: 0, marker: false })
    results[emit] = driver.store('counts').get('a')
  }
  assert.deepEqual(results.update, [{ start: 0, end: 1_000, value: 2 }])
  assert.deepEqual(results.final, results.update)
})
