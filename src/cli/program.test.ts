// In-process tests of the command tree and its error plumbing: runCli with captured streams, for
// everything that fails or answers before a data dir is opened (help, usage errors, bad option
// values). The child-process tests (cli-*.test.ts) cover the commands that open one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PassThrough, Writable } from 'node:stream'
import type { Command } from 'commander'
import { SluiceError } from '../base/errors.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import type { CliEnvironment } from './context.ts'
import { buildProgram, runCli } from './program.ts'
import { reportError } from './report-error.ts'

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function environment(): CliEnvironment & { stdout: Capture; stderr: Capture } {
  return {
    stdin: new PassThrough(),
    stdout: new Capture(),
    stderr: new Capture(),
    env: {},
    clock: new ManualClock(),
    stopSignal: new AbortController().signal,
  }
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = environment()
  // Never touch a real data dir from these tests: anything that gets that far fails loudly.
  const code = await runCli(['--data-dir', '/nonexistent/sluice-program-test', ...argv], env)
  return { code, stdout: env.stdout.text, stderr: env.stderr.text }
}

function allCommands(command: Command, path: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...path, sub.name()], ...allCommands(sub, [...path, sub.name()])])
}

test('--help works on the program and on every command and subcommand', async () => {
  const paths = allCommands(buildProgram(environment()))
  for (const name of ['topic', 'produce', 'consume', 'group', 'start']) assert.ok(paths.some((p) => p[0] === name), name)
  for (const path of [[], ...paths]) {
    const result = await run([...path, '--help'])
    assert.equal(result.code, 0, `${path.join(' ')} --help: ${result.stderr}`)
    assert.match(result.stdout, new RegExp(`^Usage: sluice${path.length === 0 ? '' : ' ' + path.join(' ')}`), path.join(' '))
    assert.equal(result.stderr, '')
  }
})

test('usage errors print one line and exit 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['topic', 'frobnicate'], /unknown command 'frobnicate'/],
    [['consume'], /missing required argument 'topic'/],
    [['topic', 'list', '--frmat', 'json'], /unknown option '--frmat'.*--format/],
    [['--format', 'yaml', 'topic', 'list'], /'yaml' is invalid/],
    [['produce', 't', '--acks', '2'], /'2' is invalid/],
    [['group', 'seek', 'g', '--topic', 't'], /--to <spec>/],
  ]
  for (const [argv, pattern] of cases) {
    const result = await run(argv)
    assert.equal(result.code, 2, argv.join(' '))
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^sluice: error: [^\n]+\n$/, argv.join(' '))
    assert.match(result.stderr, pattern, argv.join(' '))
  }
})

test('bad option values fail with one line and exit 1 before any data dir is opened', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['consume', 't', '-o', 'soon'], /invalid offset 'soon'/],
    [['consume', 't', '-n', 'ten'], /invalid count 'ten'/],
    [['consume', 't', '-F', '%q'], /unknown conversion '%q'/],
    [['consume', 't', '-p', '1', '-g', 'g'], /exclude each other/],
    [['produce', 't', '-k', 'a', '-K', ':'], /exclude each other/],
    [['topic', 'create', 't', '-p', '0'], /invalid partition count '0'/],
    [['topic', 'create', 't', '-c', 'retention.ms'], /invalid config 'retention.ms' \(expected name=value\)/],
    [['topic', 'alter-config', 't'], /nothing to alter/],
    [['start', '--status-interval', 'often'], /invalid duration 'often'/],
  ]
  for (const [argv, pattern] of cases) {
    const result = await run(argv)
    assert.equal(result.code, 1, argv.join(' '))
    assert.match(result.stderr, /^sluice: error: [^\n]+\n$/, argv.join(' '))
    assert.match(result.stderr, pattern, argv.join(' '))
  }
})

test('expected errors print no stack unless SLUICE_DEBUG=1; bugs always print one', () => {
  const quiet = new Capture()
  assert.equal(reportError(new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', "unknown topic 'x'"), quiet, {}), 1)
  assert.equal(quiet.text, "sluice: error: unknown topic 'x'\n")

  const debug = new Capture()
  const cause = new Error('disk on fire')
  reportError(new SluiceError('KAFKA_STORAGE_ERROR', 'cannot append', { cause }), debug, { SLUICE_DEBUG: '1' })
  assert.match(debug.text, /^sluice: error: cannot append\n/)
  assert.match(debug.text, /caused by:\nError: disk on fire\n\s+at /)

  const system = new Capture()
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT', syscall: 'open' })
  assert.equal(reportError(enoent, system, {}), 1)
  assert.equal(system.text, "sluice: error: ENOENT: no such file or directory, open 'x'\n")

  const bug = new Capture()
  assert.equal(reportError(new TypeError('x is not a function'), bug, {}), 1)
  assert.match(bug.text, /^sluice: internal error: x is not a function\nTypeError: x is not a function\n\s+at /)
})
