// Recovery after crashes and damage, on the MemoryFs: torn and zero-filled tails, flipped bytes,
// truncated files, lost or corrupt indexes and checkpoints, and two seeded property tests (no
// acknowledged batch is ever lost under flush=always; damage anywhere in the tail is found exactly).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomFromEnv, type Random } from '../base/random.ts'
import { OFFSET_LEADER_EPOCH, baseOffset } from '../protocol/records/batch-header.ts'
import { forEachBatch } from '../protocol/records/record-batch-reader.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import type { MemoryFs } from '../testing/memory-fs.ts'
import { CHECKPOINT_FILE, parseCheckpoint } from './recovery-checkpoint.ts'
import type { PartitionLog } from './partition-log.ts'
import { T0, batchOf, memoryFs, openLog, readAll, valuesOf } from './test-kit.ts'

const DIR = '/data/topic-0'
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Batch start positions (and the end) of a segment file. */
async function batchStarts(fs: MemoryFs, name: string): Promise<number[]> {
  const bytes = await fs.readFile(`${DIR}/${name}`)
  const starts: number[] = []
  const end = forEachBatch(bytes, (pos) => starts.push(pos))
  return [...starts, end]
}

async function logFiles(fs: MemoryFs): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((n) => n.endsWith('.log'))
}

async function fill(log: PartitionLog, count: number, prefix = 'v'): Promise<string[]> {
  const values: string[] = []
  for (let i = 0; i < count; i++) {
    values.push(`${prefix}${i}`)
    await log.append(batchOf([`${prefix}${i}`]))
  }
  return values
}

describe('recovery of damaged tails', () => {
  it('truncates a torn final batch and reports the lost bytes and offset', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs)
    const values = await fill(log, 5)
    const crashed = fs.crash({ mode: 'keep-unsynced' })
    const starts = await batchStarts(crashed, '00000000000000000000.log')
    const size = starts[starts.length - 1] as number
    crashed.truncateFile(`${DIR}/00000000000000000000.log`, size - 7)
    const reopened = await openLog(crashed)
    assert.equal(reopened.recovery.truncatedBytes, size - 7 - (starts[4] as number))
    assert.equal(reopened.recovery.truncatedFromOffset, 4)
    assert.match(reopened.recovery.problem ?? '', /torn/)
    assert.deepEqual(await valuesOf(reopened), values.slice(0, 4))
    assert.equal((await reopened.append(batchOf(['next']))).baseOffset, 4)
    await reopened.close()
  })

  it('truncates a zero-filled tail (size on disk, data not)', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs)
    const values = await fill(log, 3)
    const crashed = fs.crash({ mode: 'keep-unsynced' })
    const handle = await crashed.open(`${DIR}/00000000000000000000.log`, 'read-write')
    handle.write(Buffer.alloc(500), 0, 500, await handle.size())
    await handle.close()
    const reopened = await openLog(crashed)
    assert.equal(reopened.recovery.truncatedBytes, 500)
    assert.equal(reopened.recovery.truncatedFromOffset, 3)
    assert.deepEqual(await valuesOf(reopened), values)
    await reopened.close()
  })

  it('detects a flipped byte after the checkpoint, drops that batch and every later one', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { segmentBytes: 400 })
    const values = await fill(log, 12)
    const crashed = fs.crash({ mode: 'keep-unsynced' })
    const files = await logFiles(crashed)
    const second = files[1] as string
    const starts = await batchStarts(crashed, second)
    const firstLost = baseOffset(await crashed.readFile(`${DIR}/${second}`), starts[1] as number)
    crashed.flipByte(`${DIR}/${second}`, (starts[1] as number) + 30)
    const reopened = await openLog(crashed, { segmentBytes: 400 })
    assert.equal(reopened.recovery.truncatedFromOffset, firstLost)
    assert.match(reopened.recovery.problem ?? '', /CRC/)
    assert.deepEqual(await valuesOf(reopened), values.slice(0, firstLost))
    assert.equal((await logFiles(crashed)).length, 2, 'segments after the damage are deleted')
    await reopened.close()
  })

  it('trusts bytes before the checkpoint at open but never serves a batch whose CRC fails', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs)
    await fill(log, 4)
    await log.close()
    const starts = await batchStarts(fs, '00000000000000000000.log')
    fs.flipByte(`${DIR}/00000000000000000000.log`, (starts[2] as number) + 40)
    const reopened = await openLog(fs)
    assert.equal(reopened.recovery.cleanShutdown, true)
    assert.equal(reopened.recovery.truncatedBytes, 0)
    assert.equal((await reopened.read(0, 1)).records.length > 0, true)
    await assert.rejects(reopened.read(2, 1000), { code: 'CORRUPT_MESSAGE', message: /CRC/ })
    assert.equal(reopened.isOffline, false)
    await reopened.close()
  })

  it('rebuilds missing and corrupt index files from the log', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs, { segmentBytes: 2000, indexIntervalBytes: 100 })
    const values = await fill(log, 80)
    await log.close()
    const names = await fs.readdir(DIR)
    const indexes = names.filter((n) => n.endsWith('.index'))
    assert.ok(indexes.length >= 3)
    await fs.unlink(`${DIR}/${indexes[0]}`)
    fs.flipByte(`${DIR}/${indexes[1]}`, 25)
    await fs.writeFile(`${DIR}/${(indexes[2] as string).replace('.index', '.timeindex')}`, Buffer.from('garbage'))
    const reopened = await openLog(fs, { segmentBytes: 2000, indexIntervalBytes: 100 })
    assert.equal(reopened.recovery.indexesRebuilt, 3)
    assert.deepEqual(await valuesOf(reopened), values)
    for (let offset = 0; offset < 80; offset += 7) {
      const { records } = await reopened.read(offset, 1)
      assert.equal(baseOffset(records, 0), offset)
    }
    assert.equal(await reopened.offsetForTimestamp(T0), 0)
    await reopened.close()
  })

  it('re-validates only the tail after the checkpoint, and everything when the checkpoint is corrupt', async () => {
    const fs = await memoryFs()
    const clock = new ManualClock(T0)
    const log = await openLog(fs, { segmentBytes: 1000, checkpointIntervalMs: 1000 }, clock)
    await fill(log, 100)
    clock.advance(1000)
    while ((await fs.exists(`${DIR}/${CHECKPOINT_FILE}`)) === false) await turn()
    await log.flush()
    for (let i = 0; i < 20; i++) await turn()
    await fill(log, 3, 'tail')
    const crashed = fs.crash({ mode: 'keep-unsynced' })
    const reopened = await openLog(crashed, { segmentBytes: 1000 })
    assert.ok(reopened.recovery.segmentsScanned <= 2, `scanned ${reopened.recovery.segmentsScanned}`)
    assert.ok(reopened.recovery.bytesValidated < 400, `validated ${reopened.recovery.bytesValidated} bytes`)
    assert.equal(reopened.logEndOffset, 103)
    await reopened.close()

    crashed.flipByte(`${DIR}/${CHECKPOINT_FILE}`, 12)
    const full = await openLog(crashed, { segmentBytes: 1000 })
    assert.equal(full.recovery.checkpointCorrupt, true)
    assert.equal(full.recovery.bytesValidated, full.describe().sizeBytes)
    assert.equal(full.logEndOffset, 103)
    await full.close()
  })

  it('removes leftovers of interrupted atomic writes and compaction', async () => {
    const fs = await memoryFs()
    const log = await openLog(fs)
    await fill(log, 2)
    await log.close()
    await fs.writeFile(`${DIR}/recovery-point.checkpoint.123-4.tmp`, Buffer.from('x'))
    await fs.writeFile(`${DIR}/00000000000000000000.log.cleaned`, Buffer.from('x'))
    await fs.writeFile(`${DIR}/00000000000000000000.index.swap`, Buffer.from('x'))
    const reopened = await openLog(fs)
    const names = await fs.readdir(DIR)
    assert.deepEqual(names.filter((n) => n.includes('.tmp') || n.includes('.cleaned') || n.includes('.swap')), [])
    assert.equal(reopened.logEndOffset, 2)
    await reopened.close()
  })
})

/** Runs a burst of appends and crashes the Fs at a random moment; returns the crashed view and what was acknowledged. */
async function burstThenCrash(fs: MemoryFs, log: PartitionLog, clock: ManualClock, random: Random, generation: number) {
  const called: string[] = []
  const acked = new Map<number, string>()
  const appends = random.int(1, 60)
  const crashAfter = random.int(0, appends + 10)
  const pending: Promise<unknown>[] = []
  for (let i = 0; i < appends + 10; i++) {
    if (i === crashAfter) break
    if (i < appends) {
      const records = Array.from({ length: random.int(1, 5) }, (_, k) => `g${generation}-a${i}-r${k}`)
      called.push(...records)
      const split = records.length > 1 && random.chance(0.3) ? random.int(1, records.length) : records.length
      const buffer = split === records.length ? batchOf(records) : Buffer.concat([batchOf(records.slice(0, split)), batchOf(records.slice(split))])
      pending.push(log.append(buffer).then((r) => {
        for (let k = 0; k < records.length; k++) acked.set(r.baseOffset + k, records[k] as string)
      }, () => {}))
    }
    if (random.chance(0.5)) await turn()
    if (random.chance(0.1)) clock.advance(random.int(1, 200))
  }
  const crashed = fs.crash({ mode: random.chance(0.5) ? 'drop-unsynced' : 'tear-unsynced', random })
  await Promise.all(pending)
  return { crashed, called, acked }
}

describe('crash consistency properties', () => {
  it('with flush=always no acknowledged batch is ever lost, and what survives is a prefix of what was appended', async () => {
    const random = randomFromEnv('recovery: acknowledged batches survive crashes')
    for (let round = 0; round < 60; round++) {
      const config = { flush: 'always' as const, segmentBytes: random.int(200, 3000), indexIntervalBytes: random.int(0, 300), checkpointIntervalMs: random.int(50, 500) }
      let fs = await memoryFs()
      let expected: string[] = []
      for (let generation = 0; generation < 3; generation++) {
        const clock = new ManualClock(T0)
        const log = await openLog(fs, config, clock)
        const context = `round ${round} generation ${generation}`
        const recovered = await readAll(log)
        assert.deepEqual(recovered.map((r) => r.offset), [...recovered.keys()], `${context}: offsets are dense from 0`)
        const values = recovered.map((r) => r.value)
        assert.deepEqual(values, expected.slice(0, values.length), `${context}: recovered records are a prefix of the appended ones`)
        expected = values as string[]
        const { crashed, called, acked } = await burstThenCrash(fs, log, clock, random, generation)
        for (const [offset, value] of acked) {
          assert.ok(offset >= expected.length, `${context}: offset ${offset} acknowledged twice`)
        }
        const ackedCount = acked.size
        expected = [...expected, ...called]
        fs = crashed
        // Checked on the next open: every acknowledged record must be there.
        const check = await openLog(fs, config, new ManualClock(T0))
        const after = (await readAll(check)).map((r) => r.value)
        for (const [offset, value] of acked) assert.equal(after[offset], value, `${context}: acknowledged offset ${offset} lost (${ackedCount} acked)`)
        assert.deepEqual(after, expected.slice(0, after.length), `${context}: prefix after crash`)
        expected = after as string[]
        await check.close()
      }
    }
  })

  it('flipping a byte or truncating anywhere in the tail is detected, truncated exactly there, and reported', async () => {
    const random = randomFromEnv('recovery: tail damage is found')
    for (let round = 0; round < 80; round++) {
      const fs = await memoryFs()
      const clock = new ManualClock(T0)
      const config = { segmentBytes: random.int(300, 2000), checkpointIntervalMs: 100 }
      const log = await openLog(fs, config, clock)
      const values: string[] = []
      const total = random.int(5, 60)
      const checkpointAt = random.int(0, total)
      for (let i = 0; i < total; i++) {
        if (i === checkpointAt) {
          clock.advance(100)
          await log.flush()
          for (let t = 0; t < 30; t++) await turn()
        }
        const records = Array.from({ length: random.int(1, 4) }, (_, k) => `v${i}-${k}`)
        values.push(...records)
        await log.append(batchOf(records))
      }
      const crashed = fs.crash({ mode: 'keep-unsynced' })
      const checkpointBytes = (await crashed.exists(`${DIR}/${CHECKPOINT_FILE}`)) ? await crashed.readFile(`${DIR}/${CHECKPOINT_FILE}`) : null
      const checkpoint = checkpointBytes === null ? null : parseCheckpoint(checkpointBytes)
      // Candidate places: every byte after the checkpoint, in every segment file.
      const candidates: Array<{ name: string; position: number; batchStart: number; batchBase: number }> = []
      for (const name of await logFiles(crashed)) {
        const base = Number(name.slice(0, 20))
        const bytes = await crashed.readFile(`${DIR}/${name}`)
        const from = checkpoint === null || base > checkpoint.segmentBaseOffset ? 0 : base === checkpoint.segmentBaseOffset ? checkpoint.position : Infinity
        forEachBatch(bytes, (pos, size) => {
          for (let p = Math.max(pos, from); p < pos + size; p++) {
            // partitionLeaderEpoch is outside the CRC (as in Kafka) and not used by storage.
            if (p - pos >= OFFSET_LEADER_EPOCH && p - pos < OFFSET_LEADER_EPOCH + 4) continue
            candidates.push({ name, position: p, batchStart: pos, batchBase: baseOffset(bytes, pos) })
          }
        })
      }
      if (candidates.length === 0) continue
      const target = random.pick(candidates)
      const flip = random.chance(0.5)
      if (flip) crashed.flipByte(`${DIR}/${target.name}`, target.position, 1 << random.int(0, 8))
      else crashed.truncateFile(`${DIR}/${target.name}`, target.position)
      const context = `round ${round}: ${flip ? 'flip' : 'truncate'} ${target.name}@${target.position}`
      const reopened = await openLog(crashed, config)
      const lostFrom = target.batchBase
      assert.equal(reopened.logEndOffset, lostFrom, context)
      assert.deepEqual(await valuesOf(reopened), values.slice(0, lostFrom), context)
      if (flip || target.position > target.batchStart) {
        assert.equal(reopened.recovery.truncatedFromOffset, lostFrom, context)
        assert.ok(reopened.recovery.truncatedBytes > 0 && reopened.recovery.problem !== null, context)
      }
      await reopened.close()
    }
  })
})
