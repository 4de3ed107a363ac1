// An in-memory `Fs` (storage/fs.ts) for tests that models a crash: every file keeps the bytes that
// were fsynced apart from the writes still in the "page cache", and every directory keeps the
// entries that were made durable by an fsync of that directory apart from newer creates, renames
// and removals. `crash()` returns a fresh view of what a disk would hold after power loss: unsynced
// data dropped, or torn (a random prefix of the unsynced writes kept, perhaps with a zero-filled
// tail), and a random prefix of the unsynced directory changes. It also flips bytes, truncates
// files and injects EIO/ENOSPC on the next operations on a path, and counts fsyncs.
// The inodes and the crash image are in memory-fs-inodes.ts.
import { posix } from 'node:path'
import { Random } from '../base/random.ts'
import { tempPathFor, type FileHandle, type FileStat, type Fs, type OpenMode } from '../storage/fs.ts'
import { DirNode, FileNode, diskAfterCrash, fsError, type CrashMode, type MetaChange, type Node } from './memory-fs-inodes.ts'

/** Operations a fault can be injected into. */
export type FaultOp = 'open' | 'read' | 'write' | 'sync' | 'truncate' | 'rename' | 'unlink' | 'mkdir' | 'readdir' | 'fsyncDir'

/** One injected failure: the next `times` calls of `op` on a matching path fail with `code`. */
export interface Fault {
  op: FaultOp
  /** Exact path (also matching `path.<suffix>`, e.g. temporary files), or a pattern. */
  path: string | RegExp
  code: 'EIO' | 'ENOSPC'
  /** How many calls fail; Infinity for a dead disk. Default 1. */
  times?: number
}

export type { CrashMode } from './memory-fs-inodes.ts'

/** Options of a MemoryFs. */
export interface MemoryFsOptions {
  /** Awaited inside every file fsync before it completes; default: one setImmediate turn. */
  syncLatency?: () => Promise<void>
}

class MemoryFileHandle implements FileHandle {
  readonly path: string
  #fs: MemoryFs
  #node: FileNode
  #writable: boolean
  #closed = false

  constructor(fs: MemoryFs, path: string, node: FileNode, writable: boolean) {
    this.#fs = fs
    this.path = path
    this.#node = node
    this.#writable = writable
  }

  #check(op: FaultOp | null, syscall: string): void {
    if (this.#closed) throw fsError('EBADF', syscall, this.path, 'bad file descriptor')
    this.#fs.checkAlive(syscall, this.path)
    if (op !== null) this.#fs.checkFault(op, syscall, this.path)
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.#check('read', 'read')
    const count = Math.max(0, Math.min(length, this.#node.size - position))
    this.#node.data.copy(buffer, offset, position, position + count)
    return count
  }

  write(buffer: Buffer, offset: number, length: number, position: number): void {
    this.#check('write', 'write')
    if (!this.#writable) throw fsError('EBADF', 'write', this.path, 'bad file descriptor')
    this.#node.put(buffer, offset, length, position)
    this.#node.pending.push({ kind: 'write', pos: position, len: length })
  }

  async sync(): Promise<void> {
    this.#check('sync', 'fsync')
    const count = this.#node.pending.length
    this.#fs.recordSync(this.path)
    await this.#fs.syncLatency()
    this.#check(null, 'fsync')
    this.#node.commit(count)
  }

  async truncate(length: number): Promise<void> {
    this.#check('truncate', 'ftruncate')
    if (!this.#writable) throw fsError('EBADF', 'ftruncate', this.path, 'bad file descriptor')
    this.#node.setSize(length)
    this.#node.pending.push({ kind: 'truncate', len: length })
  }

  async size(): Promise<number> {
    this.#check(null, 'fstat')
    return this.#node.size
  }

  async close(): Promise<void> {
    if (this.#closed) throw fsError('EBADF', 'close', this.path, 'bad file descriptor')
    this.#closed = true
  }
}

/** An in-memory file system with crash simulation and fault injection, for tests. */
export class MemoryFs implements Fs {
  #root = new DirNode()
  #meta: MetaChange[][] = []
  #faults: Required<Fault>[] = []
  #crashed = false
  #syncLatency: () => Promise<void>
  #syncsByPath = new Map<string, number>()
  #dirSyncs = 0

  constructor(options: MemoryFsOptions = {}) {
    this.#syncLatency = options.syncLatency ?? (() => new Promise<void>((resolve) => setImmediate(resolve)))
  }

  // ---- crash, corruption and faults -------------------------------------------------------

  /** A new MemoryFs holding what the disk would after a crash now; this one stops working. */
  crash(options: { mode: CrashMode; random?: Random }): MemoryFs {
    this.#crashed = true
    const next = new MemoryFs({ syncLatency: this.#syncLatency })
    next.#root = diskAfterCrash(this.#root, this.#meta, options.mode, options.random ?? new Random())
    return next
  }

  /** XORs the byte at `position` with `mask` (default 0xff), on the live and the durable image. */
  flipByte(path: string, position: number, mask = 0xff): void {
    const node = this.#file(path, 'flip')
    if (position >= node.size) throw new RangeError(`flipByte: position ${position} beyond ${path} (${node.size} bytes)`)
    node.data[position] = (node.data[position] as number) ^ mask
    if (position < node.syncedSize) node.synced[position] = (node.synced[position] as number) ^ mask
  }

  /** Cuts a file to `length` bytes, live and durable, as a damaged disk would. */
  truncateFile(path: string, length: number): void {
    const node = this.#file(path, 'truncate')
    node.size = Math.min(node.size, length)
    node.syncedSize = Math.min(node.syncedSize, length)
  }

  /** Makes the next `times` (default 1) calls of `op` on a matching path fail with `code`. */
  injectFault(fault: Fault): void {
    this.#faults.push({ times: 1, ...fault })
  }

  /** Removes all injected faults that have not fired yet. */
  clearFaults(): void {
    this.#faults = []
  }

  /** File fsyncs started so far, on one path or in total. */
  syncCount(path?: string): number {
    if (path !== undefined) return this.#syncsByPath.get(posix.resolve('/', path)) ?? 0
    let total = 0
    for (const count of this.#syncsByPath.values()) total += count
    return total
  }

  /** Directory fsyncs so far. */
  get dirSyncCount(): number {
    return this.#dirSyncs
  }

  /** Bytes of `path` written since its last fsync (for assertions about durability). */
  unsyncedBytes(path: string): number {
    const node = this.#file(path, 'stat')
    let total = 0
    for (const op of node.pending) if (op.kind === 'write') total += op.len
    return total
  }

  // ---- hooks for handles ------------------------------------------------------------------

  /** @internal Throws if this view has crashed. */
  checkAlive(syscall: string, path: string): void {
    if (this.#crashed) throw fsError('EIO', syscall, path, 'memory fs crashed (use the view crash() returned)')
  }

  /** @internal Throws the first matching injected fault, consuming it. */
  checkFault(op: FaultOp, syscall: string, path: string): void {
    for (let i = 0; i < this.#faults.length; i++) {
      const fault = this.#faults[i] as Required<Fault>
      if (fault.op !== op) continue
      const matches = typeof fault.path === 'string'
        ? path === fault.path || path.startsWith(`${fault.path}.`)
        : fault.path.test(path)
      if (!matches) continue
      fault.times--
      if (fault.times <= 0) this.#faults.splice(i, 1)
      throw fsError(fault.code, syscall, path, fault.code === 'EIO' ? 'i/o error' : 'no space left on device')
    }
  }

  /** @internal Counts a file fsync. */
  recordSync(path: string): void {
    this.#syncsByPath.set(path, (this.#syncsByPath.get(path) ?? 0) + 1)
  }

  /** @internal The configured fsync latency. */
  syncLatency(): Promise<void> {
    return this.#syncLatency()
  }

  // ---- Fs ---------------------------------------------------------------------------------

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const full = this.#enter('open', 'open', path)
    const { dir, name } = this.#parent(full, 'open')
    let node = dir.entries.get(name)
    if (node === undefined) {
      if (mode !== 'create') throw fsError('ENOENT', 'open', full, 'no such file or directory')
      node = new FileNode()
      this.#change([{ dir, name, node }])
    }
    if (node.kind === 'dir') throw fsError('EISDIR', 'open', full, 'illegal operation on a directory')
    return new MemoryFileHandle(this, full, node, mode !== 'read')
  }

  async mkdir(path: string): Promise<void> {
    const full = this.#enter('mkdir', 'mkdir', path)
    let dir = this.#root
    for (const part of full.split('/').filter((p) => p !== '')) {
      const child = dir.entries.get(part)
      if (child === undefined) {
        const created = new DirNode()
        this.#change([{ dir, name: part, node: created }])
        dir = created
      } else if (child.kind === 'file') {
        throw fsError('EEXIST', 'mkdir', full, 'file already exists')
      } else {
        dir = child
      }
    }
  }

  async readdir(path: string): Promise<string[]> {
    const full = this.#enter('readdir', 'scandir', path)
    const node = this.#lookup(full, 'scandir')
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', full, 'not a directory')
    return [...node.entries.keys()].sort()
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.#enter('rename', 'rename', from)
    const target = posix.resolve('/', to)
    const a = this.#parent(source, 'rename')
    const node = a.dir.entries.get(a.name)
    if (node === undefined) throw fsError('ENOENT', 'rename', source, 'no such file or directory')
    const b = this.#parent(target, 'rename')
    const existing = b.dir.entries.get(b.name)
    if (existing !== undefined && existing.kind !== node.kind) throw fsError(existing.kind === 'dir' ? 'EISDIR' : 'ENOTDIR', 'rename', target)
    if (existing !== undefined && existing.kind === 'dir' && existing.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', target, 'directory not empty')
    if (source === target) return
    this.#change([{ dir: a.dir, name: a.name, node: null }, { dir: b.dir, name: b.name, node }])
  }

  async unlink(path: string): Promise<void> {
    const full = this.#enter('unlink', 'unlink', path)
    const { dir, name } = this.#parent(full, 'unlink')
    const node = dir.entries.get(name)
    if (node === undefined) throw fsError('ENOENT', 'unlink', full, 'no such file or directory')
    if (node.kind === 'dir') throw fsError('EISDIR', 'unlink', full, 'illegal operation on a directory')
    this.#change([{ dir, name, node: null }])
  }

  async rm(path: string): Promise<void> {
    const full = this.#enter('unlink', 'rm', path)
    if (full === '/') throw fsError('EPERM', 'rm', full, 'refusing to remove /')
    const found = this.#tryParent(full)
    if (found === null || !found.dir.entries.has(found.name)) return
    this.#change([{ dir: found.dir, name: found.name, node: null }])
  }

  async exists(path: string): Promise<boolean> {
    const full = this.#enter(null, 'access', path)
    const found = this.#tryParent(full)
    return full === '/' || (found !== null && found.dir.entries.has(found.name))
  }

  async stat(path: string): Promise<FileStat> {
    const full = this.#enter(null, 'stat', path)
    const node = this.#lookup(full, 'stat')
    return node.kind === 'dir' ? { size: 0, isDirectory: true } : { size: node.size, isDirectory: false }
  }

  async readFile(path: string): Promise<Buffer> {
    const full = this.#enter('read', 'open', path)
    const node = this.#lookup(full, 'open')
    if (node.kind === 'dir') throw fsError('EISDIR', 'read', full, 'illegal operation on a directory')
    return Buffer.from(node.data.subarray(0, node.size))
  }

  async writeFile(path: string, data: Buffer): Promise<void> {
    // The same steps as NodeFs, through this Fs, so a crash at any step is modelled faithfully.
    const full = posix.resolve('/', path)
    const temp = tempPathFor(full)
    const handle = await this.open(temp, 'create')
    try {
      await handle.truncate(0)
      handle.write(data, 0, data.length, 0)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await this.rename(temp, full)
    await this.fsyncDir(posix.dirname(full))
  }

  async fsyncDir(path: string): Promise<void> {
    const full = this.#enter('fsyncDir', 'fsync', path)
    const node = this.#lookup(full, 'fsync')
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'fsync', full, 'not a directory')
    this.#dirSyncs++
    await this.#syncLatency()
    this.checkAlive('fsync', full)
    // Commit every pending change that touches this directory (a rename commits both ends).
    const remaining: MetaChange[][] = []
    for (const op of this.#meta) {
      if (op.some((change) => change.dir === node)) {
        for (const change of op) {
          if (change.node === null) change.dir.durable.delete(change.name)
          else change.dir.durable.set(change.name, change.node)
        }
      } else {
        remaining.push(op)
      }
    }
    this.#meta = remaining
  }

  // ---- internals --------------------------------------------------------------------------

  #enter(op: FaultOp | null, syscall: string, path: string): string {
    const full = posix.resolve('/', path)
    this.checkAlive(syscall, full)
    if (op !== null) this.checkFault(op, syscall, full)
    return full
  }

  #change(op: MetaChange[]): void {
    for (const change of op) {
      if (change.node === null) change.dir.entries.delete(change.name)
      else change.dir.entries.set(change.name, change.node)
    }
    this.#meta.push(op)
  }

  #tryParent(full: string): { dir: DirNode; name: string } | null {
    const parts = full.split('/').filter((p) => p !== '')
    const name = parts.pop()
    if (name === undefined) return null
    let dir = this.#root
    for (const part of parts) {
      const child = dir.entries.get(part)
      if (child === undefined || child.kind !== 'dir') return null
      dir = child
    }
    return { dir, name }
  }

  #parent(full: string, syscall: string): { dir: DirNode; name: string } {
    const found = this.#tryParent(full)
    if (found === null) throw fsError('ENOENT', syscall, full, 'no such file or directory')
    return found
  }

  #lookup(full: string, syscall: string): Node {
    if (full === '/') return this.#root
    const { dir, name } = this.#parent(full, syscall)
    const node = dir.entries.get(name)
    if (node === undefined) throw fsError('ENOENT', syscall, full, 'no such file or directory')
    return node
  }

  #file(path: string, what: string): FileNode {
    const full = posix.resolve('/', path)
    const node = this.#lookup(full, what)
    if (node.kind !== 'file') throw fsError('EISDIR', what, full, 'illegal operation on a directory')
    return node
  }
}
