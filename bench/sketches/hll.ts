// HyperLogLog: update throughput on 24-character keys (target >= 3 M updates/s on one core) beside
// the bloom-filters package's HyperLogLog and, when Redis is reachable, Redis's PFADD on the same
// keys; and the accuracy sweep the tests only sample: relative-error RMSE (target <= 0.81%) and bias
// (target <= 0.1%) at p = 14 for n in {1e3, 1e5, 1e6, 1e7} over many sketches, beside
// bloom-filters' estimate. Redis runs in its own process (another core), so its ratio says how an
// in-process sketch compares with a round trip to a Redis, not core against core. Accuracy rows
// come in pairs: estimate() (what a single stream's sketch answers) and registerEstimate() (Ertl's
// estimator, what a merged sketch or PFCOUNT answers).
import { Random } from '../../src/base/random.ts'
import { HyperLogLog } from '../../src/sketches/hyperloglog.ts'
import { RespConnection } from '../../src/sketches/resp.test-kit.ts'
import { bestOfInterleaved, rate, report, reportSkipped, timeIt, trial } from '../harness.ts'
import { BASELINE_KEYS, baseline, benchSeed, makeKeys, meanAndDeviation, percent, rateRatio } from './keys.ts'

const THEORY_RMSE = 1.04 / Math.sqrt(16384)

async function throughput(): Promise<void> {
  const keys = makeKeys(2_000_000, 'hll')
  const baselineKeys = keys.slice(0, BASELINE_KEYS.hyperLogLog)
  const best = await bestOfInterleaved(
    2,
    trial(() => new HyperLogLog(), (sketch) => { for (const key of keys) sketch.add(key) }, () => {}),
    trial(() => new baseline.HyperLogLog(16384), (sketch) => { for (const key of baselineKeys) sketch.update(key) }, () => {}),
  )
  const perSecond = keys.length / best.subject
  report({
    name: 'HLL p=14 updates (24-char keys)',
    figure: rate(keys.length, best.subject, 'updates/s'),
    baseline: `bloom-filters HyperLogLog ${rate(baselineKeys.length, best.baseline, 'updates/s')} (first ${baselineKeys.length} keys)`,
    ratio: rateRatio(keys.length, best.subject, baselineKeys.length, best.baseline),
    target: '>= 3 M updates/s',
    pass: perSecond >= 3e6,
  })
  await redisBaseline(keys.slice(0, 1_000_000), keys.length / best.subject)
}

async function redisBaseline(keys: string[], oursPerSecond: number): Promise<void> {
  const opened = await RespConnection.open()
  if (!('connection' in opened)) {
    reportSkipped('HLL vs Redis PFADD', opened.reason, 'ratio only')
    return
  }
  const redis = opened.connection
  const key = `sluice-bench:hll:${process.pid}`
  try {
    await redis.ok('DEL', key)
    const seconds = await timeIt(async () => {
      const replies: Promise<unknown>[] = []
      for (let i = 0; i < keys.length; i += 1000) replies.push(redis.ok('PFADD', key, ...keys.slice(i, i + 1000)))
      await Promise.all(replies)
    })
    const ours = new HyperLogLog({ keyEncoding: 'redis' })
    for (const k of keys) ours.add(k)
    const redisCount = (await redis.ok('PFCOUNT', key)) as number
    const redisRegisters = HyperLogLog.fromRedis((await redis.ok('GET', key)) as Buffer).registers()
    const identical = Buffer.from(redisRegisters).equals(Buffer.from(ours.registers()))
    report({
      name: 'HLL vs Redis PFADD (1000 keys per command, pipelined)',
      figure: `ours ${(oursPerSecond / 1e6).toFixed(2)} M updates/s; registers ${identical ? 'byte-identical' : 'DIFFER'}; PFCOUNT ${redisCount}, ours ${Math.round(ours.registerEstimate())} (registerEstimate), ${Math.round(ours.estimate())} (estimate, truth ${keys.length})`,
      baseline: `Redis PFADD ${rate(keys.length, seconds, 'updates/s')}`,
      ratio: oursPerSecond / (keys.length / seconds),
      target: 'byte-identical registers',
      pass: identical && redisCount === Math.round(ours.registerEstimate()),
    })
  } finally {
    await redis.ok('DEL', key)
    redis.close()
  }
}

function summarize(errors: readonly number[]): { rmse: number; bias: number; biasError: number } {
  const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length)
  const { mean, deviation } = meanAndDeviation(errors)
  return { rmse, bias: mean, biasError: deviation / Math.sqrt(errors.length) }
}

function accuracy(): void {
  const random = new Random(benchSeed())
  for (const [n, seeds] of [[1_000, 2000], [100_000, 400], [1_000_000, 200], [10_000_000, 60]] as const) {
    const martingale: number[] = []
    const ertl: number[] = []
    const baselineErrors: number[] = []
    const start = performance.now()
    for (let s = 0; s < seeds; s++) {
      const sketch = new HyperLogLog()
      for (let i = 0; i < n; i++) sketch.addHash(random.uint32(), random.uint32())
      martingale.push(sketch.estimate() / n - 1)
      ertl.push(sketch.registerEstimate() / n - 1)
    }
    // bloom-filters hashes its own keys, so it gets string keys; at ~6 k updates/s it can afford
    // 20 sketches of 1e3 keys and nothing larger.
    const baselineSeeds = n <= 1_000 ? 20 : 0
    for (let s = 0; s < baselineSeeds; s++) {
      const sketch = new baseline.HyperLogLog(16384)
      const tag = random.uint32().toString(36)
      for (let i = 0; i < n; i++) sketch.update(`${tag}:${i}`)
      baselineErrors.push(sketch.count() / n - 1)
    }
    const seconds = ((performance.now() - start) / 1000).toFixed(1)
    const baselineText = baselineSeeds > 0 ? `bloom-filters RMSE ${percent(summarize(baselineErrors).rmse)} over ${baselineSeeds}` : 'bloom-filters too slow at this n'
    const rows = [
      { label: 'estimate() (sparse: linear counting; dense: martingale)', errors: martingale },
      { label: 'registerEstimate() (Ertl; merged or Redis-read sketches, PFCOUNT)', errors: ertl },
    ]
    for (const { label, errors } of rows) {
      const { rmse, bias, biasError } = summarize(errors)
      report({
        name: `HLL p=14 accuracy n=${n.toExponential(0)}, ${label}`,
        figure: `RMSE ${percent(rmse)} (±${percent(rmse / Math.sqrt(2 * seeds))}), bias ${percent(bias)} ± ${percent(biasError)} over ${seeds} sketches (${seconds} s)`,
        baseline: baselineText,
        ratio: rmse / THEORY_RMSE,
        target: 'RMSE <= 0.81%, |bias| <= 0.1% (ratio: RMSE / (1.04/sqrt(m)))',
        pass: rmse <= 0.0081 && Math.abs(bias) <= 0.001,
      })
    }
  }
}

/** The HyperLogLog benchmark. */
export const hllBenchmark = {
  name: 'sketch-hll',
  description: 'HyperLogLog p=14: updates/s on 24-char keys vs bloom-filters and Redis PFADD; RMSE and bias sweep (targets >= 3 M/s, RMSE <= 0.81%, bias <= 0.1%)',
  async run(): Promise<void> {
    await throughput()
    accuracy()
  },
}
