// kcat (librdkafka) as the Kafka-protocol load generator: the strongest one on a machine without a
// JVM, and the reference client outside Node. Produce reads a file of 100-byte lines (`-l`, one
// record a line) with acks=1 and large batches; fetch reads the topic from the beginning to its end
// (`-e`) with its output to /dev/null, counting the records by the end offset kcat reports. Each
// figure is the wall time of the whole kcat process, start-up and metadata included.
import { createInterface } from 'node:readline'
import { type Tracked, expectSuccess, spawnTracked } from './processes.ts'

/** Producer settings: batches of up to 10,000 records (~1 MB), 5 ms linger, a queue that never blocks the reader. */
export const KCAT_PRODUCE_OPTIONS = [
  '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'batch.size=2000000',
  '-X', 'queue.buffering.max.messages=1000000', '-X', 'queue.buffering.max.kbytes=1048576',
]
/**
 * Consumer settings: 4 MiB per partition fetch, and a local queue big enough that librdkafka never
 * stops fetching because it holds more than queued.min.messages (100,000 by default), after which it
 * only fetches again on a 1 s timer (seen with -d fetch: "not fetchable: queued.min.messages exceeded").
 * fetch.wait.max.ms=10: with -e, kcat learns it reached the end from a Fetch at the high watermark,
 * which the broker long-polls for fetch.wait.max.ms (500 ms by default) before answering empty;
 * that wait is idle time at the end of the run, not fetch throughput (a fetch with data to return
 * is answered at once whatever the setting).
 */
export const KCAT_FETCH_OPTIONS = [
  '-X', 'max.partition.fetch.bytes=4194304', '-X', 'queued.min.messages=10000000', '-X', 'queued.max.messages.kbytes=2097151',
  '-X', 'fetch.wait.max.ms=10',
]

const TIMEOUT_MS = 60_000

/** Produces every line of `linesPath` to `topic`; returns the seconds kcat ran. */
export async function kcatProduce(address: string, topic: string, linesPath: string): Promise<number> {
  const startMs = performance.now()
  const kcat = spawnTracked('kcat', ['-P', '-b', address, '-t', topic, ...KCAT_PRODUCE_OPTIONS, '-l', linesPath])
  const stderr = await expectSuccess(kcat, 'kcat -P', TIMEOUT_MS)
  const seconds = (performance.now() - startMs) / 1000
  // kcat reports failed deliveries on stderr and may still exit 0.
  if (/fail|error/i.test(stderr)) throw new Error(`kcat -P reported: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
  return seconds
}

/**
 * Reads `topic` partition 0 from the beginning to its end; returns the records read and the seconds
 * kcat ran. kcat's output goes to /dev/null: piping 200 MB of lines to a counter made kcat, which is
 * the bottleneck here (it used ~0.9 s of CPU per 2 M records against the broker's ~0.3 s), slower
 * still. The count comes from kcat itself: at the end it reports "Reached end of topic <t> [0] at
 * offset N", and reading from offset 0 of a fresh topic to offset N is N records.
 */
export async function kcatFetch(address: string, topic: string): Promise<{ records: number; seconds: number }> {
  const startMs = performance.now()
  const kcat: Tracked = spawnTracked('kcat', ['-C', '-b', address, '-t', topic, '-p', '0', '-o', 'beginning', '-e', ...KCAT_FETCH_OPTIONS], { stdio: ['ignore', 'ignore', 'pipe'] })
  const stderr = await expectSuccess(kcat, 'kcat -C', TIMEOUT_MS)
  const seconds = (performance.now() - startMs) / 1000
  const end = /Reached end of topic \S+ \[0\] at offset (\d+)/.exec(stderr)
  if (end === null) throw new Error(`kcat -C did not report reaching the end: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
  return { records: Number(end[1]), seconds }
}

/** Produce round trips as librdkafka timed them, at a paced load. */
export interface RequestRtts {
  requests: number
  records: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/**
 * Feeds kcat -P `ratePerSecond` lines for `seconds` (about every millisecond, the lines due, from
 * `lines`, a Buffer of whole lines) with linger.ms=0, and collects the round-trip time librdkafka
 * logs for every ProduceResponse (debug=protocol: "Received ProduceResponse (…, rtt 0.12ms)"). This
 * is the broker's answer time seen by a C client, without a Node generator's event loop in it; it
 * is per request (tens of records each at this rate), not per record.
 */
export async function kcatProduceRtts(address: string, topic: string, lines: Buffer, lineBytes: number, ratePerSecond: number, seconds: number): Promise<RequestRtts> {
  const kcat = spawnTracked('kcat', ['-P', '-b', address, '-t', topic, '-X', 'acks=1', '-X', 'linger.ms=0', '-X', 'debug=protocol'], { stdio: ['pipe', 'ignore', 'pipe'] })
  const rttsMs: number[] = []
  const parse = createInterface({ input: kcat.process.stderr as NodeJS.ReadableStream })
  parse.on('line', (line) => {
    if (!line.includes('Received ProduceResponse')) return
    const match = / rtt ([0-9.]+)ms/.exec(line)
    if (match !== null) rttsMs.push(Number(match[1]))
  })
  const stdin = kcat.process.stdin as NodeJS.WritableStream
  const linesInPool = Math.floor(lines.length / lineBytes)
  const total = Math.round(ratePerSecond * seconds)
  let sent = 0
  const startMs = performance.now()
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - startMs) * ratePerSecond) / 1000))
      while (sent < due) {
        const from = sent % linesInPool
        const count = Math.min(due - sent, linesInPool - from)
        stdin.write(lines.subarray(from * lineBytes, (from + count) * lineBytes))
        sent += count
      }
      if (sent < total) setTimeout(tick, 1)
      else resolve()
    }
    tick()
  })
  stdin.end()
  // kcat may report its own failure on stderr, which the parser above consumes too: the exit code decides.
  await expectSuccess(kcat, 'kcat -P (paced)', TIMEOUT_MS)
  if (rttsMs.length === 0) throw new Error('kcat logged no ProduceResponse round trips')
  rttsMs.sort((a, b) => a - b)
  const at = (q: number): number => rttsMs[Math.min(rttsMs.length - 1, Math.max(0, Math.ceil(q * rttsMs.length) - 1))] as number
  return { requests: rttsMs.length, records: total, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: rttsMs[rttsMs.length - 1] as number }
}
