// End-to-end tests of `sluice produce` and `sluice consume`: the real CLI as a child process on a
// temporary data dir. Round trip of 10,000 lines in order, -N and @time offsets, keys, headers,
// templates, JSON output, and stopping cleanly on a closed pipe and on SIGINT.
import { describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { finished, numberedLines, sandbox, waitForOutput } from './cli-helpers.ts'
import type { Sandbox } from './cli-helpers.ts'

/** Each test gets its own data dir: one process at a time may open one, and tests run two at a time. */
function boxFor(t: TestContext, label: string): Sandbox {
  const box = sandbox(label)
  t.after(() => box.remove())
  return box
}

describe('sluice produce and consume', { concurrency: 2 }, () => {
  test('10,000 produced lines come back in order, and -N / N offsets pick the tail', async (t) => {
    const box = boxFor(t, 'roundtrip')
    await box.ok(['topic', 'create', 'lines'])
    const input = numberedLines('line', 10_000)
    const produced = await box.ok(['produce', 'lines'], input)
    assert.match(produced.stderr, /^produced 10000 records to 'lines' partition 0 in [\d.]+ s/)
    assert.equal(produced.stdout, '')

    const consumed = await box.ok(['consume', 'lines', '-n', '10000'])
    assert.equal(consumed.stdout, input)

    const tail = await box.ok(['consume', 'lines', '-o', '-3'])
    assert.equal(tail.stdout, numberedLines('line', 3, 9997))
    const middle = await box.ok(['consume', 'lines', '-o', '5000', '-n', '2', '--format', 'json'])
    const rows = middle.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(rows.map((r) => [r.partition, r.offset, r.value, r.key]), [[0, 5000, 'line-05000', null], [0, 5001, 'line-05001', null]])
  })

  test('-K splits keys off lines, -H adds headers, and templates and JSON print them', async (t) => {
    const box = boxFor(t, 'keyed')
    await box.ok(['topic', 'create', 'keyed', '-p', '3'])
    await box.ok(['produce', 'keyed', '-K', ':', '-H', 'source=test', '-H', 'n=1'], 'alice:1\nbob:2:two\nnokey\n')
    const json = await box.ok(['consume', 'keyed', '--format', 'json'])
    const rows = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    const byValue = new Map(rows.map((r) => [r.value, r]))
    assert.equal(rows.length, 3)
    assert.equal(byValue.get('1').key, 'alice')
    assert.equal(byValue.get('2:two').key, 'bob')
    assert.equal(byValue.get('nokey').key, null)
    for (const r of rows) assert.deepEqual(r.headers, [['source', 'test'], ['n', '1']])

    const templated = await box.ok(['consume', 'keyed', '-F', '%k=%s|%h\\n'])
    assert.deepEqual(templated.stdout.trimEnd().split('\n').sort(), ['=nokey|source=test,n=1', 'alice=1|source=test,n=1', 'bob=2:two|source=test,n=1'])
    const withKeys = await box.ok(['consume', 'keyed', '-p', '0', '-o', 'start', '-K', '--key-separator', ' -> '])
    for (const line of withKeys.stdout.trimEnd().split('\n').filter((l) => l !== '')) assert.match(line, / -> /)
  })

  test('-o @time starts at the first record at or after that time, in ms or ISO form', async (t) => {
    const box = boxFor(t, 'timed')
    await box.ok(['topic', 'create', 'timed'])
    await box.ok(['produce', 'timed'], 'before-1\nbefore-2\n')
    await new Promise((r) => setTimeout(r, 20))
    const cut = Date.now()
    await new Promise((r) => setTimeout(r, 20))
    await box.ok(['produce', 'timed', '-k', 'k', '--compression', 'zstd', '--acks', '1'], 'after-1\nafter-2\n')
    assert.equal((await box.ok(['consume', 'timed', '-o', `@${cut}`])).stdout, 'after-1\nafter-2\n')
    assert.equal((await box.ok(['consume', 'timed', '-o', `@${new Date(cut).toISOString()}`, '-n', '1'])).stdout, 'after-1\n')
    assert.equal((await box.ok(['consume', 'timed', '-o', 'end'])).stdout, '')
  })

  test('consume stops without an error when its reader goes away (EPIPE)', async (t) => {
    const box = boxFor(t, 'epipe')
    await box.ok(['topic', 'create', 'big'])
    await box.ok(['produce', 'big'], numberedLines('x'.repeat(100), 20_000))
    const child = box.spawn(['consume', 'big', '-f'])
    child.stdin.end()
    const stderr: Buffer[] = []
    child.stderr.on('data', (b: Buffer) => stderr.push(b))
    await waitForOutput(child.stdout, /\n/)
    child.stdout.destroy()
    const code = await new Promise((resolve) => child.on('close', resolve))
    assert.equal(code, 0)
    assert.equal(Buffer.concat(stderr).toString(), '')
  })

  test('a following group consumer stops on SIGINT and commits what it printed', async (t) => {
    const box = boxFor(t, 'sigint')
    await box.ok(['topic', 'create', 'live', '-p', '2'])
    await box.ok(['produce', 'live'], numberedLines('live', 50))
    const child = box.spawn(['consume', 'live', '-g', 'watchers', '-f'])
    const done = finished(child)
    await waitForOutput(child.stdout, (seen) => seen.split('\n').length > 50)
    child.kill('SIGINT')
    const result = await done
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout.split('\n').filter((l) => l !== '').length, 50)
    const described = JSON.parse((await box.ok(['group', 'describe', 'watchers', '--format', 'json'])).stdout)
    assert.equal(described.totalLag, 0)
  })
})
