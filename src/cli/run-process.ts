// Runs the CLI as the whole process: wires runCli to the real stdin/stdout/stderr, environment and
// clock, turns SIGINT/SIGTERM into the stop signal (a second one exits at once), and exits with
// runCli's code once stdout has drained. Exiting explicitly means a handle left open by mistake can
// never keep a finished command alive. Used by src/main.ts, the entry of both `sluice …` and `npm start`.
import { systemClock } from '../base/clock.ts'
import type { Serve } from './context.ts'
import { runCli } from './program.ts'

/** Runs `sluice <argv…>` in this process and exits with its code. */
export async function runProcess(argv: readonly string[], wiring: { serve?: Serve } = {}): Promise<never> {
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143)
    stop.abort(new Error(`stopped by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A reader that went away (`sluice consume t | head`) is handled by the command writing to
  // stdout; this listener only keeps a late EPIPE from becoming an uncaught exception.
  process.stdout.on('error', () => {})

  const code = await runCli(argv, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
    stopSignal: stop.signal,
    ...(wiring.serve !== undefined && { serve: wiring.serve }),
  })
  // An empty write's callback runs after everything queued before it has been handed to the OS.
  await new Promise<void>((resolve) => {
    if (process.stdout.writableLength === 0 || process.stdout.destroyed) resolve()
    else process.stdout.write('', () => resolve())
  })
  process.exit(code)
}
