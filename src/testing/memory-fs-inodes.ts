// The inodes of testing/memory-fs.ts: a file keeps its live bytes (what reads see: the page cache)
// apart from its durable bytes (what survives a crash), with the writes and truncates in between
// kept in order so a crash can drop them or keep a torn prefix; a directory keeps its live entries
// apart from the ones made durable by an fsync of the directory.
import type { Random } from '../base/random.ts'

/** A write or truncate that reached the page cache but not yet the disk. */
export type Pending = { kind: 'write'; pos: number; len: number } | { kind: 'truncate'; len: number }

/** A file: its live bytes (the page cache), its durable bytes, and the operations in between. */
export class FileNode {
  readonly kind = 'file'
  data: Buffer = Buffer.alloc(0)
  size = 0
  synced: Buffer = Buffer.alloc(0)
  syncedSize = 0
  pending: Pending[] = []

  /** Grows the live buffer to hold `capacity` bytes. */
  ensure(capacity: number): void {
    if (capacity <= this.data.length) return
    const grown = Buffer.alloc(Math.max(capacity, this.data.length * 2, 64))
    this.data.copy(grown, 0, 0, this.size)
    this.data = grown
  }

  /** Writes into the live image (the page cache). */
  put(src: Buffer, offset: number, length: number, position: number): void {
    this.ensure(position + length)
    if (position > this.size) this.data.fill(0, this.size, position)
    src.copy(this.data, position, offset, offset + length)
    this.size = Math.max(this.size, position + length)
  }

  /** Truncates or zero-extends the live image. */
  setSize(length: number): void {
    if (length > this.size) {
      this.ensure(length)
      this.data.fill(0, this.size, length)
    }
    this.size = length
  }

  /** Applies pending operations to the durable image, optionally cut after `budget` written bytes. */
  static applyPending(target: { image: Buffer; size: number }, live: FileNode, ops: Pending[], budget: number, random: Random | null): void {
    const grow = (length: number): void => {
      if (length <= target.image.length) return
      const grown = Buffer.alloc(Math.max(length, target.image.length * 2, 64))
      target.image.copy(grown, 0, 0, target.size)
      target.image = grown
    }
    for (const op of ops) {
      if (op.kind === 'truncate') {
        if (op.len > target.size) {
          grow(op.len)
          target.image.fill(0, target.size, op.len)
        }
        target.size = op.len
        continue
      }
      const take = Math.min(op.len, budget)
      budget -= take
      grow(op.pos + op.len)
      if (op.pos > target.size) target.image.fill(0, target.size, op.pos)
      // The page cache only ever holds the latest bytes, so a write-back copies the live data.
      const available = Math.max(0, Math.min(take, live.size - op.pos))
      live.data.copy(target.image, op.pos, op.pos, op.pos + available)
      target.image.fill(0, op.pos + available, op.pos + take)
      target.size = Math.max(target.size, op.pos + take)
      if (take < op.len) {
        // Torn: the size may have reached the disk before the data (a zero-filled tail).
        if (random !== null && random.chance(0.5)) {
          target.image.fill(0, op.pos + take, op.pos + op.len)
          target.size = Math.max(target.size, op.pos + op.len)
        }
        return
      }
    }
  }

  /** An fsync: the first `count` pending operations reach the durable image. */
  commit(count: number): void {
    const ops = this.pending.splice(0, count)
    const target = { image: this.synced, size: this.syncedSize }
    FileNode.applyPending(target, this, ops, Infinity, null)
    this.synced = target.image
    this.syncedSize = target.size
  }
}

/** A directory: its live entries and the entries an fsync of it made durable. */
export class DirNode {
  readonly kind = 'dir'
  entries = new Map<string, Node>()
  durable = new Map<string, Node>()
}

/** A file or a directory. */
export type Node = FileNode | DirNode

/** One change of a directory entry (node null: removed). */
export interface MetaChange {
  dir: DirNode
  name: string
  node: Node | null
}

/** An error shaped like Node's fs errors (code, syscall, path). */
export function fsError(code: string, syscall: string, path: string, detail = ''): NodeJS.ErrnoException {
  const error = new Error(`${code}: ${detail || code.toLowerCase()}, ${syscall} '${path}'`) as NodeJS.ErrnoException
  error.code = code
  error.syscall = syscall
  error.path = path
  return error
}

/** What a crash does with writes and directory changes that were never fsynced. */
export type CrashMode = 'drop-unsynced' | 'tear-unsynced' | 'keep-unsynced'

/**
 * A copy of the tree under `root` as a disk would hold it after a crash now: durable directory
 * entries plus (tear: a random prefix of; keep: all) the unsynced changes in `meta`, and per file
 * its durable bytes plus (tear: a random prefix of, maybe zero-filled; keep: all) its pending writes.
 */
export function diskAfterCrash(root: DirNode, meta: readonly MetaChange[][], mode: CrashMode, random: Random): DirNode {
  const views = new Map<DirNode, Map<string, Node>>()
  const view = (dir: DirNode): Map<string, Node> => {
    let map = views.get(dir)
    if (map === undefined) {
      map = new Map(mode === 'keep-unsynced' ? dir.entries : dir.durable)
      views.set(dir, map)
    }
    return map
  }
  if (mode === 'tear-unsynced') {
    for (const op of meta.slice(0, random.int(0, meta.length + 1))) {
      for (const change of op) {
        if (change.node === null) view(change.dir).delete(change.name)
        else view(change.dir).set(change.name, change.node)
      }
    }
  }
  const copies = new Map<Node, Node>()
  const copy = (node: Node): Node => {
    const existing = copies.get(node)
    if (existing !== undefined) return existing
    if (node.kind === 'dir') {
      const dir = new DirNode()
      copies.set(node, dir)
      for (const [name, child] of view(node)) dir.entries.set(name, copy(child))
      dir.durable = new Map(dir.entries)
      return dir
    }
    const file = new FileNode()
    copies.set(node, file)
    const target = { image: Buffer.from(node.synced.subarray(0, node.syncedSize)), size: node.syncedSize }
    if (mode === 'keep-unsynced') {
      FileNode.applyPending(target, node, node.pending, Infinity, null)
    } else if (mode === 'tear-unsynced') {
      let total = 0
      for (const op of node.pending) if (op.kind === 'write') total += op.len
      FileNode.applyPending(target, node, node.pending, random.int(0, total + 1), random)
    }
    file.data = Buffer.from(target.image.subarray(0, target.size))
    file.size = target.size
    file.synced = Buffer.from(file.data)
    file.syncedSize = file.size
    return file
  }
  return copy(root) as DirNode
}
