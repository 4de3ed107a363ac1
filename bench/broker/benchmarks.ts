// The broker benchmark (`npm run bench -- broker`): produce and consume throughput of 100-byte
// records over loopback through the Kafka protocol (Sluice broker in its own process), against
// Redis Streams and NATS JetStream measured in the same run, and produce latency at a fixed offered
// load. Rounds alternate the systems (and reverse their order each round) so a neighbour's burst
// of load hits all of them; each figure is the best of the rounds. The C generators (kcat,
// redis-benchmark) alternate closely in rounds of their own, before the slower Node clients. The pieces: sluice-broker.ts,
// kcat.ts, redis-benchmark.ts, children/ (Node clients), systems.ts (one round per system),
// results.ts (the rows), services.ts (Redis/NATS admin and clean-up).
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import type { Benchmark } from '../benchmark.ts'
import { freeScratchBytes, scratchBase, scratchDir } from '../harness.ts'
import { commandOutput, hasCommand } from './processes.ts'
import { recordPool, writeLinesFile } from './records.ts'
import { BrokerResults, TARGETS, type SystemName } from './results.ts'
import { NatsAdmin, RedisAdmin } from './services.ts'
import { startSluiceBroker } from './sluice-broker.ts'
import { C_GENERATOR_RECORDS, LATENCY_SECONDS, natsRounds, redisRounds, sluiceRounds, type SystemRounds } from './systems.ts'

/** Rounds of kcat and redis-benchmark (a few seconds each): the throughput targets are judged by these. */
const GENERATOR_ROUNDS = 3
/** Rounds of the Node clients (throughput, informational, and the latency runs). */
const CLIENT_ROUNDS = 2
/** ~0.2 GB of kcat input plus ~0.6 GB of topics over the rounds, with room to spare. */
const SCRATCH_BYTES_NEEDED = 2 * 2 ** 30
const SELECTABLE: Record<string, SystemName> = { sluice: 'Sluice', redis: 'Redis Streams', nats: 'NATS JetStream' }

// BENCH_BROKER_SYSTEMS=sluice,redis limits the run (e.g. while profiling the broker); default all.
function selectedSystems(): Set<SystemName> {
  const text = process.env['BENCH_BROKER_SYSTEMS']
  if (text === undefined || text.trim() === '') return new Set(Object.values(SELECTABLE))
  const names = text.split(',').map((n) => n.trim().toLowerCase())
  const unknown = names.filter((n) => SELECTABLE[n] === undefined)
  if (unknown.length > 0) throw new Error(`BENCH_BROKER_SYSTEMS: unknown ${unknown.join(', ')}; choose from ${Object.keys(SELECTABLE).join(', ')}`)
  return new Set(names.map((n) => SELECTABLE[n] as SystemName))
}

function describeLoad(): string {
  return `${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) on ${cpus().length} cores`
}

/** The broker benchmark. */
export const brokerBenchmark: Benchmark = {
  name: 'broker',
  description:
    'Produce and consume throughput of 100-byte records over loopback, each system driven by its strongest generator on this machine ' +
    `and by its Node client, in alternating rounds (${GENERATOR_ROUNDS} of the C generators, then ${CLIENT_ROUNDS} of the Node clients), best round kept: the Sluice broker (\`sluice start\` in its own process) with kcat ` +
    `(${C_GENERATOR_RECORDS / 1e6} M records, acks=1) and @platformatic/kafka; Redis Streams (127.0.0.1:6379) with redis-benchmark (pipelined XADD) ` +
    'and ioredis; NATS JetStream (127.0.0.1:4222, file storage) with nats.js. Produce latency (send to ack, per record) at ' +
    `${TARGETS.latencyRatePerSecond / 1000} k records/s offered, open loop, ${LATENCY_SECONDS} s after a warm-up, through each Node client. Targets: Sluice produce >= ${TARGETS.sluiceProducePerSecond / 1e6} M rec/s ` +
    `and consume >= ${TARGETS.sluiceFetchPerSecond / 1e6} M rec/s with kcat; produce >= ${TARGETS.produceOverRedis}x Redis Streams and ` +
    `>= ${TARGETS.produceOverNats}x NATS JetStream; p99 produce latency at acks=1 <= ${TARGETS.p99Ms} ms. Absent systems are reported as skipped.`,
  async run() {
    const selected = selectedSystems()
    const results = new BrokerResults()
    const failures: string[] = []
    const scratch = scratchDir('broker')
    const systems: SystemRounds[] = []
    let redis: RedisAdmin | null = null
    let nats: NatsAdmin | null = null
    let stopBroker: (() => Promise<void>) | null = null
    try {
      for (const [label, system] of Object.entries(SELECTABLE)) {
        if (!selected.has(system)) results.unavailable.set(system, `not selected (BENCH_BROKER_SYSTEMS=${process.env['BENCH_BROKER_SYSTEMS']}, not ${label})`)
      }
      if (selected.has('Sluice') && freeScratchBytes() < SCRATCH_BYTES_NEEDED) {
        results.unavailable.set('Sluice', `needs ${SCRATCH_BYTES_NEEDED / 2 ** 30} GiB free under ${scratchBase()} (kcat's input file and the broker's data dir)`)
      } else if (selected.has('Sluice')) {
        const kcatVersion = commandOutput('kcat', ['-V'])
        const hasKcat = kcatVersion !== null
        if (hasKcat) console.log(`kcat ${/Version (.*?librdkafka [^ ]+)/.exec(kcatVersion)?.[1] ?? '(version unknown)'}`)
        let linesPath: string | null = null
        if (hasKcat) {
          linesPath = join(scratch.dir, 'records.txt')
          writeLinesFile(linesPath, C_GENERATOR_RECORDS)
        } else {
          console.log('kcat not installed: Sluice is driven by @platformatic/kafka only (apt-get install kcat)')
        }
        const broker = await startSluiceBroker(join(scratch.dir, 'sluice-data'))
        stopBroker = () => broker.stop()
        systems.push(sluiceRounds(results, broker, linesPath))
      }
      if (selected.has('Redis Streams')) {
        const opened = await RedisAdmin.open()
        if (typeof opened === 'string') results.unavailable.set('Redis Streams', opened)
        else {
          redis = opened
          const leftovers = await redis.removeLeftovers()
          console.log(`${redis.description}${leftovers > 0 ? `; removed ${leftovers} keys left by interrupted runs` : ''}`)
          const hasRedisBenchmark = hasCommand('redis-benchmark', ['--version'])
          if (!hasRedisBenchmark) console.log('redis-benchmark not installed: Redis Streams is driven by ioredis only')
          systems.push(redisRounds(results, redis, hasRedisBenchmark, (recordPool()[0] as Buffer).toString('latin1')))
        }
      }
      if (selected.has('NATS JetStream')) {
        const opened = await NatsAdmin.open()
        if (typeof opened === 'string') results.unavailable.set('NATS JetStream', opened)
        else {
          nats = opened
          const leftovers = await nats.removeLeftovers()
          console.log(`${nats.description}${leftovers > 0 ? `; removed ${leftovers} streams left by interrupted runs` : ''}`)
          systems.push(natsRounds(results, nats))
        }
      }
      for (const [system, reason] of results.unavailable) console.log(`${system}: ${reason}`)
      console.log(`load average before: ${describeLoad()}`)

      // The C generators first, closely alternated (a few seconds each), then the Node clients.
      // Every other round runs the systems in reverse order, so the one that runs right after
      // start-up or next to a neighbour's burst of load is not always the same.
      for (const [kind, rounds] of [['generatorRound', GENERATOR_ROUNDS], ['clientRound', CLIENT_ROUNDS]] as const) {
        for (let round = 1; round <= rounds; round++) {
          for (const system of round % 2 === 1 ? systems : [...systems].reverse()) {
            if (failures.some((f) => f.startsWith(system.name))) continue
            try {
              await system[kind](round)
            } catch (error) {
              // One system's failure is reported; the others are still measured.
              const message = error instanceof Error ? error.message : String(error)
              console.error(`${system.name} failed in ${kind} ${round}:`, error)
              failures.push(`${system.name}: ${message}`)
              // The rows only point at the failure; its message goes once into the 'broker' row.
              results.unavailable.set(system.name, `failed in ${kind} ${round} (see the 'broker' row)`)
            }
          }
        }
      }
    } finally {
      // Data first (Redis memory, NATS store), then the broker, then its data dir.
      await redis?.close().catch((error: unknown) => failures.push(`Redis clean-up: ${String(error)}`))
      await nats?.close().catch((error: unknown) => failures.push(`NATS clean-up: ${String(error)}`))
      await stopBroker?.().catch((error: unknown) => failures.push(`Sluice broker stop: ${String(error)}`))
      scratch.remove()
    }
    // Every system here shares the cores with its generator and with whatever else runs: say how busy the machine was.
    console.log(`load average after: ${describeLoad()}`)
    results.reportRows('kcat')
    if (failures.length > 0) throw new Error(failures.join('; '))
  },
}
