// One process owns a data dir. `DataDirLock.acquire` creates `<dataDir>/.lock` exclusively
// (O_CREAT|O_EXCL, so of two processes racing only one creates it) holding who owns it: pid,
// hostname, start time. A second process finds the file, sees the holder alive and gets
// DATA_DIR_LOCKED naming it; if the holder is dead (kill -9, power loss) the lock is stale and is
// taken over, with a warning. `release()` removes the file if it is still ours.
//
// The lock is about real processes, so it goes to node:fs directly, not through the storage `Fs`.
// A coordinator running on an in-memory Fs (tests) takes `DataDirLock.acquireInMemory` instead,
// which excludes a second opener of the same Fs and path within this process.
import { randomUUID } from 'node:crypto'
import * as nodeFs from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import type { Fs } from '../storage/fs.ts'

/** Name of the lock file inside a data dir. */
export const LOCK_FILE_NAME = '.lock'

/** A lock file whose content cannot be read is assumed mid-creation for this long, then stale. */
const UNREADABLE_LOCK_GRACE_MS = 10_000
/** Takeover attempts before giving up: each one loses only to another process taking the lock. */
const ACQUIRE_ATTEMPTS_MAX = 5

/** What a lock file records about its holder. */
export interface LockHolder {
  pid: number
  hostname: string
  /** ISO time the holder took the lock. */
  startedAt: string
  /** Unique per acquisition, so `release` never removes another process's lock. */
  token: string
}

/** Options of DataDirLock.acquire. */
export interface DataDirLockOptions {
  /** The data dir as the user named it (messages quote it as given); created if missing. */
  dataDir: string
  clock: Clock
  /** Told when a stale lock of a dead process is taken over. */
  onWarning?: (message: string) => void
}

/** Process-local locks for in-memory file systems: Fs → locked data dir paths. */
const inMemoryLocks = new WeakMap<Fs, Set<string>>()

/** Exclusive ownership of a data dir by this process, released by `release()`. */
export class DataDirLock {
  readonly #release: () => Promise<void>
  #released = false

  private constructor(release: () => Promise<void>) {
    this.#release = release
  }

  /** Takes `<dataDir>/.lock` for this process or throws DATA_DIR_LOCKED naming the live holder. */
  static async acquire(options: DataDirLockOptions): Promise<DataDirLock> {
    const { dataDir, clock } = options
    await ensureDataDir(dataDir)
    const path = join(dataDir, LOCK_FILE_NAME)
    const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date(clock.now()).toISOString(), token: randomUUID() }
    const content = `${JSON.stringify(me)}\n`
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS_MAX; attempt++) {
      if (await createExclusive(path, content)) return new DataDirLock(() => removeIfOurs(path, me.token))
      const existing = await readLockFile(path)
      if (existing === 'missing') continue // released between our create and read: try again
      if (existing === 'unreadable') {
        const ageMs = clock.now() - (await mtimeMs(path))
        if (ageMs < UNREADABLE_LOCK_GRACE_MS) {
          throw new SluiceError('DATA_DIR_LOCKED', `data dir ${dataDir} is being locked by another process right now; stop it or use another --data-dir`)
        }
        options.onWarning?.(`data dir ${dataDir}: removing an unreadable lock file ${path} left ${Math.round(ageMs / 1000)} s ago`)
      } else if (existing.hostname !== me.hostname || isAlive(existing.pid)) {
        const where = existing.hostname === me.hostname ? '' : ` on host ${existing.hostname}`
        throw new SluiceError(
          'DATA_DIR_LOCKED',
          `data dir ${dataDir} is in use by process ${existing.pid}${where} (started ${existing.startedAt}); stop it or use another --data-dir` +
            ` (if no such process runs, delete ${path})`,
        )
      } else {
        options.onWarning?.(`data dir ${dataDir} was locked by process ${existing.pid} (started ${existing.startedAt}), which is no longer running; taking the lock over`)
      }
      // Stale. Another process may be taking it over at the same moment: remove the file only if
      // it still holds what we judged stale, then race for the exclusive create again.
      const again = await readLockFile(path)
      if (sameHolder(again, existing)) await unlinkIfPresent(path)
    }
    throw new SluiceError('DATA_DIR_LOCKED', `data dir ${dataDir}: could not take the lock after ${ACQUIRE_ATTEMPTS_MAX} attempts (other processes are racing for it)`)
  }

  /** Takes a process-local lock on `dataDir` of an in-memory `fs`: a second opener gets DATA_DIR_LOCKED. */
  static acquireInMemory(fs: Fs, dataDir: string): DataDirLock {
    let locked = inMemoryLocks.get(fs)
    if (locked === undefined) inMemoryLocks.set(fs, (locked = new Set()))
    if (locked.has(dataDir)) {
      throw new SluiceError('DATA_DIR_LOCKED', `data dir ${dataDir} is in use by this process; close it first or use another --data-dir`)
    }
    locked.add(dataDir)
    const set = locked
    return new DataDirLock(async () => {
      set.delete(dataDir)
    })
  }

  /** Gives the data dir up; idempotent. */
  async release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    await this.#release()
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle: nodeFs.promises.FileHandle
  try {
    handle = await nodeFs.promises.open(path, 'wx', 0o644)
  } catch (error) {
    // EEXIST is the one expected refusal: someone holds (or held) the lock.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return true
}

async function readLockFile(path: string): Promise<LockHolder | 'missing' | 'unreadable'> {
  let text: string
  try {
    text = await nodeFs.promises.readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.startedAt === 'string' && typeof parsed.token === 'string') {
      return parsed as LockHolder
    }
  } catch {
    // Not JSON: an empty or torn file (its creator died between create and write, or is writing).
  }
  return 'unreadable'
}

function sameHolder(a: LockHolder | 'missing' | 'unreadable', b: LockHolder | 'unreadable'): boolean {
  if (a === 'missing') return false
  if (a === 'unreadable' || b === 'unreadable') return a === b
  return a.token === b.token
}

async function mtimeMs(path: string): Promise<number> {
  try {
    return (await nodeFs.promises.stat(path)).mtimeMs
  } catch (error) {
    // Gone meanwhile: treat as old, the next create attempt settles it.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await nodeFs.promises.unlink(path)
  } catch (error) {
    // Someone else removed it first: the next exclusive create decides who gets it.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

async function removeIfOurs(path: string, token: string): Promise<void> {
  const holder = await readLockFile(path)
  if (typeof holder === 'object' && holder.token === token) await unlinkIfPresent(path)
}

/** True if a process with this pid runs on this host (EPERM: it runs, as another user). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

/**
 * A holder killed with SIGKILL stays a zombie until its parent reaps it, and signal 0 still reaches
 * a zombie: on Linux, /proc/<pid>/stat says so (state 'Z'), and a zombie holds no lock.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = nodeFs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Format: "pid (comm) state …"; comm may contain spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return false // no /proc (not Linux) or the process just went: signal 0 already said it existed
  }
}

/** Creates the data dir if needed; a path that is something else than a directory gets a clear error. */
async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await nodeFs.promises.mkdir(dataDir, { recursive: true })
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new SluiceError('INVALID_ARGUMENT', `data dir '${dataDir}' is not a directory (a file is in the way)`, { cause })
    }
    throw new SluiceError('KAFKA_STORAGE_ERROR', `cannot create data dir '${dataDir}': ${(cause as Error).message}`, { cause })
  }
}
