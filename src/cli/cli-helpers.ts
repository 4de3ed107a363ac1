// Test helpers for the CLI tests: run the real `sluice` command (node bin/sluice.js) as a child
// process with its own temporary data dir, feed it stdin, and collect stdout, stderr and the exit
// code. Each spawn costs ~0.5 s of tsx startup, so the tests batch their checks per invocation.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The project root, where bin/sluice.js lives. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** What a finished `sluice` run left behind. */
export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A temporary data dir and a way to run sluice against it. */
export interface Sandbox {
  dataDir: string
  /** Runs `sluice --data-dir <dir> ...args`, writing `input` (if any) to its stdin. */
  run(args: readonly string[], input?: string | Buffer): Promise<RunResult>
  /** Like run, but fails the test unless sluice exited 0. */
  ok(args: readonly string[], input?: string | Buffer): Promise<RunResult>
  /** Starts `sluice --data-dir <dir> ...args` and returns the live child. */
  spawn(args: readonly string[]): ChildProcessWithoutNullStreams
  /** Removes the data dir. */
  remove(): void
}

/** Makes a sandbox with a fresh temporary data dir. */
export function sandbox(label: string): Sandbox {
  const dataDir = mkdtempSync(join(tmpdir(), `sluice-cli-${label}-`))
  const start = (args: readonly string[]): ChildProcessWithoutNullStreams =>
    spawn(process.execPath, [join(ROOT, 'bin/sluice.js'), '--data-dir', dataDir, ...args], {
      cwd: ROOT,
      env: { ...process.env, SLUICE_DEBUG: '' },
    })
  return {
    dataDir,
    spawn: start,
    run: (args, input) => finished(start(args), input),
    ok: async (args, input) => {
      const result = await finished(start(args), input)
      assert.equal(result.code, 0, `sluice ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
      return result
    },
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  }
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcessWithoutNullStreams, input?: string | Buffer): Promise<RunResult> {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => stdout.push(b))
  child.stderr.on('data', (b: Buffer) => stderr.push(b))
  // The child may exit before reading all its input (an error case): ignore EPIPE on its stdin.
  child.stdin.on('error', () => {})
  child.stdin.end(input)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({
      code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'),
    }))
  })
}

/** Resolves once the child's stream has printed text matching `pattern` (all output so far is returned). */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp | ((seen: string) => boolean), timeoutMs = 15_000): Promise<string> {
  const matches = typeof pattern === 'function' ? pattern : (seen: string) => pattern.test(seen)
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => { stream.off('data', onData); reject(new Error(`timed out waiting for ${String(pattern)}; saw: ${seen}`)) }, timeoutMs)
    function onData(b: Buffer): void {
      seen += b.toString('utf8')
      if (matches(seen)) {
        clearTimeout(timer)
        stream.off('data', onData)
        resolve(seen)
      }
    }
    stream.on('data', onData)
  })
}

/** `count` lines 'prefix-00000'…, each ending in '\n'. */
export function numberedLines(prefix: string, count: number, from = 0): string {
  let out = ''
  for (let i = from; i < from + count; i++) out += `${prefix}-${String(i).padStart(5, '0')}\n`
  return out
}
