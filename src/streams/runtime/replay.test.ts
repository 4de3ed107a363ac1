import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sluice } from '../../client/sluice.ts'
import { createApp, type App } from '../dsl/app.ts'
import { tumbling } from '../windows/index.ts'
import { formatReplayReport, isReplaySame, replay } from './replay.ts'
import { shadowTopology } from './replay-topology.ts'
import type { StreamsApp } from './streams-app.ts'
import './sluice-streams.ts'

async function withSluice(fn: (sluice: Sluice) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-replay-'))
  const sluice = await Sluice.open({ dataDir: dir })
  try {
    await fn(sluice)
  } finally {
    await sluice.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Starts the live app and waits until it has committed all its input (lag 0). */
async function startLive(sluice: Sluice, name: string, build: (app: App) => void): Promise<StreamsApp> {
  const live = sluice.streams(name, { commitInterval: 20 })
  build(live)
  await live.start()
  await until(async () => {
    const group = await sluice.admin.describeGroup(name).catch(() => undefined)
    return group !== undefined && group.offsets.length > 0 && group.offsets.every((o) => o.committedOffset >= 0) && group.totalLag === 0
  })
  return live
}

async function topicNames(sluice: Sluice): Promise<string[]> {
  return (await sluice.admin.listTopics()).map((t) => t.name)
}

interface Click { page: string; ts: number; isBot?: boolean }

const countPerPage = (options: { dropBots?: boolean; dropPage?: string } = {}) => (app: App): void => {
  app.stream<Click>('clicks')
    .filter((c) => !(options.dropBots === true && c.isBot === true) && c.page !== options.dropPage)
    .groupBy((c) => c.page).count({ store: 'counts' }).toStream().to('page-counts')
}

test('a replay of the unchanged app reports no differences; a fixed app reports exactly the changed keys; the live app is untouched', async () => {
  await withSluice(async (sluice) => {
    await sluice.admin.createTopic('clicks', { partitions: 2 })
    const pages = ['a', 'b', 'c']
    // 10 clicks per page; three of b's are bots.
    await sluice.producer().send('clicks', Array.from({ length: 30 }, (_, i) => ({ key: `u${i}`, value: { page: pages[i % 3]!, ts: i, isBot: i === 1 || i === 4 || i === 7 } })))
    const live = await startLive(sluice, 'counter', countPerPage())
    try {
      const same = await replay(sluice, countPerPage(), { app: 'counter' })
      assert.equal(same.replayApp, 'counter-replay-1')
      assert.equal(same.inputRecords, 30)
      assert.ok(same.processedRecords >= 60, `processed ${same.processedRecords}`) // 30 inputs + 30 repartitioned (more only after a rebalance)
      assert.deepEqual(same.warnings, [])
      assert.deepEqual(same.topics, [{ topic: 'page-counts', shadowTopic: 'page-counts.replay', keys: 3, same: 3, changed: [], onlyLive: [], onlyReplay: [] }])
      assert.equal(isReplaySame(same), true)
      let topics = await topicNames(sluice)
      assert.deepEqual(topics.filter((t) => t.startsWith('counter-replay-')), [], 'internal topics of the replay are deleted')
      assert.ok(topics.includes('page-counts.replay'), 'the shadow topic is kept by default')
      assert.ok(!(await sluice.admin.listGroups()).some((g) => g.groupId.startsWith('counter-replay-')), 'the replay group is deleted')

      // The shadow kept from the first run is read only from where this run starts.
      const fixed = await replay(sluice, countPerPage({ dropBots: true, dropPage: 'c' }), { app: 'counter', keepShadow: false })
      assert.equal(fixed.replayApp, 'counter-replay-1')
      assert.deepEqual(fixed.topics, [{
        topic: 'page-counts', shadowTopic: 'page-counts.replay', keys: 3, same: 1,
        changed: [{ key: 'b', live: 10, replay: 7 }], onlyLive: [{ key: 'c', value: 10 }], onlyReplay: [],
      }])
      topics = await topicNames(sluice)
      assert.ok(!topics.includes('page-counts.replay'), 'keepShadow: false deletes the shadow topic')
      assert.deepEqual(topics.filter((t) => t.startsWith('counter-replay-')), [])
      assert.equal(live.state, 'running')
      assert.equal(live.store<string, number>('counts').get('b'), 10)
      assert.equal((await sluice.admin.describeGroup('counter')).totalLag, 0)
    } finally {
      await live.close()
    }
  })
})

test('a windowed replay reports differences window by window', async () => {
  await withSluice(async (sluice) => {
    await sluice.admin.createTopic('ev', { partitions: 1 })
    const clicks: Click[] = []
    for (let ts = 0; ts < 3000; ts += 125) clicks.push({ page: ts % 250 === 0 ? 'x' : 'y', ts })
    // Two bot clicks, both on x in the window [1000, 2000).
    clicks.push({ page: 'x', ts: 1100, isBot: true }, { page: 'x', ts: 1900, isBot: true })
    await sluice.producer().send('ev', clicks.map((c) => ({ key: c.page, value: c })))
    const build = (dropBots: boolean) => (app: App): void => {
      app.stream<Click>('ev', { eventTime: (c) => c.ts, maxOutOfOrder: 1000 })
        .filter((c) => !(dropBots && c.isBot === true))
        .groupBy((c) => c.page).window(tumbling({ size: 1000 })).count().toStream().to('win-counts')
    }
    const live = await startLive(sluice, 'win', build(false))
    try {
      const report = await replay(sluice, build(true), { app: 'win' })
      const [t] = report.topics
      assert.equal(t!.keys, 6) // 2 pages x 3 windows
      assert.equal(t!.same, 5)
      assert.deepEqual(t!.changed, [{ key: { key: 'x', window: { start: 1000, end: 2000 } }, live: 6, replay: 4 }])
      assert.deepEqual([t!.onlyLive, t!.onlyReplay], [[], []])
      const text = formatReplayReport(report)
      assert.match(text, /^replay of 'win' as 'win-replay-1' from earliest: 26 input records/)
      assert.match(text, /win-counts vs win-counts\.replay: 6 keys, 5 same, 1 changed, 0 only live, 0 only in replay\n/)
      assert.match(text, /changed {6}"x"@\[1000,2000\): live 6, replay 4\n/)
    } finally {
      await live.close()
    }
  })
})

test('a replay from a timestamp reads input and live output from that time on; a failing version rejects and cleans up', async () => {
  await withSluice(async (sluice) => {
    await sluice.admin.createTopic('visits', { partitions: 2 })
    const pages = ['a', 'b']
    await sluice.producer().send('visits', Array.from({ length: 10 }, (_, i) => ({ key: `u${i}`, value: { page: pages[i % 2]!, ts: i }, timestamp: 1_000_000 + i * 1000 })))
    const build = (isFixed: boolean) => (app: App): void => {
      app.stream<Click>('visits').mapValues((c) => (isFixed && c.page === 'a' ? 'A' : c.page)).to('visit-pages')
    }
    const live = await startLive(sluice, 'pages', build(false))
    try {
      const report = await replay(sluice, build(true), { app: 'pages', from: { timestamp: 1_006_000 } })
      assert.equal(report.inputRecords, 4) // u6..u9
      const [t] = report.topics
      assert.equal(t!.keys, 4)
      assert.deepEqual(t!.changed.map((c) => c.key).sort(), ['u6', 'u8'])
      assert.deepEqual(t!.changed.map((c) => [c.live, c.replay]), [['a', 'A'], ['a', 'A']])
      assert.equal(t!.same, 2)
      assert.match(formatReplayReport(report), /from 1970-01-01T00:16:46\.000Z: 4 input records/)

      // A version that fails stops the replay with the app's error, and leaves no group or internal topic behind.
      const failing = (app: App): void => {
        app.stream<Click>('visits').filter((c) => {
          if (c.page === 'b') throw new Error('bad page')
          return true
        }).groupBy((c) => c.page).count().toStream().to('visit-pages')
      }
      const logged: string[] = []
      await assert.rejects(replay(sluice, failing, { app: 'pages', log: (m) => logged.push(m) }), /replay of 'pages' stopped: .*bad page/)
      assert.ok(logged.some((m) => m.includes('bad page')))
      assert.deepEqual((await topicNames(sluice)).filter((t) => t.startsWith('pages-replay-')), [])
      assert.ok(!(await sluice.admin.listGroups()).some((g) => g.groupId.startsWith('pages-replay-')))
    } finally {
      await live.close()
    }
  })
})

test('shadowTopology renames external sinks and the sources reading them, keeps internal topics, and leaves the input as it was', () => {
  const app = createApp('shop')
  app.stream<Click>('clicks').mapValues((c) => c.page).to('mid')
  app.stream<string>('mid').groupBy((p) => p).count().toStream().to('out')
  const original = app.build()
  const { topology, shadows } = shadowTopology(original, '.v2')
  assert.deepEqual([...shadows], [['mid', 'mid.v2'], ['out', 'out.v2']])
  const topicsOf = (t: typeof original, kind: 'source' | 'sink') => t.nodes.flatMap((n) => (n.kind === kind ? [n.topic] : []))
  const repartition = original.internalTopics.find((t) => t.kind === 'repartition')!.name
  assert.deepEqual(topicsOf(topology, 'source'), ['clicks', 'mid.v2', repartition])
  assert.deepEqual(topicsOf(topology, 'sink'), ['mid.v2', repartition, 'out.v2'])
  assert.deepEqual(topology.subTopologies.map((s) => [s.sourceTopics, s.sinkTopics]), original.subTopologies.map((s) => [
    s.sourceTopics.map((t) => shadows.get(t) ?? t), s.sinkTopics.map((t) => shadows.get(t) ?? t),
  ]))
  assert.deepEqual(topology.internalTopics.map((t) => t.name), original.internalTopics.map((t) => t.name))
  assert.deepEqual(topicsOf(original, 'sink'), ['mid', repartition, 'out'])
  assert.ok(Object.isFrozen(topology) && Object.isFrozen(topology.nodes))
  assert.throws(() => shadowTopology(original, ''), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => shadowTopology(original, '/x'), { code: 'INVALID_ARGUMENT' })
  const clash = createApp('clash')
  clash.stream<string>('out.v2').to('out')
  assert.throws(() => shadowTopology(clash.build(), '.v2'), /the app reads 'out\.v2'/)
})
