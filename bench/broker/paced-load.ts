// Produce latency at a fixed offered load, the same way for every system: an open-loop generator
// that, about once a millisecond, hands the client every record that has come due since the last
// tick (at `ratePerSecond`), without waiting for earlier acks, and notes for each record the time
// from that hand-over to its ack. Open loop matters: a generator that waits for acks before sending
// more hides a broker stall (it just sends less), which is the coordinated omission that makes
// closed-loop latency figures look better than what producers see. Used by the client children.

/** What one paced run measured; latencies are per record, in milliseconds. */
export interface LatencySummary {
  records: number
  /** The rate actually offered: records over the time from the first to the last hand-over. */
  offeredPerSecond: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** How late the generator's ticks ran behind the schedule (p99): large means the offered load was not kept. */
  lagP99Ms: number
}

/** Records handed to the client in one send at most (~110 KB of 100-byte records). */
export const RECORDS_PER_SEND_MAX = 1000

/** Sends `count` records starting at record number `from`; resolves when the system acknowledged all of them. */
export type SendRecords = (from: number, count: number) => Promise<void>

/** Offers `ratePerSecond` records for `seconds` through `send` and returns the per-record send-to-ack latencies. */
export async function pacedLoad(ratePerSecond: number, seconds: number, send: SendRecords): Promise<LatencySummary> {
  const total = Math.round(ratePerSecond * seconds)
  const latenciesMs = new Float64Array(total)
  const lagsMs: number[] = []
  const startMs = performance.now()
  let lastSendMs = startMs
  let sent = 0
  let acked = 0
  await new Promise<void>((resolve, reject) => {
    const tick = (): void => {
      const nowMs = performance.now()
      const due = Math.min(total, Math.floor(((nowMs - startMs) * ratePerSecond) / 1000))
      if (due > sent) {
        lagsMs.push(nowMs - (startMs + (sent * 1000) / ratePerSecond))
        lastSendMs = nowMs
        // After a stall (the generator's GC, a busy core) many records are due at once; they go in
        // sends of at most RECORDS_PER_SEND_MAX, as a producer splits batches (a Kafka broker
        // refuses a batch over max.message.bytes, 1 MiB by default).
        while (sent < due) {
          const from = sent
          const count = Math.min(RECORDS_PER_SEND_MAX, due - from)
          sent += count
          send(from, count).then(() => {
            latenciesMs.fill(performance.now() - nowMs, from, from + count)
            acked += count
            if (acked === total) resolve()
          }, reject)
        }
      }
      // setTimeout(1) wakes ~1 ms later: records due in between go together in the next tick.
      if (sent < total) setTimeout(tick, 1)
    }
    tick()
  })
  latenciesMs.sort()
  return {
    records: total,
    offeredPerSecond: total / Math.max((lastSendMs - startMs) / 1000, 1e-9),
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
    maxMs: latenciesMs[total - 1] ?? Number.NaN,
    lagP99Ms: percentile(Float64Array.from(lagsMs).sort(), 0.99),
  }
}

/** The value at quantile `q` of ascending `sorted` (nearest rank). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}
