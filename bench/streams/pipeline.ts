// Stateless JSON pipeline through the streams runtime (issue 4, target >= 50% of a hand-written
// loop): N JSON records pre-produced to an input topic of an embedded Sluice; (a) the baseline, a
// hand-written loop over the Sluice consumer and producer (poll, JSON.parse, filter, map,
// JSON.stringify, send per poll, offsets committed after the sends are acknowledged every second:
// at-least-once by hand), and (b) the same work as a streams app (`stream().filter().mapValues()
// .to()`, at-least-once, default 1 s commit interval). Both run in this process (one thread), use
// the runtime's producer settings (idempotent, acks 'all', linger 0), a consumer group of their own
// and a fresh output topic, and are timed from their start until the output topic's high watermark
// holds the expected count (written to the log, as acks 'all' means embedded). Loop and app
// alternate, after a warm-up of each on a smaller topic; the best of each is reported.
import { join } from 'node:path'
import { Random } from '../../src/base/random.ts'
import { Sluice } from '../../src/client/sluice.ts'
import type { ProducerRecord } from '../../src/client/types.ts'
import '../../src/streams/runtime/sluice-streams.ts'
import { rate, report, scratchDir } from '../harness.ts'

/** An input record's value. */
interface Purchase { id: number; user: string; amount: number; country: string; kind: string; ts: number }
/** An output record's value. */
interface Charge { id: number; user: string; cents: number; country: string; ts: number }

const RECORDS = Number(process.env['BENCH_PIPELINE_RECORDS'] ?? 1_000_000)
const WARMUP_RECORDS = 200_000
const ROUNDS = 2
const PRODUCER = { idempotent: true, acks: 'all', lingerMs: 0 } as const
const COMMIT_INTERVAL_MS = 1000
const POLL_TIMEOUT_MS = 100
const KINDS = ['purchase', 'purchase', 'refund', 'view']
const COUNTRIES = ['de', 'fr', 'us', 'jp', 'br', 'in', 'gb', 'nl']

const keep = (p: Purchase): boolean => p.kind === 'purchase' && p.amount >= 20
const toCharge = (p: Purchase): Charge => ({ id: p.id, user: p.user, cents: Math.round(p.amount * 100), country: p.country.toUpperCase(), ts: p.ts })

/** Produces `count` JSON purchases (~110 bytes each, keyed by user) to a fresh 1-partition topic; returns how many pass the filter. */
async function fillInput(sluice: Sluice, topic: string, count: number): Promise<number> {
  await sluice.admin.createTopic(topic, { partitions: 1 })
  const producer = sluice.producer(PRODUCER)
  const random = new Random(7)
  let kept = 0
  try {
    for (let from = 0; from < count; from += 1000) {
      const batch: ProducerRecord[] = []
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        const user = `user-${random.int(0, 100_000).toString().padStart(6, '0')}`
        const p: Purchase = { id: i, user, amount: random.int(0, 10_000) / 100, country: COUNTRIES[random.int(0, COUNTRIES.length)]!, kind: KINDS[random.int(0, KINDS.length)]!, ts: 1_700_000_000_000 + i }
        if (keep(p)) kept++
        batch.push({ key: user, value: JSON.stringify(p) })
      }
      await producer.send(topic, batch)
    }
  } finally {
    await producer.close()
  }
  return kept
}

/** Resolves once partition 0 of `topic` holds `count` records (checked every 2 ms); rejects on `failed`. */
async function untilCount(sluice: Sluice, topic: string, count: number, failed: () => unknown): Promise<void> {
  for (;;) {
    const failure = failed()
    if (failure !== undefined) throw failure
    if (sluice.coordinator.partition(topic, 0).highWatermark >= count) return
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** The hand-written loop: reads `input` to its end, writes kept records to `output`; returns seconds until `output` holds `expected`. */
async function handWritten(sluice: Sluice, input: string, output: string, expected: number, group: string): Promise<number> {
  await sluice.admin.createTopic(output, { partitions: 1 })
  const end = sluice.coordinator.partition(input, 0).highWatermark
  const started = performance.now()
  const consumer = sluice.consumer({ group, autoCommit: false, autoOffsetReset: 'earliest', assignors: ['range'] })
  const producer = sluice.producer(PRODUCER)
  let failure: unknown
  const loop = (async () => {
    consumer.subscribe([input])
    const inFlight = new Set<Promise<unknown>>()
    let next = 0
    let lastCommit = performance.now()
    const commit = async (): Promise<void> => {
      await Promise.all(inFlight)
      await consumer.commit([{ topic: input, partition: 0, offset: next }])
      lastCommit = performance.now()
    }
    while (next < end) {
      const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS })
      const out: ProducerRecord[] = []
      for (const record of records) {
        const purchase = JSON.parse(record.value!.toString('utf8')) as Purchase
        if (keep(purchase)) out.push({ key: record.key, value: Buffer.from(JSON.stringify(toCharge(purchase)), 'utf8'), timestamp: record.timestamp })
        next = record.offset + 1
      }
      if (out.length > 0) {
        const sending = producer.send(output, out)
        inFlight.add(sending)
        void sending.then(() => inFlight.delete(sending), (error: unknown) => { failure ??= error })
      }
      if (performance.now() - lastCommit >= COMMIT_INTERVAL_MS) await commit()
    }
    await commit()
  })().catch((error: unknown) => { failure ??= error })
  try {
    await untilCount(sluice, output, expected, () => failure)
    return (performance.now() - started) / 1000
  } finally {
    await loop
    await consumer.close()
    await producer.close()
  }
}

/** The streams app doing the same; returns seconds from start() until `output` holds `expected`. */
async function streamsApp(sluice: Sluice, input: string, output: string, expected: number, name: string): Promise<number> {
  await sluice.admin.createTopic(output, { partitions: 1 })
  const app = sluice.streams(name, { guarantee: 'at-least-once', commitInterval: COMMIT_INTERVAL_MS })
  app.stream<Purchase>(input).filter(keep).mapValues(toCharge).to(output)
  const started = performance.now()
  try {
    await app.start()
    await untilCount(sluice, output, expected, () => (app.state === 'error' ? app.failure ?? new Error('streams app failed') : undefined))
    const seconds = (performance.now() - started) / 1000
    const sent = app.metrics().sentRecords
    if (sent !== expected) throw new Error(`the streams app sent ${sent} records, expected ${expected}`)
    return seconds
  } finally {
    await app.close()
  }
}

/** The stateless pipeline benchmark. */
export const pipelineBenchmark = {
  name: 'streams-pipeline',
  description: `stateless JSON pipeline (parse, filter keeping ~40%, map, produce), ${(RECORDS / 1e6).toFixed(1)} M records of ~110 bytes on one partition of an embedded Sluice, at-least-once: a streams app (filter + mapValues + to) vs a hand-written consumer/producer loop doing the same work (target >= 50% of the loop's records/s); ${ROUNDS} alternated rounds after a warm-up, best of each`,
  async run(): Promise<void> {
    const scratch = scratchDir('streams-pipeline')
    try {
      const sluice = await Sluice.open({ dataDir: join(scratch.dir, 'data'), autoCreateTopics: false })
      try {
        const warmKept = await fillInput(sluice, 'warm', WARMUP_RECORDS)
        const kept = await fillInput(sluice, 'purchases', RECORDS)
        await handWritten(sluice, 'warm', 'warm-loop', warmKept, 'warm-loop')
        await streamsApp(sluice, 'warm', 'warm-app', warmKept, 'warm-app')
        let loopSeconds = Infinity
        let appSeconds = Infinity
        for (let round = 0; round < ROUNDS; round++) {
          const loop = await handWritten(sluice, 'purchases', `charges-loop-${round}`, kept, `loop-${round}`)
          const app = await streamsApp(sluice, 'purchases', `charges-app-${round}`, kept, `app-${round}`)
          console.log(`  round ${round + 1}: loop ${rate(RECORDS, loop)} (${loop.toFixed(2)} s), app ${rate(RECORDS, app)} (${app.toFixed(2)} s)`)
          loopSeconds = Math.min(loopSeconds, loop)
          appSeconds = Math.min(appSeconds, app)
        }
        const ratio = loopSeconds / appSeconds
        report({
          name: 'streams: stateless JSON pipeline (filter + mapValues + to), at-least-once',
          figure: `${rate(RECORDS, appSeconds)} in (${rate(kept, appSeconds)} out)`,
          baseline: `hand-written loop ${rate(RECORDS, loopSeconds)} in`,
          ratio,
          target: '>= 0.5 of the loop',
          pass: ratio >= 0.5,
        })
      } finally {
        await sluice.close()
      }
    } finally {
      scratch.remove()
    }
  },
}
