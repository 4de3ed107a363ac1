// The Sluice broker under test, in its own process: `src/main.ts start` (what `sluice start` and
// `npm start` run) over a scratch data dir, on 127.0.0.1 and a free port, so the load generators
// never share its event loop. Topics get the defaults (flush `interval`, 1 s) and are created by
// the clients' Metadata requests, as Kafka does. With BENCH_BROKER_CPU_PROF=<dir> the broker runs
// under `node --cpu-prof` and writes its profile there when it stops.
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { cpuSecondsOf, spawnTracked, type Tracked } from './processes.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 15_000

/** A running broker child. */
export interface SluiceBroker {
  /** host:port, as Kafka clients take it. */
  address: string
  /** CPU seconds the broker process has used so far. */
  cpuSeconds(): number
  /** SIGTERM (a clean close: listener, then the log), SIGKILL if that takes too long. */
  stop(): Promise<void>
}

/** Starts `sluice start` over `dataDir` and resolves once it listens. */
export async function startSluiceBroker(dataDir: string): Promise<SluiceBroker> {
  const profileDir = process.env['BENCH_BROKER_CPU_PROF']
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  const args = [...nodeArgs, '--import', 'tsx', MAIN, '--data-dir', dataDir, 'start', '--host', '127.0.0.1', '--port', '0', '--status-interval', '1h']
  // cwd at the project root: `--import tsx` is resolved from there.
  const child: Tracked = spawnTracked(process.execPath, args, { cwd: ROOT })
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Sluice broker did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
    const lines = createInterface({ input: child.process.stdout as NodeJS.ReadableStream })
    lines.on('line', (line) => {
      const match = /^listening on (\S+) /.exec(line)
      if (match === null) return
      clearTimeout(timer)
      resolve(match[1] as string)
    })
    child.exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`the Sluice broker exited (code ${exit.code}, signal ${exit.signal}) before listening: ${exit.stderr.trim()}`))
    }, reject)
  }).catch((error: unknown) => {
    child.process.kill('SIGKILL')
    throw error
  })
  if (profileDir !== undefined) console.log(`Sluice broker pid ${child.process.pid} on ${address}, CPU profile to ${profileDir}`)
  let isStopping = false
  // A broker that dies mid-run shows up as refused connections in the clients; say why it died.
  void child.exited.then((exit) => {
    if (!isStopping) console.error(`the Sluice broker exited unexpectedly (code ${exit.code}, signal ${exit.signal}): ${exit.stderr.trim()}`)
  }, () => {})
  return {
    address,
    cpuSeconds: () => cpuSecondsOf(child.process.pid),
    async stop() {
      isStopping = true
      if (child.process.exitCode !== null || child.process.signalCode !== null) return
      const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_TIMEOUT_MS)
      child.process.kill('SIGTERM')
      const exit = await child.exited
      clearTimeout(timer)
      if (exit.code !== 0) throw new Error(`the Sluice broker stopped with code ${exit.code} (signal ${exit.signal}): ${exit.stderr.trim()}`)
    },
  }
}
