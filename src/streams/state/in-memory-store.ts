// The in-memory bytes store: a B+tree (b-plus-tree.ts) of copied keys and values. Nothing survives
// the process; durability comes from its changelog (change-logging-store.ts, restore.ts). Also the
// in-memory BytesStoreProvider, which window and session stores use for their segments.
import { BPlusTree, TreeCursor } from './b-plus-tree.ts'
import type { BytesStore, BytesStoreProvider, KeyValue } from './key-value-store.ts'
import { checkKey, checkValue, compareBytes, copyBytes, storeClosed } from './store-keys.ts'
import { SluiceError } from '../../base/errors.ts'

/** A sorted in-memory BytesStore. */
export class InMemoryStore implements BytesStore {
  readonly name: string
  #tree = new BPlusTree<Buffer>()
  #isOpen = true

  constructor(name: string) {
    this.name = name
  }

  get isOpen(): boolean {
    return this.#isOpen
  }

  get(key: Buffer): Buffer | undefined {
    this.#checkOpen()
    checkKey(this.name, key)
    return this.#tree.get(key)
  }

  put(key: Buffer, value: Buffer): void {
    this.#checkOpen()
    checkKey(this.name, key)
    checkValue(this.name, value)
    this.#tree.set(key, copyBytes(value), copyBytes)
  }

  delete(key: Buffer): void {
    this.#checkOpen()
    checkKey(this.name, key)
    this.#tree.delete(key)
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  range(from?: Buffer, to?: Buffer): IterableIterator<KeyValue<Buffer, Buffer>> {
    this.#checkOpen()
    if (from !== undefined) checkKey(this.name, from)
    if (to !== undefined) checkKey(this.name, to)
    return new TreeRangeIterator(this.#tree, from, to, () => this.#checkOpen())
  }

  all(): IterableIterator<KeyValue<Buffer, Buffer>> {
    return this.range()
  }

  approximateCount(): number {
    this.#checkOpen()
    return this.#tree.size
  }

  async flush(): Promise<void> {
    this.#checkOpen()
  }

  async close(): Promise<void> {
    this.discard()
  }

  /** Closes at once and frees the data (close() without the promise). */
  discard(): void {
    this.#isOpen = false
    this.#tree = new BPlusTree<Buffer>()
  }

  #checkOpen(): void {
    if (!this.#isOpen) throw storeClosed(this.name)
  }
}

/**
 * Iterates a B+tree between inclusive bounds. It keeps a cursor while the tree is unchanged; after an
 * insert or delete (tree.version moved) it seeks again just past the last key it returned, which
 * gives the weakly consistent iteration the contract promises.
 */
class TreeRangeIterator<V> implements IterableIterator<KeyValue<Buffer, V>> {
  readonly #tree: BPlusTree<V>
  readonly #cursor: TreeCursor<V>
  readonly #to: Buffer | undefined
  readonly #check: () => void
  #version: number
  #last: Buffer | null = null
  #isDone = false

  constructor(tree: BPlusTree<V>, from: Buffer | undefined, to: Buffer | undefined, check: () => void) {
    this.#tree = tree
    this.#to = to
    this.#check = check
    this.#version = tree.version
    this.#cursor = tree.seek(from)
    if (from !== undefined && to !== undefined && compareBytes(from, to) > 0) this.#isDone = true
  }

  [Symbol.iterator](): IterableIterator<KeyValue<Buffer, V>> {
    return this
  }

  next(): IteratorResult<KeyValue<Buffer, V>> {
    if (this.#isDone) return DONE
    this.#check()
    if (this.#tree.version !== this.#version) {
      this.#version = this.#tree.version
      if (this.#last !== null) this.#tree.seek(this.#last, true, this.#cursor)
    }
    const cursor = this.#cursor
    if (!cursor.isValid || (this.#to !== undefined && compareBytes(cursor.key, this.#to) > 0)) return this.return()
    const entry = { key: cursor.key, value: cursor.value }
    this.#last = entry.key
    cursor.advance()
    return { value: entry, done: false }
  }

  return(): IteratorResult<KeyValue<Buffer, V>> {
    this.#isDone = true
    this.#cursor.leaf = null
    return DONE
  }
}

const DONE: IteratorResult<never> = { value: undefined, done: true }

/** Named in-memory stores: a BytesStoreProvider whose stores live as long as the provider. */
export class InMemoryStoreProvider implements BytesStoreProvider {
  readonly #stores = new Map<string, InMemoryStore>()
  #isOpen = true

  open(name: string): BytesStore {
    this.#checkOpen()
    const existing = this.#stores.get(name)
    if (existing?.isOpen === true) throw new SluiceError('INVALID_ARGUMENT', `store '${name}' is already open`)
    const store = new InMemoryStore(name)
    this.#stores.set(name, store)
    return store
  }

  drop(name: string): void {
    this.#checkOpen()
    const store = this.#stores.get(name)
    if (store === undefined) return
    this.#stores.delete(name)
    store.discard()
  }

  /** Open stores only: a closed in-memory store has lost its data, so it no longer exists. */
  names(): string[] {
    return [...this.#stores.values()].filter((s) => s.isOpen).map((s) => s.name)
  }

  async flush(): Promise<void> {
    this.#checkOpen()
  }

  async close(): Promise<void> {
    if (!this.#isOpen) return
    this.#isOpen = false
    for (const store of this.#stores.values()) store.discard()
    this.#stores.clear()
  }

  #checkOpen(): void {
    if (!this.#isOpen) throw new SluiceError('CLOSED', 'in-memory store provider is closed')
  }
}
