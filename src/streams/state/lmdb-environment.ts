// LmdbEnvironment: one LMDB directory holding named stores (each an LmdbStore, lmdb-store.ts, in its
// own named database, so one lmdb-js batch commits writes of all of them), the persistent
// BytesStoreProvider; and openLmdbStore for a standalone store. Dropping a store (retention drops
// whole time segments) frees its pages with mdb_drop and its slot among maxStores.
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb'
import { SluiceError } from '../../base/errors.ts'
import type { BytesStoreProvider } from './key-value-store.ts'
import { LmdbStore } from './lmdb-store.ts'

/** Options of an LMDB environment and the stores in it. */
export interface LmdbOptions {
  /** The directory of the environment (created if missing). */
  path: string
  /** How many stores (named databases) the environment can hold; fixed when it is opened. Default 1024. */
  maxStores?: number
  /** Unwritten overlay bytes (keys + values) per store that start a background write-out. Default 16 MiB. */
  pendingBytesMax?: number
}

const PENDING_BYTES_MAX_DEFAULT = 16 * 1024 * 1024
const MAX_STORES_DEFAULT = 1024

/** One LMDB directory holding named stores: the persistent BytesStoreProvider. */
export class LmdbEnvironment implements BytesStoreProvider {
  readonly path: string
  readonly #root: RootDatabase
  readonly #pendingBytesMax: number
  readonly #maxStores: number
  readonly #stores = new Map<string, LmdbStore>()
  readonly #dropping = new Set<string>()
  /** Write-outs of dropped stores still in flight; each store's drop runs when its own settles. */
  readonly #retiring = new Set<Promise<void>>()
  #failure: SluiceError | null = null
  #isOpen = true
  #isClosing = false

  private constructor(path: string, root: RootDatabase, pendingBytesMax: number, maxStores: number) {
    this.path = path
    this.#root = root
    this.#pendingBytesMax = pendingBytesMax
    this.#maxStores = maxStores
  }

  /** Opens (creating if missing) the LMDB environment in `options.path`. */
  static open(options: LmdbOptions): LmdbEnvironment {
    const maxStores = options.maxStores ?? MAX_STORES_DEFAULT
    let root: RootDatabase
    try {
      // noSubdir false: lmdb-js would otherwise take a path that looks like it has an extension
      // ('state.v1') for a file name instead of a directory.
      root = openLmdb({ path: options.path, noSubdir: false, maxDbs: maxStores })
    } catch (error) {
      throw new SluiceError('KAFKA_STORAGE_ERROR', `cannot open the LMDB state directory ${options.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
    return new LmdbEnvironment(options.path, root, options.pendingBytesMax ?? PENDING_BYTES_MAX_DEFAULT, maxStores)
  }

  /** Opens the store `name`; with `closesEnvironment`, closing the store also closes this environment. */
  open(name: string, options: { closesEnvironment?: boolean } = {}): LmdbStore {
    this.#checkOpen()
    if (this.#stores.has(name)) throw new SluiceError('INVALID_ARGUMENT', `store '${name}' is already open in ${this.path}`)
    if (this.#dropping.has(name)) throw new SluiceError('INVALID_ARGUMENT', `store '${name}' in ${this.path} is being dropped; flush first`)
    const store = new LmdbStore(name, this.#database(name), this.path, this.#pendingBytesMax, async (closed) => {
      this.#stores.delete(closed.name)
      if (options.closesEnvironment === true) await this.close()
    })
    this.#stores.set(name, store)
    return store
  }

  /**
   * Deletes the store `name` and its data with one synchronous LMDB commit (mdb_drop frees its pages
   * without visiting each key, and frees its slot among maxStores at once, so window stores can
   * create and drop segments quickly, e.g. while restoring). A store with a write-out still in
   * flight is dropped as soon as that commit lands, so the write cannot land after the drop; until
   * then it holds its slot and is no longer listed.
   */
  drop(name: string): void {
    this.#checkOpen()
    const store = this.#stores.get(name)
    this.#stores.delete(name)
    if (store === undefined) {
      if (this.names().includes(name)) this.#dropNow(name)
      return
    }
    this.#dropping.add(name)
    const settled = store.retire(() => {
      this.#dropping.delete(name)
      try {
        this.#dropNow(name)
      } catch (error) {
        // Kept and thrown by flush(): a failed drop leaves data that retention meant to free.
        this.#failure ??= error instanceof SluiceError ? error : new SluiceError('KAFKA_STORAGE_ERROR', String(error), { cause: error })
      }
    })
    this.#retiring.add(settled)
  }

  /** Waits for dropped stores' last write-outs (their drops run right after each lands). */
  async #settleRetiring(): Promise<void> {
    const retiring = [...this.#retiring]
    // These promises never reject: a store handles its write-out failures itself.
    await Promise.all(retiring)
    for (const settled of retiring) this.#retiring.delete(settled)
  }

  #dropNow(name: string): void {
    try {
      this.#database(name).dropSync()
    } catch (error) {
      throw new SluiceError('KAFKA_STORAGE_ERROR', `cannot drop state store '${name}' in ${this.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
  }

  names(): string[] {
    this.#checkOpen()
    const names: string[] = []
    for (const key of this.#root.getKeys()) if (typeof key === 'string' && !this.#dropping.has(key)) names.push(key)
    return names
  }

  async flush(): Promise<void> {
    this.#checkOpen()
    await Promise.all([...this.#stores.values()].map((store) => store.flush()))
    await this.#settleRetiring()
    await this.#root.flushed
    if (this.#failure !== null) throw this.#failure
  }

  async close(): Promise<void> {
    // A store opened with closesEnvironment calls back into close() while close() closes it.
    if (!this.#isOpen || this.#isClosing) return
    this.#isClosing = true
    try {
      for (const store of [...this.#stores.values()]) await store.close()
      await this.#settleRetiring()
    } finally {
      this.#isOpen = false
      await this.#root.close()
    }
    if (this.#failure !== null) throw this.#failure
  }

  #database(name: string): Database<Buffer, Buffer> {
    try {
      return this.#root.openDB<Buffer, Buffer>(name, { encoding: 'binary', keyEncoding: 'binary' })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const hint = message.includes('MDB_DBS_FULL') ? `: all ${this.#maxStores} store slots are in use (raise LmdbOptions.maxStores)` : `: ${message}`
      throw new SluiceError('KAFKA_STORAGE_ERROR', `cannot open state store '${name}' in ${this.path}${hint}`, { cause: error })
    }
  }

  #checkOpen(): void {
    if (!this.#isOpen) throw new SluiceError('CLOSED', `LMDB state directory ${this.path} is closed`)
  }
}

/**
 * A standalone persistent store: an LMDB environment in `options.path` holding one store, closed
 * with it.
 * @example
 * const store = openLmdbStore({ path: './state/counts' })
 * store.put(Buffer.from('k'), Buffer.from('v'))
 * await store.flush() // durable
 */
export function openLmdbStore(options: LmdbOptions & { name?: string }): LmdbStore {
  return LmdbEnvironment.open(options).open(options.name ?? 'store', { closesEnvironment: true })
}
