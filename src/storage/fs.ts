// The file-system contract storage runs on (`Fs`, `FileHandle`) and `NodeFs`, its node:fs
// implementation. Tests swap in `testing/memory-fs.ts`, which models what survives a crash (only
// what was fsynced, file data and directory entries alike) and injects EIO/ENOSPC. Errors keep the
// shape of Node's (`code`, `syscall`, `path`); partition-log.ts turns them into KAFKA_STORAGE_ERROR.
//
// Sync or async, op by op (this is a throughput decision, not an accident):
// - `write` is synchronous. A write lands in the page cache: a memcpy plus a syscall, a few
//   microseconds for a batch. Sending it through libuv's threadpool would cost a thread hop, a
//   callback and a promise per batch for no gain, and would let appends interleave mid-write.
// - `sync` (fdatasync) is asynchronous and must stay so: it waits for the disk (milliseconds). Group
//   commit depends on the event loop staying free meanwhile, so the appends that arrive during one
//   fsync are written and all covered by the next one.
// - `read` is asynchronous: consumers may read cold data that is not in the page cache, and a disk
//   read must not stall appends. Callers read large chunks, so the hop is amortised.
// - Everything else (open, truncate, rename, readdir, …) is rare and asynchronous.
import * as nodeFs from 'node:fs'
import { dirname } from 'node:path'

/** An open file: positional reads and writes, fsync, truncate. */
export interface FileHandle {
  /** The path the file was opened with. */
  readonly path: string
  /** Reads up to `length` bytes at file `position` into `buffer[offset..]`; resolves with the count (short at end of file). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>
  /** Writes all of `buffer[offset, offset + length)` at file `position`, synchronously (to the page cache). */
  write(buffer: Buffer, offset: number, length: number, position: number): void
  /** Makes the file's data and size durable (fdatasync), without blocking the event loop. */
  sync(): Promise<void>
  /** Sets the file's size to `length` bytes. */
  truncate(length: number): Promise<void>
  /** The file's current size in bytes. */
  size(): Promise<number>
  /** Closes the handle; later calls fail. */
  close(): Promise<void>
}

/** How `Fs.open` opens a file: read only, read/write of an existing file, or read/write creating it. */
export type OpenMode = 'read' | 'read-write' | 'create'

/** What `Fs.stat` reports. */
export interface FileStat {
  size: number
  isDirectory: boolean
}

/** The file-system operations storage needs; paths are absolute. */
export interface Fs {
  /** Opens a file; 'create' creates it if missing (never truncates). */
  open(path: string, mode: OpenMode): Promise<FileHandle>
  /** Creates a directory and its missing parents. */
  mkdir(path: string): Promise<void>
  /** Names in a directory, sorted. */
  readdir(path: string): Promise<string[]>
  /** Renames atomically, replacing `to` if it exists. */
  rename(from: string, to: string): Promise<void>
  /** Removes a file. */
  unlink(path: string): Promise<void>
  /** Removes a file or directory tree; no error if missing. */
  rm(path: string): Promise<void>
  /** True if the path exists. */
  exists(path: string): Promise<boolean>
  /** Size and kind of a path; ENOENT if missing. */
  stat(path: string): Promise<FileStat>
  /** A whole file's bytes. */
  readFile(path: string): Promise<Buffer>
  /** Replaces a file atomically and durably: write a temporary file, fsync, rename, fsync the directory. */
  writeFile(path: string, data: Buffer): Promise<void>
  /** Makes a directory's entries (created, renamed, removed names) durable. */
  fsyncDir(path: string): Promise<void>
}

/** Suffix of the temporary files `writeFile` creates; a log removes leftovers on open. */
export const TEMP_SUFFIX = '.tmp'

let tempCounter = 0

/** A unique temporary name beside `path` for an atomic replace. */
export function tempPathFor(path: string): string {
  tempCounter = (tempCounter + 1) >>> 0
  return `${path}.${process.pid}-${tempCounter}${TEMP_SUFFIX}`
}

const OPEN_FLAGS: Record<OpenMode, number> = {
  read: nodeFs.constants.O_RDONLY,
  'read-write': nodeFs.constants.O_RDWR,
  create: nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT,
}

function promised<T>(start: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, value) => (error === null ? resolve(value as T) : reject(error)))
  })
}

class NodeFileHandle implements FileHandle {
  readonly path: string
  #fd: number

  constructor(path: string, fd: number) {
    this.path = path
    this.#fd = fd
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    // Callback fs.read wrapped once: cheaper than fs.promises' FileHandle per call.
    return promised<number>((done) => nodeFs.read(this.#fd, buffer, offset, length, position, done))
  }

  write(buffer: Buffer, offset: number, length: number, position: number): void {
    let written = 0
    while (written < length) {
      written += nodeFs.writeSync(this.#fd, buffer, offset + written, length - written, position + written)
    }
  }

  sync(): Promise<void> {
    return promised<void>((done) => nodeFs.fdatasync(this.#fd, done))
  }

  truncate(length: number): Promise<void> {
    return promised<void>((done) => nodeFs.ftruncate(this.#fd, length, done))
  }

  async size(): Promise<number> {
    const stat = await promised<nodeFs.Stats>((done) => nodeFs.fstat(this.#fd, done))
    return stat.size
  }

  close(): Promise<void> {
    return promised<void>((done) => nodeFs.close(this.#fd, done))
  }
}

/** The real file system, through node:fs. */
export class NodeFs implements Fs {
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const fd = await promised<number>((done) => nodeFs.open(path, OPEN_FLAGS[mode], 0o644, done))
    return new NodeFileHandle(path, fd)
  }

  async mkdir(path: string): Promise<void> {
    await nodeFs.promises.mkdir(path, { recursive: true })
  }

  async readdir(path: string): Promise<string[]> {
    return (await nodeFs.promises.readdir(path)).sort()
  }

  rename(from: string, to: string): Promise<void> {
    return nodeFs.promises.rename(from, to)
  }

  unlink(path: string): Promise<void> {
    return nodeFs.promises.unlink(path)
  }

  rm(path: string): Promise<void> {
    return nodeFs.promises.rm(path, { recursive: true, force: true })
  }

  async exists(path: string): Promise<boolean> {
    try {
      await nodeFs.promises.access(path)
      return true
    } catch (error) {
      // Only "not there" means false; anything else (EIO, EACCES) is a real failure.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  async stat(path: string): Promise<FileStat> {
    const stat = await nodeFs.promises.stat(path)
    return { size: stat.size, isDirectory: stat.isDirectory() }
  }

  readFile(path: string): Promise<Buffer> {
    return nodeFs.promises.readFile(path)
  }

  async writeFile(path: string, data: Buffer): Promise<void> {
    const temp = tempPathFor(path)
    const handle = await this.open(temp, 'create')
    try {
      await handle.truncate(0)
      handle.write(data, 0, data.length, 0)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await this.rename(temp, path)
    await this.fsyncDir(dirname(path))
  }

  async fsyncDir(path: string): Promise<void> {
    const fd = await promised<number>((done) => nodeFs.open(path, nodeFs.constants.O_RDONLY, done))
    try {
      await promised<void>((done) => nodeFs.fsync(fd, done))
    } finally {
      await promised<void>((done) => nodeFs.close(fd, done))
    }
  }
}
