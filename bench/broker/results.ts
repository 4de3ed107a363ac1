// What the broker benchmark measured, kept per system, operation and load generator (the best of
// the rounds: on a shared machine the fastest round is the one least disturbed by neighbours), and
// the rows made from it: one per measurement, the ratio rows (Sluice against each other system,
// each with its best generator), and the latency rows.
import { mbPerSecond, rate, report, reportSkipped } from '../harness.ts'
import type { RequestRtts } from './kcat.ts'
import type { LatencySummary } from './paced-load.ts'

export type SystemName = 'Sluice' | 'Redis Streams' | 'NATS JetStream'
export const SYSTEMS: readonly SystemName[] = ['Sluice', 'Redis Streams', 'NATS JetStream']
/** Consume is Kafka's Fetch for Sluice, XREAD for Redis, a pull consumer's fetch for NATS. */
export type Operation = 'produce' | 'consume'

/** One throughput measurement. */
export interface Throughput {
  system: SystemName
  op: Operation
  /** The load generator, as the rows name it. */
  generator: string
  records: number
  bytes: number
  seconds: number
}

/** One latency measurement at the fixed offered load. */
export interface Latency {
  system: SystemName
  generator: string
  /** The ack the latency waits for, in words. */
  ack: string
  summary: LatencySummary
}

/** Targets from the issue. */
export const TARGETS = {
  sluiceProducePerSecond: 1_000_000,
  sluiceFetchPerSecond: 2_000_000,
  produceOverRedis: 1.5,
  produceOverNats: 2,
  p99Ms: 5,
  latencyRatePerSecond: 50_000,
} as const

const perSecond = (t: Throughput): number => t.records / t.seconds

/** '1.23 M rec/s, 123.0 MB/s'. */
export function describeRate(t: Throughput): string {
  return `${rate(t.records, t.seconds)}, ${mbPerSecond(t.bytes, t.seconds)}`
}

function describeLatency(l: LatencySummary): string {
  return `p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms, max ${l.maxMs.toFixed(1)} ms ` +
    `(${rate(l.records, l.records / l.offeredPerSecond)} offered, generator lag p99 ${l.lagP99Ms.toFixed(1)} ms)`
}

/** The measurements of one run of the broker benchmark. */
export class BrokerResults {
  readonly #throughputs = new Map<string, Throughput>()
  readonly #latencies = new Map<SystemName, Latency>()
  /** Why a system was not measured (absent, or it failed), by system. */
  readonly unavailable = new Map<SystemName, string>()

  /** Keeps `t` if it is the fastest so far for its system, operation and generator. */
  addThroughput(t: Throughput): void {
    const key = `${t.system}|${t.op}|${t.generator}`
    const previous = this.#throughputs.get(key)
    if (previous === undefined || perSecond(t) > perSecond(previous)) this.#throughputs.set(key, t)
  }

  /** Sluice's produce round trips as kcat saw them at the latency load (lowest p99 kept). */
  requestRtts: RequestRtts | null = null

  /** Keeps `r` if its p99 is the lowest so far. */
  addRequestRtts(r: RequestRtts): void {
    if (this.requestRtts === null || r.p99Ms < this.requestRtts.p99Ms) this.requestRtts = r
  }

  /** Keeps `l` if its p99 is the lowest so far for its system. */
  addLatency(l: Latency): void {
    const previous = this.#latencies.get(l.system)
    if (previous === undefined || l.summary.p99Ms < previous.summary.p99Ms) this.#latencies.set(l.system, l)
  }

  /** The fastest measurement of `system` doing `op`, over every generator. */
  best(system: SystemName, op: Operation): Throughput | undefined {
    let best: Throughput | undefined
    for (const t of this.#throughputs.values()) {
      if (t.system === system && t.op === op && (best === undefined || perSecond(t) > perSecond(best))) best = t
    }
    return best
  }

  #find(system: SystemName, op: Operation, generator: string): Throughput | undefined {
    return this.#throughputs.get(`${system}|${op}|${generator}`)
  }

  /** Reports every row (see the file comment); `kcat` is the generator name the Sluice target rows use. */
  reportRows(kcat: string): void {
    const redisProduce = this.best('Redis Streams', 'produce')
    const redisConsume = this.best('Redis Streams', 'consume')
    const baselineOf = (t: Throughput | undefined, system: SystemName): string =>
      t === undefined ? `${system}: ${this.unavailable.get(system) ?? 'not measured'}` : `${system}, ${t.generator}: ${describeRate(t)}`
    const ratioTo = (t: Throughput, other: Throughput | undefined): number => (other === undefined ? Number.NaN : perSecond(t) / perSecond(other))

    // The absolute targets, judged on kcat (librdkafka) driving Sluice.
    for (const [op, target, other] of [
      ['produce', TARGETS.sluiceProducePerSecond, redisProduce],
      ['consume', TARGETS.sluiceFetchPerSecond, redisConsume],
    ] as const) {
      const name = `broker: Sluice ${op}, ${kcat}`
      const targetText = `>= ${target / 1e6} M rec/s`
      const t = this.#find('Sluice', op, kcat)
      if (t === undefined) {
        reportSkipped(name, this.unavailable.get('Sluice') ?? 'kcat not installed', targetText)
        continue
      }
      report({ name, figure: describeRate(t), baseline: baselineOf(other, 'Redis Streams'), ratio: ratioTo(t, other), target: targetText, pass: perSecond(t) >= target })
    }
    // Every other measurement, informational.
    for (const t of this.#throughputs.values()) {
      if (t.system === 'Sluice' && t.generator === kcat) continue
      report({ name: `broker: ${t.system} ${t.op}, ${t.generator}`, figure: describeRate(t), baseline: '-', ratio: Number.NaN, target: 'info', pass: null })
    }
    for (const system of SYSTEMS) {
      const reason = this.unavailable.get(system)
      if (reason !== undefined && ![...this.#throughputs.values()].some((t) => t.system === system)) reportSkipped(`broker: ${system}`, reason, 'info')
    }
    // Sluice against each other system, best generator each.
    for (const [other, op, factor] of [
      ['Redis Streams', 'produce', TARGETS.produceOverRedis],
      ['NATS JetStream', 'produce', TARGETS.produceOverNats],
      ['Redis Streams', 'consume', null],
      ['NATS JetStream', 'consume', null],
    ] as const) {
      const name = `broker: ${op} throughput, Sluice / ${other} (best generator each)`
      const targetText = factor === null ? 'info' : `>= ${factor}x`
      const sluice = this.best('Sluice', op)
      const theirs = this.best(other, op)
      if (sluice === undefined || theirs === undefined) {
        const missing = sluice === undefined ? 'Sluice' : other
        reportSkipped(name, `${missing} not measured: ${this.unavailable.get(missing) ?? 'no result'}`, targetText)
        continue
      }
      const ratio = perSecond(sluice) / perSecond(theirs)
      report({
        name, figure: `Sluice, ${sluice.generator}: ${describeRate(sluice)}`, baseline: `${other}, ${theirs.generator}: ${describeRate(theirs)}`,
        ratio, target: targetText, pass: factor === null ? null : ratio >= factor,
      })
    }
    // Produce latency at the fixed offered load.
    const ours = this.#latencies.get('Sluice')
    const others = SYSTEMS.filter((s) => s !== 'Sluice').map((s) => {
      const l = this.#latencies.get(s)
      return l === undefined ? `${s}: ${this.unavailable.get(s) ?? 'not measured'}` : `${s} p99 ${l.summary.p99Ms.toFixed(2)} ms`
    }).join('; ')
    const latencyTarget = `p99 <= ${TARGETS.p99Ms} ms`
    const latencyName = (l: { system: string; generator: string; ack: string }): string =>
      `broker: ${l.system} produce latency at ${TARGETS.latencyRatePerSecond / 1000} k rec/s, ${l.ack}, ${l.generator}`
    if (ours === undefined) {
      reportSkipped(latencyName({ system: 'Sluice', generator: '@platformatic/kafka', ack: 'acks=1' }), this.unavailable.get('Sluice') ?? 'not measured', latencyTarget)
    } else {
      // Ratio: our p99 over the lowest p99 of the others (below 1 = Sluice's tail is shorter).
      const otherP99s = [...this.#latencies.values()].filter((l) => l.system !== 'Sluice').map((l) => l.summary.p99Ms)
      const ratio = otherP99s.length === 0 ? Number.NaN : ours.summary.p99Ms / Math.min(...otherP99s)
      report({ name: latencyName(ours), figure: describeLatency(ours.summary), baseline: others, ratio, target: latencyTarget, pass: ours.summary.p99Ms <= TARGETS.p99Ms })
    }
    const rtts = this.requestRtts
    if (rtts !== null) {
      report({
        name: `broker: Sluice produce request round trip at ${TARGETS.latencyRatePerSecond / 1000} k rec/s, acks=1, kcat (librdkafka's rtt per ProduceResponse)`,
        figure: `p50 ${rtts.p50Ms.toFixed(2)} ms, p99 ${rtts.p99Ms.toFixed(2)} ms, max ${rtts.maxMs.toFixed(1)} ms (${rtts.requests} requests)`,
        baseline: '-', ratio: Number.NaN, target: 'info', pass: null,
      })
    }
    for (const l of this.#latencies.values()) {
      if (l.system === 'Sluice') continue
      report({ name: latencyName(l), figure: describeLatency(l.summary), baseline: '-', ratio: Number.NaN, target: 'info', pass: null })
    }
  }
}
