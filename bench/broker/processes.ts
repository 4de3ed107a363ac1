// The external processes of the broker benchmark (the Sluice broker child, kcat,
// redis-benchmark): started here so that bench/run.ts can kill whatever is still running when the
// run ends however it ends (it calls killBrokerProcesses on exit and signals, beside
// child.ts's killChildren for the Node client children). Also: is a command installed, is a port
// open, and reading a process's CPU time from /proc.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'

const live = new Set<ChildProcess>()

/** How a tracked process ended, with what it printed on stderr (kept for error messages). */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

/** A process started with spawnTracked: the process and its exit (resolved once it has closed). */
export interface Tracked {
  process: ChildProcess
  exited: Promise<Exit>
}

/** Starts `command`, tracked until it closes; stderr is collected unless `options.stdio` routes it elsewhere. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): Tracked {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  live.add(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    // Only the tail matters for an error message; a chatty tool must not grow this without bound.
    stderr = (stderr + text).slice(-8192)
  })
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', (error) => {
      live.delete(child)
      reject(new Error(`${command} could not be started: ${error.message}`, { cause: error }))
    })
    child.on('close', (code, signal) => {
      live.delete(child)
      resolve({ code, signal, stderr })
    })
  })
  return { process: child, exited }
}

/** Waits for `tracked` to exit with code 0 within `timeoutMs` (else kills it) and returns its stderr. */
export async function expectSuccess(tracked: Tracked, what: string, timeoutMs: number): Promise<string> {
  const timer = setTimeout(() => tracked.process.kill('SIGKILL'), timeoutMs)
  try {
    const exit = await tracked.exited
    if (exit.code !== 0) {
      const how = exit.signal === 'SIGKILL' ? `was killed after ${timeoutMs} ms` : `exited with code ${exit.code} (signal ${exit.signal})`
      throw new Error(`${what} ${how}: ${exit.stderr.trim().split('\n').slice(-5).join(' | ')}`)
    }
    return exit.stderr
  } finally {
    clearTimeout(timer)
  }
}

/** Kills every tracked process still running (SIGKILL: none holds state worth saving). */
export function killBrokerProcesses(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

/** What `command args` prints (stdout and stderr), or null when it cannot be run or fails. */
export function commandOutput(command: string, args: readonly string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 5000 })
  return result.error === undefined && result.status === 0 ? `${result.stdout}${result.stderr}` : null
}

/** Whether `command` can be run (by running it with `versionArgs`). */
export function hasCommand(command: string, versionArgs: readonly string[]): boolean {
  const result = spawnSync(command, versionArgs, { stdio: 'ignore', timeout: 5000 })
  return result.error === undefined && result.status === 0
}

/** Whether a TCP connection to host:port succeeds within `timeoutMs`; the reason when not. */
export function probePort(host: string, port: number, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (reason: string | null): void => {
      socket.destroy()
      resolve(reason)
    }
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs} ms`))
    socket.once('connect', () => done(null))
    socket.once('error', (error: NodeJS.ErrnoException) => done(`${host}:${port} not reachable (${error.code ?? error.message})`))
  })
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is no /proc. */
export function cpuSecondsOf(pid: number | undefined): number {
  const path = `/proc/${pid}/stat`
  if (pid === undefined || !existsSync(path)) return Number.NaN
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (in clock ticks).
  const text = readFileSync(path, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const ticksPerSecond = 100 // USER_HZ, 100 on every Linux that Node supports
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}
