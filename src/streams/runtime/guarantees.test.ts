// The delivery guarantees under crashes: an app killed with SIGKILL at random moments and restarted
// until it has processed its whole input. Exactly-once: every input has exactly one copy in the
// output and the counts are exact (outputs, changelogs and offsets commit atomically).
// At-least-once: every input has at least one copy (duplicates allowed). At-most-once: a record
// that makes the app fail is not processed again after a restart (its offset was committed first).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sluice } from '../../client/sluice.ts'
import type { ConsumerRecord } from '../../client/types.ts'
import { Random } from '../../base/random.ts'
import './sluice-streams.ts'


async function readTopic(sluice: Sluice, topic: string): Promise<ConsumerRecord[]> {
  const { partitions } = await sluice.admin.describeTopic(topic)
  const consumer = sluice.consumer({ fetchMaxWaitMs: 10 })
  consumer.assign(partitions.map((p) => ({ topic, partition: p.partition, offset: 'beginning' as const })))
  const out: ConsumerRecord[] = []
  while (!partitions.every((p) => (consumer.position(topic, p.partition) ?? 0) >= p.highWatermark)) out.push(...await consumer.poll({ timeoutMs: 50 }))
  await consumer.close()
  return out
}

/**
 * Runs the child; kills it `killAfterMs` after it started, unless undefined (then waits for 'done').
 * Resolves 'done', or 'killed mid-stream' when its last report before the kill still had lag, else 'killed'.
 */
function runChild(dataDir: string, guarantee: string, killAfterMs: number | undefined): Promise<'done' | 'killed mid-stream' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'guarantees-child.ts'), dataDir, guarantee], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    let timer: NodeJS.Timeout | undefined
    let lagAtKill: number | undefined
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (killAfterMs !== undefined && timer === undefined && output.includes('started')) {
        timer = setTimeout(() => {
          const lags = [...output.matchAll(/^lag (-?\d+)$/gm)]
          lagAtKill = lags.length === 0 ? undefined : Number(lags.at(-1)![1])
          child.kill('SIGKILL')
        }, killAfterMs)
      }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (output.includes('done')) resolve('done')
      else if (signal === 'SIGKILL') resolve(lagAtKill !== undefined && lagAtKill !== 0 ? 'killed mid-stream' : 'killed')
      else reject(new Error(`child exited with ${code ?? signal}: ${output}`))
    })
  })
}

for (const guarantee of ['exactly-once', 'at-least-once'] as const) {
  test(`${guarantee} under SIGKILL: restarted until done, every input reaches the output ${guarantee === 'exactly-once' ? 'exactly once, counts exact' : 'at least once'}`, { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), `sluice-${guarantee}-`))
    try {
      // Each round adds input, then runs the app and kills it at a random moment, sooner each
      // round; rounds go on until three kills struck while the app still had lag (mid-stream).
      let produced = 0
      const produce = async (n: number) => {
        const setup = await Sluice.open({ dataDir })
        if (produced === 0) await setup.admin.createTopic('in', { partitions: 2 })
        await setup.producer().send('in', Array.from({ length: n }, (_, i) => ({ key: `k${produced + i}`, value: produced + i })))
        produced += n
        await setup.close()
      }
      const random = new Random(Number(process.env.SEED ?? 7))
      let midStreamKills = 0
      for (let round = 0; round < 8 && midStreamKills < 3; round++) {
        await produce(round === 0 ? 20_000 : 5_000)
        const outcome = await runChild(dataDir, guarantee, Math.max(20, Math.round(random.int(150, 550) / 2 ** Math.floor(round / 2))))
        if (outcome === 'killed mid-stream') midStreamKills++
      }
      while ((await runChild(dataDir, guarantee, undefined)) !== 'done') { /* until it finishes */ }
      assert.ok(midStreamKills >= 2, `${midStreamKills} runs were killed with input still to process`)
      const INPUTS = produced

      const check = await Sluice.open({ dataDir })
      const copies = (await readTopic(check, 'copies')).map((r) => Number(r.value!.toString()))
      const seen = new Map<number, number>()
      for (const n of copies) seen.set(n, (seen.get(n) ?? 0) + 1)
      assert.equal(seen.size, INPUTS, 'every input reached the output')
      const counts = new Map<string, number>()
      for (const r of await readTopic(check, 'counts')) counts.set(r.key!.toString(), Number(r.value!.toString()))
      if (guarantee === 'exactly-once') {
        assert.equal(copies.length, INPUTS, `no duplicates (${copies.length - INPUTS} extra)`)
        const expected = new Map<string, number>()
        for (let i = 0; i < INPUTS; i++) expected.set(String(i % 7), (expected.get(String(i % 7)) ?? 0) + 1)
        assert.deepEqual(Object.fromEntries([...counts].sort()), Object.fromEntries([...expected].sort()))
      }
      await check.close()
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
}

test('at-most-once: the record that failed the app is not processed again after a restart; at-least-once: it is', { timeout: 60_000 }, async () => {
  for (const guarantee of ['at-most-once', 'at-least-once'] as const) {
    const dataDir = await mkdtemp(join(tmpdir(), `sluice-${guarantee}-`))
    const sluice = await Sluice.open({ dataDir })
    try {
      await sluice.admin.createTopic('in', { partitions: 1 })
      await sluice.producer().send('in', [1, 2, -3, 4, 5].map((n) => ({ value: n })))
      const run = async (minProcessed: number) => {
        const app = sluice.streams(`amo-${guarantee}`, { guarantee, commitInterval: 10 })
        app.stream<number>('in').mapValues((n) => { if (n < 0) throw new Error('poison'); return n }).to(`out-${guarantee}`)
        await app.start()
        const deadline = Date.now() + 10_000
        while (app.state === 'running' && app.metrics().processedRecords < minProcessed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
        const state = app.state
        await app.close()
        return state
      }
      assert.equal(await run(4), 'error', 'the poison record stops the app')
      await sluice.producer().send('in', [{ value: 6 }])
      // At-most-once has one record left to process (6); at-least-once runs until the poison stops it again.
      const second = await run(guarantee === 'at-most-once' ? 1 : Infinity)
      const out = (await readTopic(sluice, `out-${guarantee}`)).map((r) => Number(r.value!.toString()))
      if (guarantee === 'at-most-once') {
        // The whole fetched batch was committed before processing: the poison record and the two
        // after it are never seen again (at most once), the next record is.
        assert.equal(second, 'running')
        assert.deepEqual(out, [1, 2, 6])
      } else {
        assert.equal(second, 'error', 'the poison record is read again')
        assert.deepEqual(out, [1, 2, 1, 2], 'what came before it is produced again: at least once')
      }
    } finally {
      await sluice.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
})
