// The real crash test: a child process (crash-child.ts) appends to a log on the real file system
// with flush=always and prints each acknowledged offset; the parent SIGKILLs it at a random moment,
// reopens the log (running recovery on what kill -9 left) and checks that every acknowledged
// record is there, that offsets are dense from 0 (no gap, no duplicate) and that each record sits
// at its own offset, in order. Then the next child continues the same log.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomFromEnv } from '../base/random.ts'
import { systemClock } from '../base/clock.ts'
import { forEachBatch, readRecords } from '../protocol/records/record-batch-reader.ts'
import { NodeFs } from './fs.ts'
import { PartitionLog } from './partition-log.ts'

const CHILD = join(import.meta.dirname, 'crash-child.ts')
const CYCLES = 30

/** Runs one child until `killAfterMs` after its first acknowledgement, then SIGKILLs it; returns the largest acknowledged offset. */
function runChild(dir: string, seed: number, killAfterMs: number): Promise<{ lastAcked: number; acks: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buffered = ''
    let lastAcked = -1
    let acks = 0
    let stderr = ''
    let timer: NodeJS.Timeout | null = null
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? '' // a line cut by the kill is not an acknowledgement
      for (const line of lines) {
        const match = /^ack (\d+) (\d+)$/.exec(line)
        if (match === null) continue
        acks++
        lastAcked = Math.max(lastAcked, Number(match[2]))
        timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (timer !== null) clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own (code ${code}): ${stderr}`))
      else resolve({ lastAcked, acks })
    })
  })
}

describe('partition log under kill -9', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-crash-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  it(`keeps every acknowledged record, dense and in order, over ${CYCLES} SIGKILLs`, { timeout: 120_000 }, async () => {
    const random = randomFromEnv('partition-log crash test')
    const dir = join(root, 'topic-0')
    let truncations = 0
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const { lastAcked, acks } = await runChild(dir, random.uint32(), random.int(0, 250))
      assert.ok(acks > 0, `cycle ${cycle}: the child acknowledged nothing`)
      const log = await PartitionLog.open({ fs: new NodeFs(), dir, clock: systemClock, config: { segmentBytes: 32 * 1024 } })
      if (log.recovery.truncatedBytes > 0) truncations++
      assert.ok(log.logEndOffset > lastAcked, `cycle ${cycle}: acknowledged offset ${lastAcked} lost (log ends at ${log.logEndOffset}; ${JSON.stringify(log.recovery)})`)
      let expected = 0
      let offset = 0
      while (offset < log.highWatermark) {
        const { records } = await log.read(offset, 1 << 20)
        forEachBatch(records, (pos) => {
          for (const record of readRecords(records, pos)) {
            if (record.offset < offset) continue
            assert.equal(record.offset, expected, `cycle ${cycle}: offsets are dense`)
            assert.equal(record.value?.toString(), `r${record.offset}`, `cycle ${cycle}: record at its own offset`)
            expected++
          }
        })
        offset = expected
      }
      assert.equal(expected, log.logEndOffset, `cycle ${cycle}: every offset below the log end is readable`)
      await log.close()
    }
    process.stderr.write(`# crash test: ${CYCLES} kills, ${truncations} recoveries cut a torn tail\n`)
  })
})
