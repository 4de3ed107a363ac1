// One round of measurements for each system, every one driven by its strongest generator on this
// machine and by its Node client: Sluice by kcat and @platformatic/kafka, Redis Streams by
// redis-benchmark and ioredis, NATS JetStream by nats.js (natscli's `nats bench`, its C-speed
// generator, is not installed here). Each round produces to fresh topics/streams, consumes them
// back (checking the count), measures produce latency at the fixed offered load, and removes the
// Redis and NATS data at once (Redis keeps streams in memory, NATS in its own store dir).
import { rate } from '../harness.ts'
import type { Phase } from './children/phases.ts'
import { runClient, type ClientScript, type PhaseResult } from './clients.ts'
import { kcatFetch, kcatProduce, kcatProduceRtts } from './kcat.ts'
import { LINE_BYTES, RECORD_BYTES, poolLines } from './records.ts'
import { redisBenchmarkXadd, redisBenchmarkXread } from './redis-benchmark.ts'
import { TARGETS, describeRate, type BrokerResults, type SystemName, type Throughput } from './results.ts'
import { NATS, REDIS, runName, type NatsAdmin, type RedisAdmin } from './services.ts'
import type { SluiceBroker } from './sluice-broker.ts'

/** Records per kcat produce (and fetch) and per redis-benchmark XADD run: 200 MB. */
export const C_GENERATOR_RECORDS = 2_000_000
const PLATFORMATIC_RECORDS = 500_000
const IOREDIS_RECORDS = 300_000
const NATS_RECORDS = 300_000
/** Seconds of the measured latency run (after LATENCY_WARMUP_SECONDS). */
export const LATENCY_SECONDS = 3
const LATENCY_WARMUP_SECONDS = 0.5
const CHILD_TIMEOUT_MS = 90_000

/**
 * A system's rounds, each measuring, adding to the results, and throwing on a failure:
 * `generatorRound` runs its C load generator (kcat, redis-benchmark; a few seconds), `clientRound`
 * its Node client (throughput and latency). They are separate so that the C generators, which the
 * throughput targets are judged by, can alternate closely between systems.
 */
export interface SystemRounds {
  name: SystemName
  generatorRound(round: number): Promise<void>
  clientRound(round: number): Promise<void>
}

function latencyPhase(target: string): Phase {
  return { op: 'latency', target, ratePerSecond: TARGETS.latencyRatePerSecond, seconds: LATENCY_SECONDS, warmupSeconds: LATENCY_WARMUP_SECONDS }
}

// Runs a client child and files its throughput and latency results under `system` and `generator`.
async function clientRound(results: BrokerResults, system: SystemName, generator: string, ack: string, script: ClientScript, address: string, phases: Phase[], round: number): Promise<void> {
  const messages: PhaseResult[] = await runClient(script, address, phases, CHILD_TIMEOUT_MS)
  for (const message of messages) {
    if (message.op === 'latency') {
      results.addLatency({ system, generator, ack, summary: message })
      log(round, `${system} produce latency, ${generator}: p50 ${message.p50Ms.toFixed(2)} ms, p99 ${message.p99Ms.toFixed(2)} ms, max ${message.maxMs.toFixed(1)} ms, ` +
        `offered ${rate(message.records, message.records / message.offeredPerSecond)}, generator lag p99 ${message.lagP99Ms.toFixed(1)} ms`)
    } else {
      const t: Throughput = { system, op: message.op, generator, records: message.records, bytes: message.bytes, seconds: message.seconds }
      results.addThroughput(t)
      log(round, `${system} ${t.op}, ${generator}: ${describeRate(t)}`)
    }
  }
}

function log(round: number, text: string): void {
  console.log(`  round ${round}: ${text}`)
}

/** Sluice: kcat produce + fetch of C_GENERATOR_RECORDS, then @platformatic/kafka produce, consume and latency (acks=1). */
export function sluiceRounds(results: BrokerResults, broker: SluiceBroker, linesPath: string | null): SystemRounds {
  return {
    name: 'Sluice',
    async generatorRound(round) {
      if (linesPath !== null) {
        const topic = `kcat-${round}`
        const cpuBefore = broker.cpuSeconds()
        const produceSeconds = await kcatProduce(broker.address, topic, linesPath)
        const cpuProduced = broker.cpuSeconds()
        const fetched = await kcatFetch(broker.address, topic)
        const cpuFetched = broker.cpuSeconds()
        if (fetched.records !== C_GENERATOR_RECORDS) throw new Error(`kcat fetched ${fetched.records} records of topic ${topic}, not the ${C_GENERATOR_RECORDS} produced`)
        const produced: Throughput = { system: 'Sluice', op: 'produce', generator: 'kcat', records: C_GENERATOR_RECORDS, bytes: C_GENERATOR_RECORDS * RECORD_BYTES, seconds: produceSeconds }
        const consumed: Throughput = { system: 'Sluice', op: 'consume', generator: 'kcat', records: fetched.records, bytes: fetched.records * RECORD_BYTES, seconds: fetched.seconds }
        results.addThroughput(produced)
        results.addThroughput(consumed)
        // The broker's own CPU tells whether it or the generator set the pace.
        log(round, `Sluice produce, kcat: ${describeRate(produced)} (broker CPU ${(cpuProduced - cpuBefore).toFixed(2)} s)`)
        log(round, `Sluice consume, kcat: ${describeRate(consumed)} (broker CPU ${(cpuFetched - cpuProduced).toFixed(2)} s)`)
      }
    },
    async clientRound(round) {
      const topic = `platformatic-${round}`
      await clientRound(results, 'Sluice', '@platformatic/kafka', 'acks=1', 'kafka-client.ts', broker.address, [
        { op: 'produce', target: topic, records: PLATFORMATIC_RECORDS, batch: 1000, inFlight: 8 },
        { op: 'consume', target: topic, records: PLATFORMATIC_RECORDS, batch: 1024 },
        latencyPhase(`latency-${round}`),
      ], round)
      if (linesPath === null) return
      // The same load through librdkafka: the broker's answer time without a Node generator in it.
      const rtts = await kcatProduceRtts(broker.address, `rtt-${round}`, poolLines(), LINE_BYTES, TARGETS.latencyRatePerSecond, LATENCY_SECONDS)
      results.addRequestRtts(rtts)
      log(round, `Sluice produce request round trip, kcat at ${rate(rtts.records, LATENCY_SECONDS)}: p50 ${rtts.p50Ms.toFixed(2)} ms, ` +
        `p99 ${rtts.p99Ms.toFixed(2)} ms, max ${rtts.maxMs.toFixed(1)} ms over ${rtts.requests} requests`)
    },
  }
}

/** Redis Streams: redis-benchmark XADD + XREAD re-read, then ioredis produce, consume (walking the stream) and latency. */
export function redisRounds(results: BrokerResults, admin: RedisAdmin, hasRedisBenchmark: boolean, value: string): SystemRounds {
  return {
    name: 'Redis Streams',
    async generatorRound(round) {
      if (hasRedisBenchmark) {
        const key = await admin.claim(runName(`xadd-${round}`))
        const seconds = await redisBenchmarkXadd(REDIS.host, REDIS.port, key, C_GENERATOR_RECORDS, value)
        const length = await admin.length(key)
        if (length !== C_GENERATOR_RECORDS) throw new Error(`stream ${key} holds ${length} entries after ${C_GENERATOR_RECORDS} XADDs`)
        const read = await redisBenchmarkXread(REDIS.host, REDIS.port, key, C_GENERATOR_RECORDS)
        await admin.drop(key)
        const produced: Throughput = { system: 'Redis Streams', op: 'produce', generator: 'redis-benchmark', records: C_GENERATOR_RECORDS, bytes: C_GENERATOR_RECORDS * RECORD_BYTES, seconds }
        const consumed: Throughput = { system: 'Redis Streams', op: 'consume', generator: 'redis-benchmark (re-reads the first 10,000 entries)', records: read.records, bytes: read.records * RECORD_BYTES, seconds: read.seconds }
        results.addThroughput(produced)
        results.addThroughput(consumed)
        log(round, `Redis Streams produce, redis-benchmark: ${describeRate(produced)}`)
        log(round, `Redis Streams consume, redis-benchmark XREAD COUNT 10000 from 0: ${describeRate(consumed)}`)
      }
    },
    async clientRound(round) {
      const key = await admin.claim(runName(`ioredis-${round}`))
      const latencyKey = await admin.claim(runName(`latency-${round}`))
      await clientRound(results, 'Redis Streams', 'ioredis', 'XADD reply', 'redis-client.ts', REDIS.address, [
        { op: 'produce', target: key, records: IOREDIS_RECORDS, batch: 1000, inFlight: 4 },
        { op: 'consume', target: key, records: IOREDIS_RECORDS, batch: 10_000 },
        latencyPhase(latencyKey),
      ], round)
      await admin.drop(key)
      await admin.drop(latencyKey)
    },
  }
}

/** NATS JetStream (file storage): nats.js async publish, pull-consumer fetch, and latency. */
export function natsRounds(results: BrokerResults, admin: NatsAdmin): SystemRounds {
  return {
    name: 'NATS JetStream',
    async generatorRound() {
      // No C generator here: natscli (`nats bench`) is not installed; nats.js is measured in clientRound.
    },
    async clientRound(round) {
      const stream = await admin.claim(runName(`publish-${round}`))
      const latencyStream = await admin.claim(runName(`latency-${round}`))
      await clientRound(results, 'NATS JetStream', 'nats.js', 'PubAck', 'nats-client.ts', NATS.address, [
        { op: 'produce', target: stream, records: NATS_RECORDS, batch: 500, inFlight: 4 },
        { op: 'consume', target: stream, records: NATS_RECORDS, batch: 50_000 },
        latencyPhase(latencyStream),
      ], round)
      await admin.drop(stream)
      await admin.drop(latencyStream)
    },
  }
}
