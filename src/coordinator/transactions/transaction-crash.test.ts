// The real crash test of transactions: a child process (transaction-crash-child.ts) commits
// transactions on the real file system and is killed with SIGKILL — once exactly at a commit point
// (intent durable, nothing applied), then at random moments. After each kill the parent reopens the
// data dir (recovery re-applies pending intents) and checks atomicity: out-0 and out-1 hold the same
// commits, each once and in order, the group's committed offset equals their count, and nothing
// acknowledged is missing.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomFromEnv } from '../../base/random.ts'
import { systemClock } from '../../base/clock.ts'
import { forEachBatch, readRecords } from '../../protocol/records/index.ts'
import { NodeFs } from '../../storage/fs.ts'
import { Coordinator } from '../coordinator.ts'

const CHILD = join(import.meta.dirname, 'transaction-crash-child.ts')
const RANDOM_KILLS = 3

/** Runs the child until it dies by SIGKILL (its own, or ours `killAfterMs` after its first ack). */
function runChild(dataDir: string, mode: 'stop' | 'run', killAfterMs = 0): Promise<{ lastAcked: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let stderr = ''
    let lastAcked = -1
    let timer: NodeJS.Timeout | null = null
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      output += chunk
      for (const match of output.matchAll(/^ack (\d+)$/gm)) lastAcked = Math.max(lastAcked, Number(match[1]))
      if (mode === 'run' && lastAcked >= 0) timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (timer !== null) clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own (code ${code}): ${stderr}`))
      else resolve({ lastAcked, output })
    })
  })
}

async function values(coordinator: Coordinator, partition: number): Promise<string[]> {
  const log = coordinator.partition('out', partition)
  const out: string[] = []
  let offset = log.logStartOffset
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1 << 20)
    forEachBatch(records, (pos) => {
      for (const r of readRecords(records, pos)) if (r.offset >= offset) out.push(r.value!.toString())
    })
    offset = log.highWatermark
  }
  return out
}

/** Reopens the data dir and checks that every commit is whole, once, in order; returns the count. */
async function checkAtomic(dataDir: string, label: string): Promise<number> {
  const coordinator = await Coordinator.open({ dataDir, fs: new NodeFs(), clock: systemClock })
  try {
    const a = await values(coordinator, 0)
    const b = await values(coordinator, 1)
    assert.deepEqual(a, a.map((_, i) => `t${i}-a`), `${label}: out-0 holds each commit once, in order`)
    assert.deepEqual(b, a.map((_, i) => `t${i}-b`), `${label}: out-1 holds the same commits as out-0`)
    const committed = coordinator.groups.fetchOffsets('g', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset
    assert.equal(committed, a.length, `${label}: the committed offset matches the applied commits`)
    return a.length
  } finally {
    await coordinator.close()
  }
}

describe('transactions under kill -9', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-txn-crash-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  it('a kill between the commit point and apply: the next open applies the whole commit', { timeout: 60_000 }, async () => {
    const dataDir = join(root, 'at-commit-point')
    const { lastAcked, output } = await runChild(dataDir, 'stop')
    assert.equal(lastAcked, 0)
    assert.match(output, /^commit-point$/m)
    // Commit 1 reached its commit point only; recovery must apply it in full.
    assert.equal(await checkAtomic(dataDir, 'after the kill at the commit point'), 2)
  })

  it(`every commit stays whole over ${RANDOM_KILLS} SIGKILLs at random moments`, { timeout: 90_000 }, async () => {
    const random = randomFromEnv('transaction crash test')
    const dataDir = join(root, 'random-kills')
    for (let cycle = 0; cycle < RANDOM_KILLS; cycle++) {
      const { lastAcked } = await runChild(dataDir, 'run', random.int(0, 150))
      const count = await checkAtomic(dataDir, `cycle ${cycle}`)
      assert.ok(count > lastAcked, `cycle ${cycle}: acknowledged commit ${lastAcked} lost (${count} applied)`)
    }
  })
})
