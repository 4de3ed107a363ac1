// Tests of `sluice streams reset` and `streams list`: the target parser in-process, then the real CLI
// as a child process on an embedded data dir (offsets moved, internal topics deleted and others kept,
// the state dir removed, dry run, errors) and over --brokers against a broker started here (a running
// app's members make the reset refuse).
import { describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sluice } from '../../client/sluice.ts'
import { startTestBroker } from '../../testing/broker.ts'
import { sandbox } from '../cli-helpers.ts'
import type { RunResult, Sandbox } from '../cli-helpers.ts'
import { parseResetTarget } from './streams.ts'

const NOW = Date.parse('2026-01-02T03:04:05Z')

function boxFor(t: TestContext, label: string): Sandbox {
  const box = sandbox(label)
  t.after(() => box.remove())
  return box
}

function json(result: RunResult): any {
  return JSON.parse(result.stdout)
}

function assertOneLineError(result: RunResult, pattern: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}: ${result.stderr}`)
  const lines = result.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${result.stderr}`)
  assert.match(lines[0]!, /^sluice: error: /)
  assert.match(lines[0]!, pattern)
}

/** [topic, partition, committed offset] of a group, as `group describe --format json` shows them. */
async function committed(box: Sandbox, group: string, prefix: string[] = []): Promise<Array<[string, number, number]>> {
  return json(await box.ok([...prefix, 'group', 'describe', group, '--format', 'json'])).offsets.map((o: any) => [o.topic, o.partition, o.committedOffset])
}

test('the reset target: earliest by default, one flag at most, ISO and short durations, clear errors', () => {
  assert.deepEqual(parseResetTarget({}, NOW), { kind: 'earliest' })
  assert.deepEqual(parseResetTarget({ toEarliest: true }, NOW), { kind: 'earliest' })
  assert.deepEqual(parseResetTarget({ toLatest: true }, NOW), { kind: 'latest' })
  assert.deepEqual(parseResetTarget({ toOffset: '42' }, NOW), { kind: 'offset', offset: 42 })
  assert.deepEqual(parseResetTarget({ toDatetime: '2026-01-02T03:00:00Z' }, NOW), { kind: 'timestamp', timestamp: NOW - 245_000 })
  assert.deepEqual(parseResetTarget({ toDatetime: '2026-01-02T05:00:00.000+02:00' }, NOW), { kind: 'timestamp', timestamp: NOW - 245_000 })
  for (const [duration, ms] of [['PT15M', 900_000], ['P1DT2H', 93_600_000], ['pt0.5s', 500], ['15m', 900_000], ['2h', 7_200_000], ['1d', 86_400_000]] as const) {
    assert.deepEqual(parseResetTarget({ byDuration: duration }, NOW), { kind: 'timestamp', timestamp: NOW - ms }, duration)
  }
  assert.throws(() => parseResetTarget({ toLatest: true, toOffset: '1' }, NOW), /give only one of .*\(got --to-latest and --to-offset\)/)
  assert.throws(() => parseResetTarget({ toOffset: 'x' }, NOW), /invalid --to-offset 'x'/)
  for (const bad of ['yesterday', '2026-13-45T00:00:00Z', '1700000000000', '2026-01-02 03:04']) {
    assert.throws(() => parseResetTarget({ toDatetime: bad }, NOW), /invalid --to-datetime/, bad)
  }
  for (const bad of ['10', 'P', 'PT', 'P1H', '10 parsecs', '-5m', 'PT-5M']) {
    assert.throws(() => parseResetTarget({ byDuration: bad }, NOW), /invalid --by-duration/, bad)
  }
})

/** Opens the sandbox's data dir in-process (the CLI must not be running on it), runs `body`, closes it. */
async function withData<T>(box: Sandbox, body: (sluice: Sluice) => Promise<T>): Promise<T> {
  const sluice = await Sluice.open({ dataDir: box.dataDir })
  try {
    return await body(sluice)
  } finally {
    await sluice.close()
  }
}

/** Creates topics and records, and commits `group`'s offsets at the end of `consumed` topics. */
async function seed(box: Sandbox, topics: Record<string, { partitions: number; records: number }>, commits: Record<string, string[]>): Promise<void> {
  await withData(box, async (sluice) => {
    const producer = sluice.producer()
    for (const [topic, { partitions, records }] of Object.entries(topics)) {
      await sluice.admin.createTopic(topic, { partitions })
      for (let i = 0; i < records; i++) await producer.send(topic, [{ key: `k${i}`, value: `v${i}`, partition: i % partitions }])
    }
    await producer.close()
    for (const [group, consumed] of Object.entries(commits)) {
      for (const topic of consumed) await sluice.admin.resetGroupOffsets(group, topic, 'end')
    }
  })
}

/** The data dir's topics and each group's committed offsets ([topic, partition, offset]). */
async function inspect(box: Sandbox, groups: string[]): Promise<{ topics: string[]; offsets: Record<string, Array<[string, number, number]>> }> {
  return withData(box, async (sluice) => {
    const offsets: Record<string, Array<[string, number, number]>> = {}
    for (const group of groups) offsets[group] = (await sluice.admin.describeGroup(group)).offsets.map((o) => [o.topic, o.partition, o.committedOffset])
    return { topics: (await sluice.admin.listTopics()).map((t) => t.name), offsets }
  })
}

describe('sluice streams reset (embedded)', { concurrency: 2 }, () => {
  test('moves input offsets, deletes only the internal topics and the app state dir; dry run changes nothing', async (t) => {
    const box = boxFor(t, 'streams-reset')
    await seed(box, {
      'in': { partitions: 2, records: 20 }, 'app-other': { partitions: 1, records: 2 }, 'other-x-changelog': { partitions: 1, records: 0 },
      'app-x-changelog': { partitions: 1, records: 3 }, 'app-y-repartition': { partitions: 1, records: 1 },
    }, { app: ['in', 'app-other', 'app-y-repartition'], other: ['in'] })
    const before = await inspect(box, ['app'])
    assert.deepEqual(before.offsets['app']!.map(([topic, , offset]) => [topic, offset]), [['app-other', 2], ['app-y-repartition', 1], ['in', 10], ['in', 10]])
    const stateDir = join(box.dataDir, '.streams')
    mkdirSync(join(stateDir, 'app', '0_0'), { recursive: true })
    writeFileSync(join(stateDir, 'app', '0_0', 'data.mdb'), 'state')
    mkdirSync(join(stateDir, 'other'), { recursive: true })
    writeFileSync(join(stateDir, 'app-other-file'), 'keep')

    const planned = json(await box.ok(['streams', 'reset', 'app', '--dry-run', '--format', 'json']))
    assert.equal(planned.dryRun, true)
    assert.equal(planned.to, 'earliest')
    assert.deepEqual(planned.inputTopics, ['app-other', 'in'])
    assert.deepEqual(planned.internalTopics, ['app-x-changelog', 'app-y-repartition'])
    assert.deepEqual(planned.stateDir, { path: join(stateDir, 'app'), exists: true })
    assert.deepEqual(planned.offsets.map((o: any) => [o.topic, o.partition, o.currentOffset, o.newOffset]), [['app-other', 0, 2, 0], ['in', 0, 10, 0], ['in', 1, 10, 0]])
    assert.match((await box.ok(['streams', 'reset', 'app', '--dry-run'])).stdout, /^dry run: nothing was changed\n[^]*^would delete internal topic 'app-x-changelog'$/m)
    assert.deepEqual(await inspect(box, ['app']), before, 'a dry run moves no offset and deletes no topic')
    assert.ok(existsSync(join(stateDir, 'app', '0_0', 'data.mdb')), 'a dry run keeps the state dir')

    // Groups with internal topics named after them: 'other' has other-x-changelog.
    assert.deepEqual(json(await box.ok(['streams', 'list', '--format', 'json'])).map((a: any) => [a.app, a.internalTopics]),
      [['app', ['app-x-changelog', 'app-y-repartition']], ['other', ['other-x-changelog']]])

    const text = (await box.ok(['streams', 'reset', 'app'])).stdout
    assert.match(text, /^streams app 'app' \(group 'app'\): reset input offsets to earliest$/m)
    assert.match(text, /^in +1 +10 +0$/m)
    assert.match(text, /^deleted internal topic 'app-x-changelog'\ndeleted internal topic 'app-y-repartition'\n/m)
    assert.match(text, new RegExp(`^deleted state dir ${join(stateDir, 'app')}$`, 'm'))
    const after = await inspect(box, ['app', 'other'])
    assert.deepEqual(after.offsets['app']!.map(([topic, , offset]) => [topic, offset]), [['app-other', 0], ['in', 0], ['in', 0]])
    assert.deepEqual(after.offsets['other']!.map(([topic, , offset]) => [topic, offset]), [['in', 10], ['in', 10]], "another group's offsets stay")
    assert.deepEqual(after.topics, ['app-other', 'in', 'other-x-changelog'])
    assert.equal(existsSync(join(stateDir, 'app')), false)
    assert.ok(existsSync(join(stateDir, 'other')) && existsSync(join(stateDir, 'app-other-file')), 'only <stateDir>/<app> goes')
    // Again: nothing internal or local is left; the offsets are set again.
    assert.match((await box.ok(['streams', 'reset', 'app'])).stdout, /^no internal topics\nno state dir at /m)
  })

  test('targets: latest, offset (clamped), date-times, durations, --input-topics and --state-dir; bad input exits 1', async (t) => {
    const box = boxFor(t, 'streams-targets')
    await seed(box, { clicks: { partitions: 1, records: 5 }, views: { partitions: 1, records: 2 } }, { job: ['clicks'] })
    const offset = async (args: string[]): Promise<number[]> =>
      json(await box.ok(['streams', 'reset', 'job', '--format', 'json', ...args])).offsets.map((o: any) => o.newOffset)
    assert.deepEqual(await offset(['--to-offset', '99']), [5])
    assert.deepEqual(await offset(['--to-datetime', '2000-01-01T00:00:00Z']), [0])
    assert.deepEqual(await offset(['--by-duration', '0s']), [5])
    assert.deepEqual(await offset(['--by-duration', 'P1D']), [0])
    assert.deepEqual(await offset(['--to-latest', '--input-topics', 'clicks,views']), [5, 2])

    const elsewhere = mkdtempSync(join(tmpdir(), 'sluice-state-'))
    t.after(() => rmSync(elsewhere, { recursive: true, force: true }))
    mkdirSync(join(elsewhere, 'job'))
    const moved = (await box.ok(['streams', 'reset', 'job', '--to-offset', '1', '--input-topics', 'views', '--state-dir', elsewhere])).stdout
    assert.match(moved, /^views +0 +2 +1$/m)
    assert.match(moved, new RegExp(`^deleted state dir ${join(elsewhere, 'job')}$`, 'm'))
    assert.equal(existsSync(join(elsewhere, 'job')), false)
    assert.ok(existsSync(elsewhere))
    assert.deepEqual((await inspect(box, ['job'])).offsets['job'], [['clicks', 0, 5], ['views', 0, 1]])

    await withData(box, (sluice) => sluice.admin.createTopic('job-s-changelog'))
    assertOneLineError(await box.run(['streams', 'reset', 'job', '--to-latest', '--to-offset', '1']), /give only one of/)
    assertOneLineError(await box.run(['streams', 'reset', 'job', '--by-duration', '10']), /invalid --by-duration '10'/)
    assertOneLineError(await box.run(['streams', 'reset', '../etc']), /invalid streams app name '\.\.\/etc'/)
    assertOneLineError(await box.run(['streams', 'reset', 'job', '--input-topics', 'nope']), /unknown topic 'nope'/)
    assertOneLineError(await box.run(['streams', 'reset', 'job', '--input-topics', 'job-s-changelog']), /internal topic of 'job'/)
    assert.equal((await box.run(['streams', 'reset'])).code, 2)
    assert.ok((await inspect(box, [])).topics.includes('job-s-changelog'), 'a refused reset deleted nothing')
  })
})

test('over --brokers: refuses while the app has members (naming them), then resets on the cluster', async (t) => {
  const broker = await startTestBroker({ broker: { autoCreateTopics: false } })
  t.after(() => broker.stop())
  const box = boxFor(t, 'streams-brokers')
  const prefix = ['--brokers', broker.address]
  for (const topic of ['b-in', 'b-app-agg-changelog', 'b-app-other']) await box.ok([...prefix, 'topic', 'create', topic])
  await box.ok([...prefix, 'produce', 'b-in'], 'a\nb\nc\n')

  const sluice = await Sluice.connect({ brokers: [broker.address], clientId: 'b-app-instance-1' })
  t.after(() => sluice.close())
  const consumer = sluice.consumer({ group: 'b-app', autoOffsetReset: 'earliest' })
  consumer.subscribe('b-in')
  let seen = 0
  while (seen < 3) seen += (await consumer.poll({ timeoutMs: 5000 })).length
  await consumer.commit()

  const stateDir = mkdtempSync(join(tmpdir(), 'sluice-state-'))
  t.after(() => rmSync(stateDir, { recursive: true, force: true }))
  mkdirSync(join(stateDir, 'b-app'))
  const refused = await box.run([...prefix, 'streams', 'reset', 'b-app', '--state-dir', stateDir])
  assertOneLineError(refused, /streams app 'b-app' is still running: its group has 1 active member\(s\): .*b-app-instance-1.*stop every instance/)
  assertOneLineError(await box.run([...prefix, 'streams', 'reset', 'b-app', '--dry-run']), /still running/)
  assert.ok(broker.coordinator.topics.has('b-app-agg-changelog') && existsSync(join(stateDir, 'b-app')), 'a refused reset changes nothing')

  await consumer.close()
  const done = json(await box.ok([...prefix, 'streams', 'reset', 'b-app', '--state-dir', stateDir, '--format', 'json']))
  assert.deepEqual([done.inputTopics, done.internalTopics, done.offsets.map((o: any) => [o.currentOffset, o.newOffset])], [['b-in'], ['b-app-agg-changelog'], [[3, 0]]])
  assert.deepEqual(await committed(box, 'b-app', prefix), [['b-in', 0, 0]])
  assert.equal(broker.coordinator.topics.has('b-app-agg-changelog'), false)
  assert.ok(broker.coordinator.topics.has('b-app-other'))
  assert.equal(existsSync(join(stateDir, 'b-app')), false)
})
