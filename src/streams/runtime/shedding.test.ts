import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SheddingController } from './shedding.ts'

test('the rate follows maxLag / lag while behind, never under minRate, and climbs back by doubling', () => {
  const c = new SheddingController({ maxLag: 1000, minRate: 0.05 }, 1)
  assert.equal(c.rate, 1)
  c.update(500)
  assert.equal(c.rate, 1, 'under the threshold nothing is shed')
  c.update(4000)
  assert.equal(c.rate, 0.25)
  c.update(100_000)
  assert.equal(c.rate, 0.05, 'minRate bounds it')
  c.update(2000)
  assert.equal(c.rate, 0.05, 'still behind: the rate does not rise while the lag is above maxLag')
  c.update(10)
  assert.equal(c.rate, 0.1)
  c.update(10)
  c.update(10)
  c.update(10)
  c.update(10)
  assert.equal(c.rate, 1)
})

test('kept records are a Bernoulli sample at the rate (seeded, within 4 sigma)', () => {
  const c = new SheddingController({ maxLag: 1000, minRate: 0.01 }, 7)
  c.update(5000) // rate 0.2
  const n = 100_000
  let kept = 0
  for (let i = 0; i < n; i++) if (c.keep()) kept++
  const sigma = Math.sqrt(n * 0.2 * 0.8)
  assert.ok(Math.abs(kept - n * 0.2) < 4 * sigma, `kept ${kept} of ${n}`)
})

test('an app that opted in sheds load while far behind, carries the rate, and keeps everything once caught up', { timeout: 60_000 }, async () => {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { Sluice } = await import('../../client/sluice.ts')
  await import('./sluice-streams.ts')
  const dir = await mkdtemp(join(tmpdir(), 'sluice-shedding-'))
  const sluice = await Sluice.open({ dataDir: dir })
  try {
    await sluice.admin.createTopic('hits', { partitions: 1 })
    const producer = sluice.producer({ lingerMs: 5 })
    const N = 200_000
    for (let i = 0; i < N; i += 20_000) await producer.send('hits', Array.from({ length: 20_000 }, (_, j) => ({ value: i + j })))
    const app = sluice.streams('shed', { commitInterval: 100 })
    let estimate = 0
    let minRate = 1
    app.stream<number>('hits', { loadShedding: { maxLag: 5_000, minRate: 0.02 } }).withSamplingRate()
      .foreach((r) => { estimate += 1 / r.samplingRate; minRate = Math.min(minRate, r.samplingRate) })
    await app.start()
    const deadline = Date.now() + 30_000
    const total = () => app.metrics().processedRecords + app.metrics().shedRecords
    while (total() < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.equal(total(), N)
    assert.ok(app.metrics().shedRecords > 0, 'records were shed while the lag was above maxLag')
    assert.ok(minRate < 1 && minRate >= 0.02, `rate ${minRate}`)
    // The scaled count estimates what arrived (Horvitz-Thompson); loose bound, the rate moved during the run.
    assert.ok(Math.abs(estimate - N) / N < 0.2, `estimate ${Math.round(estimate)} of ${N}`)
    // Caught up: the rate climbs back to 1 and new records are all kept.
    while (app.metrics().samplingRate < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const before = app.metrics().processedRecords
    await producer.send('hits', Array.from({ length: 100 }, (_, j) => ({ value: j })))
    while (app.metrics().processedRecords < before + 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.equal(app.metrics().processedRecords, before + 100)
    await app.close()
  } finally {
    await sluice.close()
    await rm(dir, { recursive: true, force: true })
  }
})
