import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CompressionCodec } from '../protocol/records/batch-header.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import type { MemoryFs } from '../testing/memory-fs.ts'
import type { PartitionLog } from './partition-log.ts'
import { T0, batchOf, memoryFs, openLog, readAll, type SeenRecord } from './test-kit.ts'

const DIR = '/data/topic-0'
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const COMPACT = { cleanupPolicy: 'compact' as const, segmentBytes: 300, compactionCheckIntervalMs: 1_000_000_000 }

/** Writes `rounds` rounds of one record per key (k0..k{keys-1}), value `k<i>@<round>`, one batch each. */
async function writeRounds(log: PartitionLog, keys: number, rounds: number, codec = CompressionCodec.None): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < keys; k++) await log.append(batchOf([{ key: `k${k}`, value: `k${k}@${round}` }], { compression: codec }))
  }
}

/** key → the record a consumer reading from the start would end with. */
function lastByKey(records: SeenRecord[]): Map<string | null, string | null> {
  const map = new Map<string | null, string | null>()
  for (const r of records) map.set(r.key, r.value)
  return map
}

async function compactionSetup(config: Record<string, unknown> = {}, fsOptions = {}) {
  const fs = await memoryFs(fsOptions)
  const clock = new ManualClock(T0)
  const log = await openLog(fs, { ...COMPACT, ...config }, clock)
  return { fs, clock, log }
}

describe('compaction', () => {
  it('keeps the latest value per key in closed segments, at its original offset', async () => {
    const { log } = await compactionSetup()
    await writeRounds(log, 5, 8)
    const before = await readAll(log)
    const result = await log.compact()
    assert.ok(result !== null && result.recordsRemoved > 0)
    const after = await readAll(log)
    assert.deepEqual(lastByKey(after), lastByKey(before))
    const original = new Map(before.map((r) => [r.offset, r]))
    for (const r of after) assert.deepEqual(original.get(r.offset), r, `offset ${r.offset} keeps its record`)
    // Closed segments hold one record per key at most; the active one is untouched.
    const activeBase = log.describe().segmentBaseOffsets[log.describe().segmentBaseOffsets.length - 1] as number
    assert.deepEqual(after.filter((r) => r.offset >= activeBase), before.filter((r) => r.offset >= activeBase))
    const seen = new Set<string>()
    for (const r of after.filter((x) => x.offset < activeBase)) {
      assert.equal(seen.has(r.key as string), false, `key ${r.key} appears twice in closed segments`)
      seen.add(r.key as string)
    }
    assert.ok(log.describe().sizeBytes > 0)
    await log.close()
  })

  it('removes tombstones only once they are older than delete.retention.ms, with the values they deleted', async () => {
    const { clock, log } = await compactionSetup({ deleteRetentionMs: 60_000 })
    await writeRounds(log, 3, 3)
    await log.append(batchOf([{ key: 'k1', value: null }]))
    await writeRounds(log, 1, 6) // pushes the tombstone into a closed segment
    let result = await log.compact()
    assert.equal(result?.tombstonesRetained, 1)
    let records = await readAll(log)
    assert.deepEqual(records.filter((r) => r.key === 'k1').map((r) => r.value), [null])
    clock.advance(60_001)
    result = await log.compact()
    assert.equal(result?.tombstonesRemoved, 1)
    records = await readAll(log)
    assert.deepEqual(records.filter((r) => r.key === 'k1'), [])
    assert.equal(lastByKey(records).get('k2'), 'k2@2')
    await log.close()
  })

  it('keeps records without a key', async () => {
    const { log } = await compactionSetup({ segmentBytes: 400 })
    for (let i = 0; i < 12; i++) await log.append(batchOf([{ key: null, value: `nokey${i}` }, { key: 'same', value: `v${i}` }]))
    await log.compact()
    const records = await readAll(log)
    assert.equal(records.filter((r) => r.key === null).length, 12)
    const activeBase = log.describe().segmentBaseOffsets[log.describe().segmentBaseOffsets.length - 1] as number
    assert.equal(records.filter((r) => r.key === 'same' && r.offset < activeBase).length, 1)
    await log.close()
  })

  it('merges adjacent segments that compaction made small', async () => {
    const { log } = await compactionSetup()
    await writeRounds(log, 4, 10)
    await log.compact()
    const segmentsBefore = log.describe().segmentBaseOffsets.length
    const before = await readAll(log)
    const result = await log.compact() // the first pass shrank every closed segment; this one merges them
    assert.ok(result !== null && result.segmentsCompacted > result.segmentsWritten)
    assert.ok(log.describe().segmentBaseOffsets.length < segmentsBefore, `${log.describe().segmentBaseOffsets.length} segments after, ${segmentsBefore} before`)
    assert.deepEqual(await readAll(log), before)
    await log.close()
  })

  for (const codec of [CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]) {
    it(`decompresses ${CompressionCodec[codec]} batches to read keys and recompresses what it keeps`, async () => {
      const { log } = await compactionSetup()
      for (let round = 0; round < 6; round++) {
        await log.append(batchOf([0, 1, 2, 3].map((k) => ({ key: `k${k}`, value: `k${k}@${round}-${'x'.repeat(20)}` })), { compression: codec }))
      }
      const before = await readAll(log)
      const result = await log.compact()
      assert.ok(result !== null && result.recordsRemoved > 0)
      const after = await readAll(log)
      assert.deepEqual(lastByKey(after), lastByKey(before))
      const { records } = await log.read(0, 100_000)
      assert.equal(records.readInt16BE(21) & 7, codec)
      await log.close()
    })
  }

  it('lets appends and reads go on during a pass, and reads see consistent data', async () => {
    let holding = false
    const held: Array<() => void> = []
    const { fs, log } = await compactionSetup({}, { syncLatency: () => new Promise<void>((resolve) => (holding ? held.push(resolve) : setImmediate(resolve))) })
    await writeRounds(log, 4, 10)
    const before = await readAll(log)
    const original = new Map(before.map((r) => [r.offset, r]))
    holding = true
    const pass = log.compact()
    let appended = 0
    let released = 0
    while (released < 200) {
      // While fsyncs are held, compaction is paused somewhere: append and read meanwhile.
      await log.append(batchOf([{ key: 'live', value: `live${appended++}` }]))
      for (const r of await readAll(log)) {
        if (r.key !== 'live') assert.deepEqual(original.get(r.offset), r, 'a read during compaction sees the original record')
      }
      const next = held.shift()
      if (next === undefined) {
        if (await Promise.race([pass.then(() => true), turn().then(() => false)])) break
        continue
      }
      next()
      released++
    }
    holding = false
    for (const release of held.splice(0)) release()
    const result = await pass
    assert.ok(released >= 5, `compaction paused at ${released} fsyncs`)
    assert.ok(result !== null && result.recordsRemoved > 0)
    assert.equal(lastByKey(await readAll(log)).get('live'), `live${appended - 1}`)
    assert.equal(log.isOffline, false)
    assert.ok(fs.syncCount() > 0)
    await log.close()
  })
})

describe('compaction of a damaged log', () => {
  it('stops compacting (the log stays online) when a closed segment fails its CRC', async () => {
    const { fs, log } = await compactionSetup()
    await writeRounds(log, 4, 6)
    await log.close()
    fs.flipByte(`${DIR}/00000000000000000000.log`, 70)
    const reopened = await openLog(fs, COMPACT)
    assert.equal(await reopened.compact(), null)
    assert.match(reopened.describe().compactionError?.message ?? '', /CRC|compaction stopped/)
    assert.equal(reopened.isOffline, false)
    assert.equal((await reopened.append(batchOf([{ key: 'k0', value: 'after' }]))).baseOffset, 24)
    assert.deepEqual((await fs.readdir(DIR)).filter((n) => n.includes('.cleaned')), [])
    await reopened.close()
  })
})

describe('compaction crash safety', () => {
  async function crashDuring(fault: { op: 'rename' | 'unlink'; path: RegExp }) {
    const { fs, log } = await compactionSetup({ flush: 'always' })
    await writeRounds(log, 4, 10)
    await log.compact() // shrinks the closed segments, so the next pass merges several into one
    for (let i = 0; i < 12; i++) await log.append(batchOf([{ key: `other${i % 4}`, value: `o${i}` }]))
    const segmentsBefore = log.describe().segmentBaseOffsets.length
    const before = await readAll(log)
    fs.injectFault({ ...fault, code: 'EIO' })
    await assert.rejects(log.compact(), { code: 'KAFKA_STORAGE_ERROR' })
    assert.equal(log.isOffline, true)
    const crashed: MemoryFs = fs.crash({ mode: 'drop-unsynced' })
    const reopened = await openLog(crashed, { ...COMPACT, flush: 'always' })
    const after = await readAll(reopened)
    assert.deepEqual(lastByKey(after), lastByKey(before))
    const original = new Map(before.map((r) => [r.offset, r]))
    for (const r of after) assert.deepEqual(original.get(r.offset), r)
    const names = await crashed.readdir(DIR)
    assert.deepEqual(names.filter((n) => n.includes('.swap') || n.includes('.cleaned')), [])
    return { reopened, before, after, segmentsBefore }
  }

  it('discards a compacted segment that was not yet committed (crash before .swap)', async () => {
    const { reopened, before, after } = await crashDuring({ op: 'rename', path: /\.log\.cleaned$/ })
    assert.equal(reopened.recovery.swapsCompleted, 0)
    assert.equal(after.length, before.length)
    await reopened.close()
  })

  it('finishes a committed swap on open (crash after .swap, before the old segments were removed)', async () => {
    const { reopened, segmentsBefore } = await crashDuring({ op: 'unlink', path: /\d{20}\.log$/ })
    assert.equal(reopened.recovery.swapsCompleted, 1)
    assert.ok(reopened.describe().segmentBaseOffsets.length < segmentsBefore)
    await reopened.close()
  })

  it('finishes a committed swap on open (crash while renaming .swap to the final names)', async () => {
    const { reopened, segmentsBefore } = await crashDuring({ op: 'rename', path: /\.log\.swap$/ })
    assert.equal(reopened.recovery.swapsCompleted, 1)
    assert.ok(reopened.describe().segmentBaseOffsets.length < segmentsBefore)
    await reopened.close()
  })
})
