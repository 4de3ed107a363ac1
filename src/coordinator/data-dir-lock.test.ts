import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { systemClock } from '../base/clock.ts'
import { isSluiceError } from '../base/errors.ts'
import { MemoryFs } from '../testing/memory-fs.ts'
import { DataDirLock, LOCK_FILE_NAME } from './data-dir-lock.ts'

const LOCK_MODULE = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url))

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sluice-lock-'))
}

/** Starts `node --import tsx` running `code` (an ES module that may import LOCK_MODULE). */
function node(code: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
}

function collect(child: ChildProcess): Promise<{ stdout: string; stderr: string; code: number | null }> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ stdout, stderr, code })))
}

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.includes(line)) resolve()
    })
    child.on('close', (code) => reject(new Error(`child exited (${code}) before printing ${line}`)))
  })
}

/** A pid that certainly names no running process: a child that already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('close', resolve))
  return child.pid!
}

const tryLockScript = (dir: string): string => `
  const { DataDirLock } = await import(${JSON.stringify(LOCK_MODULE)})
  const { systemClock } = await import(${JSON.stringify(fileURLToPath(new URL('../base/clock.ts', import.meta.url)))})
  try {
    const lock = await DataDirLock.acquire({ dataDir: ${JSON.stringify(dir)}, clock: systemClock })
    console.log('LOCKED')
    await lock.release()
  } catch (error) {
    console.log(error.code + ': ' + error.message)
  }
`

test('acquire writes pid, hostname and start time into <dataDir>/.lock and release removes it', async () => {
  const root = tempDir()
  const dir = join(root, 'nested', 'data')
  try {
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock })
    const holder = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))
    assert.equal(holder.pid, process.pid)
    assert.equal(holder.hostname, hostname())
    assert.ok(!Number.isNaN(Date.parse(holder.startedAt)))
    await lock.release()
    assert.equal(existsSync(join(dir, LOCK_FILE_NAME)), false)
    await lock.release()
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('a second process gets DATA_DIR_LOCKED naming the holder pid while the lock is held', async () => {
  const dir = tempDir()
  try {
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock })
    const { stdout } = await collect(node(tryLockScript(dir)))
    assert.match(stdout, /^DATA_DIR_LOCKED: data dir .* is in use by process (\d+) \(started .*\); stop it or use another --data-dir/)
    assert.equal(Number(/process (\d+)/.exec(stdout)![1]), process.pid)
    await lock.release()
    const after = await collect(node(tryLockScript(dir)))
    assert.equal(after.stdout.trim(), 'LOCKED', after.stderr)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the same process cannot lock a data dir twice', async () => {
  const dir = tempDir()
  try {
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock })
    await assert.rejects(DataDirLock.acquire({ dataDir: dir, clock: systemClock }), (e) => isSluiceError(e, 'DATA_DIR_LOCKED'))
    await lock.release()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a lock left by a killed process is taken over with a warning', async () => {
  const dir = tempDir()
  try {
    const holder = node(`
      const { DataDirLock } = await import(${JSON.stringify(LOCK_MODULE)})
      await DataDirLock.acquire({ dataDir: ${JSON.stringify(dir)}, clock: { now: () => Date.now() } })
      console.log('HELD')
      setInterval(() => {}, 1000)
    `)
    const closed = collect(holder)
    await waitForLine(holder, 'HELD')
    await assert.rejects(DataDirLock.acquire({ dataDir: dir, clock: systemClock }), (e) => isSluiceError(e, 'DATA_DIR_LOCKED') && e.message.includes(`process ${holder.pid}`))
    holder.kill('SIGKILL')
    await closed
    const warnings: string[] = []
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock, onWarning: (m) => warnings.push(m) })
    assert.equal(warnings.length, 1)
    assert.match(warnings[0]!, new RegExp(`locked by process ${holder.pid} .*no longer running; taking the lock over`))
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid, process.pid)
    await lock.release()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a lock file naming a dead pid is stale', async () => {
  const dir = tempDir()
  try {
    const pid = await deadPid()
    writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid, hostname: hostname(), startedAt: '2020-01-01T00:00:00.000Z', token: 'old' }))
    const warnings: string[] = []
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock, onWarning: (m) => warnings.push(m) })
    assert.deepEqual(warnings.length, 1)
    assert.ok(warnings[0]!.includes(`process ${pid}`))
    await lock.release()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a lock held on another host is refused, naming that host', async () => {
  const dir = tempDir()
  try {
    writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: 1, hostname: 'elsewhere.example', startedAt: '2020-01-01T00:00:00.000Z', token: 't' }))
    await assert.rejects(
      DataDirLock.acquire({ dataDir: dir, clock: systemClock }),
      (e) => isSluiceError(e, 'DATA_DIR_LOCKED') && e.message.includes('on host elsewhere.example'),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('an unreadable lock file is respected while fresh and taken over once old', async () => {
  const dir = tempDir()
  const path = join(dir, LOCK_FILE_NAME)
  try {
    writeFileSync(path, '')
    await assert.rejects(DataDirLock.acquire({ dataDir: dir, clock: systemClock }), (e) => isSluiceError(e, 'DATA_DIR_LOCKED'))
    const old = new Date(Date.now() - 60_000)
    utimesSync(path, old, old)
    const warnings: string[] = []
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock, onWarning: (m) => warnings.push(m) })
    assert.match(warnings[0]!, /unreadable lock file/)
    await lock.release()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('release leaves alone a lock file that another process has since taken', async () => {
  const dir = tempDir()
  const path = join(dir, LOCK_FILE_NAME)
  try {
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock })
    const other = JSON.stringify({ pid: 1, hostname: hostname(), startedAt: '2020-01-01T00:00:00.000Z', token: 'someone-else' })
    writeFileSync(path, other)
    await lock.release()
    assert.equal(readFileSync(path, 'utf8'), other)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('in-memory locks exclude a second opener of the same Fs and dir until released', async () => {
  const fs = new MemoryFs()
  const lock = DataDirLock.acquireInMemory(fs, '/data')
  assert.throws(() => DataDirLock.acquireInMemory(fs, '/data'), (e) => isSluiceError(e, 'DATA_DIR_LOCKED'))
  DataDirLock.acquireInMemory(new MemoryFs(), '/data')
  const otherDir = DataDirLock.acquireInMemory(fs, '/other')
  await lock.release()
  await DataDirLock.acquireInMemory(fs, '/data').release()
  await otherDir.release()
})

test('a data dir path that is a file is refused with a clear error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lock-file-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'not-a-dir')
  writeFileSync(file, 'x')
  await assert.rejects(DataDirLock.acquire({ dataDir: file, clock: systemClock }), (error: unknown) =>
    isSluiceError(error, 'INVALID_ARGUMENT') && /is not a directory/.test((error as Error).message))
})

test('a holder killed with SIGKILL but not yet reaped (a zombie) no longer holds the lock', { skip: process.platform !== 'linux' ? 'zombie detection reads /proc (Linux only)' : false }, async () => {
  const dir = tempDir()
  // sh starts the holder in the background, then execs `sleep`, which never reaps it: once killed,
  // the holder stays a zombie until sleep exits.
  const holderCode = `
    const { DataDirLock } = await import(${JSON.stringify(LOCK_MODULE)})
    await DataDirLock.acquire({ dataDir: ${JSON.stringify(dir)}, clock: { now: () => Date.now() } })
    console.log('HELD ' + process.pid)
    setInterval(() => {}, 1000)
  `
  const quoted = `'${holderCode.replace(/'/g, `'\\''`)}'`
  const shell = spawn('sh', ['-c', `${JSON.stringify(process.execPath)} --import tsx --input-type=module -e ${quoted} & exec sleep 30`], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    let seen = ''
    const pid = await new Promise<number>((resolve, reject) => {
      shell.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        const match = /HELD (\d+)/.exec(seen)
        if (match) resolve(Number(match[1]))
      })
      shell.on('close', () => reject(new Error(`holder exited before holding the lock: ${seen}`)))
    })
    process.kill(pid, 'SIGKILL')
    // Wait until the kernel shows it as a zombie.
    for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'); i++) await new Promise((r) => setTimeout(r, 20))
    const lock = await DataDirLock.acquire({ dataDir: dir, clock: systemClock, onWarning: () => {} })
    await lock.release()
  } finally {
    shell.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})
