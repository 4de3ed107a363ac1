// Test kit: kcat (librdkafka), the reference non-Node Kafka client, for the broker's compatibility
// tests. It comes from Debian's package (.ci/run installs it); without it a test is skipped with a
// printed reason, except on CI, where its absence fails the test.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'

/** True when a `kcat` binary is on the PATH. */
export const hasKcat = spawnSync('kcat', ['-V']).status === 0

/** Skips the test `t` (returning true) when kcat is missing; fails it on CI. */
export function skipWithoutKcat(t: { skip: (reason: string) => void }): boolean {
  if (hasKcat) return false
  if (process.env['CI'] === 'true') assert.fail('CI needs kcat for the librdkafka compatibility tests (apt-get install kcat)')
  console.log('# kcat not installed, librdkafka compatibility skipped')
  t.skip('kcat not installed')
  return true
}

/** Runs kcat with `input` on stdin; resolves its stdout, rejects with its stderr on a non-zero exit or after 20 s. */
export function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`))
    })
    child.stdin.end(input ?? '')
  })
}
