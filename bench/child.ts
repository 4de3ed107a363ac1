// Child processes for the benchmarks that need their own process: filling a log that is then
// killed with SIGKILL (recovery), and consuming with its own RSS (peak memory). Children run the
// TypeScript scripts in bench/children/ through tsx, speak one JSON object per stdout line, and are
// killed when the run ends however it ends (run.ts calls killChildren on exit and on signals).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

const live = new Set<ChildProcess>()

/** A running child script: its process, and a way to wait for its messages and its exit. */
export interface Child {
  process: ChildProcess
  /** Resolves with the next JSON message the child prints (rejects if it exits first). */
  nextMessage(): Promise<Record<string, unknown>>
  /** Resolves with the exit code or signal once the child has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `bench/children/<script>` with `args` under node + tsx. */
export function startChild(script: string, args: readonly string[]): Child {
  const path = fileURLToPath(new URL(`./children/${script}`, import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  live.add(child)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  const messages: Array<Record<string, unknown>> = []
  const waiting: Array<{ resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }> = []
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  lines.on('line', (line) => {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(line) as Record<string, unknown>
    } catch {
      console.log(`[${script}] ${line}`) // not a message: the child's own output, passed through
      return
    }
    const waiter = waiting.shift()
    if (waiter === undefined) messages.push(message)
    else waiter.resolve(message)
  })
  void exited.then(({ code, signal }) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`${script} exited (code ${code}, signal ${signal}) before sending a message`))
  })
  return {
    process: child,
    exited,
    nextMessage: () => {
      const queued = messages.shift()
      if (queued !== undefined) return Promise.resolve(queued)
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${script} exited (code ${child.exitCode}, signal ${child.signalCode}) before sending a message`))
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
    },
  }
}

/** Kills every child still running (SIGKILL: they hold no state worth saving). */
export function killChildren(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

/** Prints one JSON message for the parent (used by the child scripts). */
export function sendToParent(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}
