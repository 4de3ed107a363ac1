// End-to-end tests of the admin side of the CLI — `topic …`, `group …`, `start` — and of its error
// handling: the real CLI as a child process on temporary data dirs. Every expected failure must be
// one `sluice: error:` line on stderr and a non-zero exit code (2 for usage errors).
import { describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { finished, sandbox, waitForOutput } from './cli-helpers.ts'
import type { RunResult, Sandbox } from './cli-helpers.ts'

function boxFor(t: TestContext, label: string): Sandbox {
  const box = sandbox(label)
  t.after(() => box.remove())
  return box
}

function json(result: RunResult): any {
  return JSON.parse(result.stdout)
}

/** Asserts a run failed with `code` and exactly one stderr line matching `pattern`. */
function assertOneLineError(result: RunResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `expected exit ${code}, got ${result.code}: ${result.stderr}`)
  const lines = result.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${result.stderr}`)
  assert.match(lines[0]!, /^sluice: error: /)
  assert.match(lines[0]!, pattern)
}

describe('sluice admin commands', { concurrency: 2 }, () => {
  test('topic create, list, describe, alter-config, add-partitions and delete', async (t) => {
    const box = boxFor(t, 'topics')
    const created = await box.ok(['topic', 'create', 'orders', '-p', '2', '-c', 'retention.ms=60000'])
    assert.equal(created.stdout, "created topic 'orders' with 2 partitions\n")
    await box.ok(['topic', 'create', 'audit'])
    await box.ok(['produce', 'orders', '-p', '1'], 'a\nb\nc\n')

    const listed = json(await box.ok(['topic', 'list', '--format', 'json']))
    assert.deepEqual(listed.map((r: any) => [r.topic, r.partitions, r.records]), [['audit', 1, 0], ['orders', 2, 3]])

    const described = json(await box.ok(['--format', 'json', 'topic', 'describe', 'orders']))
    assert.equal(described.name, 'orders')
    assert.deepEqual(described.partitions.map((p: any) => [p.partition, p.logStartOffset, p.logEndOffset, p.highWatermark]), [[0, 0, 0, 0], [1, 0, 3, 3]])
    assert.ok(described.partitions[1].sizeBytes > 0)
    const config = (d: any, name: string): any => d.config.find((c: any) => c.name === name)
    assert.deepEqual([config(described, 'retention.ms').value, config(described, 'retention.ms').source], ['60000', 'set'])
    assert.equal(config(described, 'cleanup.policy').source, 'default')

    await box.ok(['topic', 'alter-config', 'orders', '--set', 'cleanup.policy=compact', '--delete', 'retention.ms'])
    await box.ok(['topic', 'add-partitions', 'orders', '-n', '4'])
    const text = (await box.ok(['topic', 'describe', 'orders'])).stdout
    assert.match(text, /^name: +orders$/m)
    assert.match(text, /^partitions: +4$/m)
    assert.match(text, /^cleanup\.policy +compact +set$/m)
    assert.match(text, /^retention\.ms +\d+ +default$/m)
    assert.match(text, /^1 +0 +3 +3 /m)

    assert.equal((await box.ok(['topic', 'delete', 'orders', 'audit'])).stdout, "deleted topic 'orders'\ndeleted topic 'audit'\n")
    assert.deepEqual(json(await box.ok(['topic', 'list', '--format', 'json'])), [])
  })

  test('group describe shows lag after consume -g; seek moves an idle group; delete removes it', async (t) => {
    const box = boxFor(t, 'groups')
    await box.ok(['topic', 'create', 'clicks', '-p', '2'])
    await box.ok(['produce', 'clicks', '-K', ','], Array.from({ length: 100 }, (_, i) => `user${i},click${i}\n`).join(''))
    const first = await box.ok(['consume', 'clicks', '-g', 'reporting', '-n', '30'])
    assert.equal(first.stdout.split('\n').filter((l) => l !== '').length, 30)

    const described = json(await box.ok(['group', 'describe', 'reporting', '--format', 'json']))
    assert.equal(described.state, 'Empty')
    assert.equal(described.totalLag, 70)
    assert.equal(described.offsets.reduce((sum: number, o: any) => sum + o.committedOffset, 0), 30)
    for (const o of described.offsets) assert.equal(o.lag, o.logEndOffset - o.committedOffset)
    assert.match((await box.ok(['group', 'describe', 'reporting'])).stdout, /^total lag: +70$/m)

    const second = await box.ok(['consume', 'clicks', '-g', 'reporting'])
    const seen = new Set([...first.stdout.trimEnd().split('\n'), ...second.stdout.trimEnd().split('\n')])
    assert.equal(seen.size, 100, 'the second run continues where the first committed, without repeats')

    assert.match((await box.ok(['group', 'list'])).stdout, /^reporting +Empty$/m)
    await box.ok(['group', 'seek', 'reporting', '--topic', 'clicks', '--to', '-5'])
    assert.equal(json(await box.ok(['group', 'describe', 'reporting', '--format', 'json'])).totalLag, 10)
    await box.ok(['group', 'seek', 'reporting', '--topic', 'clicks', '--to', 'start'])
    assert.equal(json(await box.ok(['group', 'describe', 'reporting', '--format', 'json'])).totalLag, 100)

    assert.equal((await box.ok(['group', 'delete', 'reporting'])).stdout, "deleted group 'reporting'\n")
    assert.deepEqual(json(await box.ok(['group', 'list', '--format', 'json'])), [])
  })

  test('bad input fails with one stderr line and a non-zero exit code', async (t) => {
    const box = boxFor(t, 'errors')
    await box.ok(['topic', 'create', 'real'])
    assertOneLineError(await box.run(['consume', 'nope']), 1, /nope/)
    assertOneLineError(await box.run(['produce', 'nope'], 'x\n'), 1, /nope/)
    assertOneLineError(await box.run(['topic', 'create', 'bad name!']), 1, /bad name!/)
    assertOneLineError(await box.run(['consume', 'real', '-o', 'yesterday']), 1, /invalid offset 'yesterday'/)
    assertOneLineError(await box.run(['topic', 'create', 'cfg', '-c', 'retention.ms=soon']), 1, /retention\.ms/)
    assertOneLineError(await box.run(['topic', 'alter-config', 'real', '--set', 'no.such.key=1']), 1, /no\.such\.key/)
    assertOneLineError(await box.run(['topic', 'frobnicate']), 2, /frobnicate/)
    assertOneLineError(await box.run(['consume']), 2, /topic/)
  })

  test('start holds the data dir, serves Kafka clients, reports status and closes cleanly on SIGINT', async (t) => {
    const box = boxFor(t, 'start')
    await box.ok(['topic', 'create', 'metrics', '-p', '3'])
    const child = box.spawn(['start', '--status-interval', '100ms', '--port', '0'])
    const done = finished(child)
    const banner = await waitForOutput(child.stdout, /idle/)
    assert.match(banner, new RegExp(`opening data dir ${box.dataDir}`))
    assert.match(banner, /^listening on 127\.0\.0\.1:\d+ \(Kafka protocol\)$/m)
    assert.match(banner, /^metrics +3 +/m)
    assertOneLineError(await box.run(['topic', 'list']), 1, /lock/i)
    child.kill('SIGINT')
    const result = await done
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /closed cleanly\n$/)
    await box.ok(['topic', 'list'])
  })

  test('help is printed for the program and for every command', async (t) => {
    const box = boxFor(t, 'help')
    const top = await box.ok(['--help'])
    for (const word of ['topic', 'produce', 'consume', 'group', 'start', '--data-dir', '--format']) assert.ok(top.stdout.includes(word), word)
    const seekHelp = await box.ok(['group', 'seek', '--help'])
    assert.match(seekHelp.stdout, /--to <spec>/)
  })
})
