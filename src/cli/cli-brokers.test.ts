// End-to-end tests of the CLI against a cluster: the real `sluice` as a child process with
// --brokers (or SLUICE_BROKERS) pointing at a Sluice broker started in this process, for every
// command (topic, produce, consume, group, cluster info), plus `cluster info` on the embedded log
// and the errors of a cluster that cannot be reached.
import { after, before, describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'
import { finished, numberedLines, ROOT, sandbox } from './cli-helpers.ts'
import type { RunResult, Sandbox } from './cli-helpers.ts'

let broker: TestBroker

before(async () => {
  broker = await startTestBroker({ broker: { autoCreateTopics: false } })
})
after(async () => {
  await broker?.stop()
})

/** A sandbox whose commands all go to the test broker (its data dir stays unused). */
function clusterBox(t: TestContext, label: string): Sandbox & { cli(args: readonly string[], input?: string): Promise<RunResult> } {
  const box = sandbox(label)
  t.after(() => box.remove())
  return { ...box, cli: (args, input) => box.ok(['--brokers', broker.address, ...args], input) }
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

describe('sluice --brokers', { concurrency: 2 }, () => {
  test('topic create, list, describe, alter-config, add-partitions and delete go to the cluster', async (t) => {
    const box = clusterBox(t, 'b-topics')
    assert.equal((await box.cli(['topic', 'create', 'b-orders', '-p', '2', '-c', 'retention.ms=60000'])).stdout, "created topic 'b-orders' with 2 partitions\n")
    await box.cli(['produce', 'b-orders', '-p', '1'], 'a\nb\nc\n')
    assert.ok(broker.coordinator.topics.has('b-orders'), 'the topic lives in the broker, not the sandbox data dir')

    const listed = json(await box.cli(['topic', 'list', '--format', 'json'])).filter((r: any) => r.topic === 'b-orders')
    assert.deepEqual(listed.map((r: any) => [r.topic, r.partitions, r.records]), [['b-orders', 2, 3]])
    const described = json(await box.cli(['--format', 'json', 'topic', 'describe', 'b-orders']))
    assert.deepEqual(described.partitions.map((p: any) => [p.partition, p.logStartOffset, p.logEndOffset, p.highWatermark]), [[0, 0, 0, 0], [1, 0, 3, 3]])
    assert.ok(described.partitions[1].sizeBytes > 0)
    assert.deepEqual(described.config.filter((c: any) => c.name === 'retention.ms').map((c: any) => [c.value, c.source]), [['60000', 'set']])

    await box.cli(['topic', 'alter-config', 'b-orders', '--set', 'cleanup.policy=compact', '--delete', 'retention.ms'])
    await box.cli(['topic', 'add-partitions', 'b-orders', '-n', '4'])
    const text = (await box.cli(['topic', 'describe', 'b-orders'])).stdout
    assert.match(text, /^partitions: +4$/m)
    assert.match(text, /^cleanup\.policy +compact +set$/m)
    assert.match(text, /^retention\.ms +\d+ +default$/m)
    assert.equal((await box.cli(['topic', 'delete', 'b-orders'])).stdout, "deleted topic 'b-orders'\n")
    assert.equal(broker.coordinator.topics.has('b-orders'), false)
  })

  test('produce and consume round-trip lines with offsets, keys, headers and times', async (t) => {
    const box = clusterBox(t, 'b-records')
    await box.cli(['topic', 'create', 'b-lines'])
    const input = numberedLines('line', 5000)
    const produced = await box.cli(['produce', 'b-lines', '--compression', 'lz4'], input)
    assert.match(produced.stderr, /^produced 5000 records to 'b-lines' partition 0 in [\d.]+ s/)
    assert.equal((await box.cli(['consume', 'b-lines'])).stdout, input)
    assert.equal((await box.cli(['consume', 'b-lines', '-o', '-3'])).stdout, numberedLines('line', 3, 4997))
    const cut = Date.now() + 1
    await new Promise((r) => setTimeout(r, 20))
    await box.cli(['produce', 'b-lines', '-K', ':', '-H', 'source=cli', '--acks', '1'], 'alice:late\n')
    const rows = (await box.cli(['consume', 'b-lines', '-o', `@${cut}`, '--format', 'json'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(rows.map((r) => [r.offset, r.key, r.value, r.headers]), [[5000, 'alice', 'late', [['source', 'cli']]]])
  })

  test('consume -g commits what it printed; group list, describe, seek and delete see it', async (t) => {
    const box = clusterBox(t, 'b-groups')
    await box.cli(['topic', 'create', 'b-clicks', '-p', '2'])
    await box.cli(['produce', 'b-clicks', '-K', ','], Array.from({ length: 100 }, (_, i) => `user${i},click${i}\n`).join(''))
    const first = await box.cli(['consume', 'b-clicks', '-g', 'b-reporting', '-n', '30'])
    assert.equal(first.stdout.split('\n').filter((l) => l !== '').length, 30)
    const described = json(await box.cli(['group', 'describe', 'b-reporting', '--format', 'json']))
    assert.equal(described.totalLag, 70)
    assert.equal(described.offsets.reduce((sum: number, o: any) => sum + o.committedOffset, 0), 30)
    const second = await box.cli(['consume', 'b-clicks', '-g', 'b-reporting'])
    const seen = new Set([...first.stdout.trimEnd().split('\n'), ...second.stdout.trimEnd().split('\n')])
    assert.equal(seen.size, 100, 'the second run continues where the first committed, without repeats')
    assert.match((await box.cli(['group', 'list'])).stdout, /^b-reporting +Empty$/m)
    await box.cli(['group', 'seek', 'b-reporting', '--topic', 'b-clicks', '--to', '-5'])
    assert.equal(json(await box.cli(['group', 'describe', 'b-reporting', '--format', 'json'])).totalLag, 10)
    assert.equal((await box.cli(['group', 'delete', 'b-reporting'])).stdout, "deleted group 'b-reporting'\n")
    assert.ok(!json(await box.cli(['group', 'list', '--format', 'json'])).some((g: any) => g.groupId === 'b-reporting'))
  })

  test('cluster info names the cluster, its broker, topics with leaders and the API versions, in text and JSON', async (t) => {
    const box = clusterBox(t, 'b-cluster')
    await box.cli(['topic', 'create', 'b-info', '-p', '3'])
    const text = (await box.cli(['cluster', 'info'])).stdout
    assert.match(text, new RegExp(`^mode: +kafka \\(bootstrap ${broker.address}\\)$`, 'm'))
    assert.match(text, /^cluster id: +[A-Za-z0-9_-]{22}$/m)
    assert.match(text, /^controller: +0$/m)
    assert.match(text, new RegExp(`^0 +${broker.address.replace(/\./g, '\\.')} +-$`, 'm'))
    assert.match(text, /^b-info +3 +0 \(all\)/m)
    assert.match(text, /^Produce +0 +v3-11 +v11$/m)
    assert.match(text, /^Fetch +1 +v4-\d+ +v\d+$/m)
    const info = json(await box.cli(['cluster', 'info', '--format', 'json']))
    assert.equal(info.mode, 'kafka')
    assert.deepEqual(info.brokers, [{ nodeId: 0, host: broker.host, port: broker.port, rack: null }])
    assert.deepEqual(info.topics.find((x: any) => x.name === 'b-info').partitions.map((p: any) => p.leaderId), [0, 0, 0])
    const metadata = info.apiVersions.find((a: any) => a.name === 'Metadata')
    assert.ok(metadata.clientVersion >= 1 && metadata.clientVersion <= metadata.maxVersion)
  })

  test('without --brokers, cluster info describes the embedded log as one node', async (t) => {
    const box = sandbox('b-embedded')
    t.after(() => box.remove())
    await box.ok(['topic', 'create', 'local', '-p', '2'])
    const text = (await box.ok(['cluster', 'info'])).stdout
    assert.match(text, new RegExp(`^mode: +embedded \\(data dir ${box.dataDir}\\)$`, 'm'))
    assert.match(text, /^0 +in-process +-$/m)
    assert.match(text, /^local +2 +0 \(all\)/m)
    assert.match(text, /^api versions: none/m)
    const info = json(await box.ok(['cluster', 'info', '--format', 'json']))
    assert.deepEqual([info.mode, info.brokers.length, info.apiVersions.length], ['embedded', 1, 0])
  })

  test('SLUICE_BROKERS selects the cluster; bad or unreachable brokers and start fail with one line', async (t) => {
    const box = clusterBox(t, 'b-errors')
    await box.cli(['topic', 'create', 'b-env'])
    const viaEnv = await finished(spawn(process.execPath, [join(ROOT, 'bin/sluice.js'), 'topic', 'list', '--format', 'json'], {
      cwd: ROOT, env: { ...process.env, SLUICE_DEBUG: '', SLUICE_BROKERS: broker.address, SLUICE_DATA_DIR: box.dataDir },
    }))
    assert.equal(viaEnv.code, 0, viaEnv.stderr)
    assert.ok(JSON.parse(viaEnv.stdout).some((r: any) => r.topic === 'b-env'))

    assertOneLineError(await box.run(['--brokers', broker.address, 'consume', 'nope']), /unknown topic 'nope'/)
    assertOneLineError(await box.run(['--brokers', broker.address, 'produce', 'nope'], 'x\n'), /nope/)
    assertOneLineError(await box.run(['--brokers', 'no-port', 'topic', 'list']), /invalid broker address 'no-port'/)
    assertOneLineError(await box.run(['--brokers', broker.address, 'start']), /--brokers/)
    // A port nobody listens on: refused at once, reported as one line, not a hang.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const startedMs = Date.now()
    assertOneLineError(await box.run(['--brokers', `127.0.0.1:${port}`, 'topic', 'list']), new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`))
    assert.ok(Date.now() - startedMs < 10_000)
  })
})
