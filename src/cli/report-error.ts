// Turns whatever a command threw into what the user sees: one line on stderr and an exit code.
// Expected failures (SluiceError, a system error such as ENOENT or EACCES, a usage error from
// commander) print `sluice: error: <message>` without a stack; the stack, with the chain of causes,
// only with SLUICE_DEBUG=1. Anything else is a bug in Sluice and prints its stack.
import { CommanderError } from 'commander'
import { isSluiceError } from '../base/errors.ts'

/** Exit codes: 0 ok, 1 a user or environment error, 2 a usage error (as commander reports it). */
export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

/** True for Node's system errors (ENOENT, EACCES, EPIPE…): the environment, not a bug. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
}

function stackWithCauses(error: unknown): string {
  const lines: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    lines.push(depth === 0 ? '' : 'caused by:', current instanceof Error ? (current.stack ?? String(current)) : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return lines.filter((l) => l !== '').join('\n') + '\n'
}

/** One line for a message that might span several (commander adds "(Did you mean …?)" lines). */
export function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, ' ')
}

/**
 * Prints `error` to stderr and returns the exit code. Commander's own usage errors were already
 * printed by its outputError hook (see program.ts), so only their exit code is decided here.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv): number {
  const isDebug = env['SLUICE_DEBUG'] === '1'
  if (error instanceof CommanderError) {
    // helpDisplayed / version: not errors at all.
    if (error.exitCode === 0) return EXIT_OK
    if (isDebug) stderr.write(stackWithCauses(error))
    return EXIT_USAGE
  }
  if (isSluiceError(error) || isSystemError(error)) {
    stderr.write(`sluice: error: ${oneLine(error.message)}\n`)
    if (isDebug) stderr.write(stackWithCauses(error))
    return EXIT_ERROR
  }
  const message = error instanceof Error ? error.message : String(error)
  stderr.write(`sluice: internal error: ${oneLine(message)}\n`)
  stderr.write(stackWithCauses(error))
  return EXIT_ERROR
}
