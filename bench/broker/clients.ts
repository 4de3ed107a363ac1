// Running a client child (children/*-client.ts) through bench/child.ts's startChild, which kills
// it if the run is interrupted: one child per system and round runs its phases in order and sends
// one message per phase; this waits for all of them and for a clean exit.
import { startChild } from '../child.ts'
import type { LatencySummary } from './paced-load.ts'
import type { Phase, ThroughputMessage } from './children/phases.ts'

/** The client children, by file name under bench/broker/children/. */
export type ClientScript = 'kafka-client.ts' | 'redis-client.ts' | 'nats-client.ts'

/** One message per phase, in phase order. */
export type PhaseResult = ThroughputMessage | ({ op: 'latency' } & LatencySummary)

/** Runs `phases` in a fresh `script` child against `address`; kills it after `timeoutMs` (a consumer waiting for records that never come). */
export async function runClient(script: ClientScript, address: string, phases: readonly Phase[], timeoutMs: number): Promise<PhaseResult[]> {
  // startChild resolves scripts under bench/children/; these live in bench/broker/children/.
  const child = startChild(`../broker/children/${script}`, [address, JSON.stringify(phases)])
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.process.kill('SIGKILL')
  }, timeoutMs)
  try {
    const results: PhaseResult[] = []
    for (let i = 0; i < phases.length; i++) results.push((await child.nextMessage()) as unknown as PhaseResult)
    const { code, signal } = await child.exited
    if (code !== 0) throw new Error(`${script} exited with code ${code} (signal ${signal})`)
    return results
  } catch (error) {
    child.process.kill('SIGKILL')
    if (timedOut) throw new Error(`${script} did not finish ${phases.map((p) => p.op).join(', ')} within ${timeoutMs} ms`, { cause: error })
    throw error
  } finally {
    clearTimeout(timer)
  }
}
