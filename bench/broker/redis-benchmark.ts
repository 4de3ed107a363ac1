// redis-benchmark (C, hiredis) as Redis's strongest load generator. Produce: pipelined XADD of one
// 100-byte field (`XADD <key> * f <value>`), 4 connections with 500 commands in flight each (the
// fastest of the -c/-P pairs tried on 2 cores; see bench/README.md). Read: XREAD COUNT 10000 from
// id 0, repeated: it re-reads the stream's first 10,000 entries (redis-benchmark cannot carry an id
// from one reply to the next request), so it measures how fast Redis serves and the client parses
// entries, with those entries hot in the CPU caches: an upper bound for a real consumer, which
// walks the stream (that one is the ioredis child's XREAD loop). Figures are process wall times.
import { expectSuccess, spawnTracked } from './processes.ts'

const CONNECTIONS = 4
const PIPELINE = 500
/** Entries per XREAD in the read run. */
export const XREAD_COUNT = 10_000
const TIMEOUT_MS = 60_000

async function run(host: string, port: number, args: readonly string[]): Promise<{ seconds: number; stdout: string }> {
  const startMs = performance.now()
  const tool = spawnTracked('redis-benchmark', ['-h', host, '-p', String(port), '--csv', ...args])
  let stdout = ''
  tool.process.stdout?.setEncoding('utf8')
  tool.process.stdout?.on('data', (text: string) => (stdout += text))
  await expectSuccess(tool, 'redis-benchmark', TIMEOUT_MS)
  const seconds = (performance.now() - startMs) / 1000
  // A server error ends redis-benchmark with code 1 (expectSuccess throws); a finished test prints its CSV row.
  if (stdout.trim().split('\n').length < 2) throw new Error(`redis-benchmark printed no result: ${stdout.trim().slice(0, 300)}`)
  return { seconds, stdout }
}

/** `records` pipelined XADDs of `value` to `key`; returns the seconds redis-benchmark ran. */
export async function redisBenchmarkXadd(host: string, port: number, key: string, records: number, value: string): Promise<number> {
  const { seconds } = await run(host, port, ['-c', String(CONNECTIONS), '-P', String(PIPELINE), '-n', String(records), 'XADD', key, '*', 'f', value])
  return seconds
}

/** `records` / XREAD_COUNT XREADs of the first XREAD_COUNT entries of `key`; returns entries delivered and seconds. */
export async function redisBenchmarkXread(host: string, port: number, key: string, records: number): Promise<{ records: number; seconds: number }> {
  const requests = Math.ceil(records / XREAD_COUNT)
  const { seconds } = await run(host, port, ['-c', '1', '-P', '1', '-n', String(requests), 'XREAD', 'COUNT', String(XREAD_COUNT), 'STREAMS', key, '0'])
  return { records: requests * XREAD_COUNT, seconds }
}
