// An ordered map from byte-string keys to values: a B+tree. The in-memory store keeps its data in
// one, and the LMDB store its not-yet-committed writes. Why a B+tree: insert, delete and seek are
// O(log n) (a sorted array pays O(n) per insert for the splice: ~5x slower at 200k keys, see
// bench/streams/state-throughput.ts), and entries sit in arrays of up to 64 per leaf, so a scan walks linked
// leaves without per-entry nodes (a skip list allocates a node and a tower per key).
//
// Shape: leaves hold sorted `keys`/`values` and link to the next leaf; a branch holds children and
// separators, `keys[i]` <= every key under `children[i + 1]` and > every key under `children[i]`.
// Every node but the root holds between half full and full; deletes borrow from or merge with a
// sibling. `version` changes whenever an entry is inserted or removed (not on an in-place value
// update), so cursors know when their position may have moved and must seek again.
//
// Fast path: each node also keeps `prefixes`, the first 6 bytes of each key as a number (zero-
// padded). Binary search compares those numbers, stored contiguously in the node, and reads the
// key Buffers (a pointer chase, often a cache miss) only on a tie. Zero padding keeps the order
// exact: a smaller prefix always means a smaller key.
import { assert } from '../../base/assert.ts'
import { compareBytes } from './store-keys.ts'

const LEAF_MAX = 64
const LEAF_MIN = LEAF_MAX >> 1
const BRANCH_MAX = 64
const BRANCH_MIN = BRANCH_MAX >> 1
const PREFIX_BYTES = 6

/** A leaf: sorted keys, their prefixes and values, and the next leaf in key order. */
export class Leaf<V> {
  keys: Buffer[] = []
  prefixes: number[] = []
  values: V[] = []
  next: Leaf<V> | null = null
}

class Branch<V> {
  keys: Buffer[] = []
  prefixes: number[] = []
  children: Array<Node<V>> = []
}

type Node<V> = Leaf<V> | Branch<V>

interface Split<V> {
  separator: Buffer
  prefix: number
  right: Node<V>
}

/** The first PREFIX_BYTES bytes of `key`, zero-padded, as an exact number (48 bits). */
export function keyPrefix(key: Buffer): number {
  if (key.length >= PREFIX_BYTES) return key.readUIntBE(0, PREFIX_BYTES)
  let prefix = 0
  for (let i = 0; i < PREFIX_BYTES; i++) prefix = prefix * 256 + (i < key.length ? (key[i] as number) : 0)
  return prefix
}

/** A sorted map from Buffer keys (memcmp order) to values of type V. */
export class BPlusTree<V> {
  #root: Node<V> = new Leaf<V>()
  #size = 0
  /** The value an insert replaced, handed from #insert to set without allocating a result object. */
  #previous: V | undefined = undefined
  /** Changes on every insert or remove of a key; cursors compare it to know when to seek again. */
  version = 0

  get size(): number {
    return this.#size
  }

  /** The value at `key`, or undefined. */
  get(key: Buffer): V | undefined {
    const prefix = keyPrefix(key)
    let node = this.#root
    while (node instanceof Branch) node = node.children[upperBound(node, key, prefix)] as Node<V>
    const index = lowerBound(node, key, prefix)
    return index < node.keys.length && node.prefixes[index] === prefix && compareBytes(node.keys[index] as Buffer, key) === 0 ? node.values[index] : undefined
  }

  /**
   * Sets `key` to `value`; returns the previous value or undefined. A new key is stored as
   * `keepKey(key)` (e.g. a copy; the default keeps `key` itself), so overwrites never copy keys.
   */
  set(key: Buffer, value: V, keepKey?: (key: Buffer) => Buffer): V | undefined {
    this.#previous = undefined
    const split = this.#insert(this.#root, key, keyPrefix(key), value, keepKey)
    if (split !== null) {
      const root = new Branch<V>()
      root.keys.push(split.separator)
      root.prefixes.push(split.prefix)
      root.children.push(this.#root, split.right)
      this.#root = root
    }
    const previous = this.#previous
    this.#previous = undefined
    return previous
  }

  /** Removes `key`; returns its value or undefined when it was absent. */
  delete(key: Buffer): V | undefined {
    const removed = this.#remove(this.#root, key, keyPrefix(key))
    if (removed === NOT_FOUND) return undefined
    const root = this.#root
    if (root instanceof Branch && root.children.length === 1) this.#root = root.children[0] as Node<V>
    return removed as V
  }

  /** Removes every entry. */
  clear(): void {
    this.#root = new Leaf<V>()
    this.#size = 0
    this.version++
  }

  /** A cursor at the first key >= `key` (> `key` when exclusive), or at the first key when undefined. */
  seek(key: Buffer | undefined, isExclusive = false, cursor: TreeCursor<V> = new TreeCursor<V>()): TreeCursor<V> {
    const prefix = key === undefined ? 0 : keyPrefix(key)
    let node = this.#root
    while (node instanceof Branch) node = node.children[key === undefined ? 0 : upperBound(node, key, prefix)] as Node<V>
    let index = key === undefined ? 0 : isExclusive ? upperBound(node, key, prefix) : lowerBound(node, key, prefix)
    let leaf: Leaf<V> | null = node
    // The position can be one past a leaf's end: the next key is then in a following leaf (only the
    // root leaf can be empty, and it has no next).
    while (leaf !== null && index >= leaf.keys.length) {
      leaf = leaf.next
      index = 0
    }
    cursor.leaf = leaf
    cursor.index = index
    return cursor
  }

  /**
   * Walks the whole tree checking every invariant: key order within and across leaves, separator
   * bounds, prefixes, fill of non-root nodes, equal leaf depth, leaf links and the size. For tests.
   */
  checkInvariants(): void {
    const leaves: Array<Leaf<V>> = []
    let leafDepth = -1
    const walk = (node: Node<V>, depth: number, low: Buffer | null, high: Buffer | null): void => {
      const isRoot = node === this.#root
      assert(node.prefixes.length === node.keys.length, 'b+tree prefixes do not match keys')
      node.keys.forEach((key, i) => assert(node.prefixes[i] === keyPrefix(key), 'b+tree prefix is stale'))
      if (node instanceof Leaf) {
        if (leafDepth === -1) leafDepth = depth
        assert(depth === leafDepth, 'b+tree leaves at different depths')
        assert(node.keys.length === node.values.length, 'b+tree leaf keys and values differ in length')
        assert(isRoot || (node.keys.length >= LEAF_MIN && node.keys.length <= LEAF_MAX), `b+tree leaf holds ${node.keys.length}`)
        for (let i = 0; i < node.keys.length; i++) {
          const key = node.keys[i] as Buffer
          if (i > 0) assert(compareBytes(node.keys[i - 1] as Buffer, key) < 0, 'b+tree leaf keys out of order')
          if (low !== null) assert(compareBytes(low, key) <= 0, 'b+tree key below its separator')
          if (high !== null) assert(compareBytes(key, high) < 0, 'b+tree key at or above the next separator')
        }
        leaves.push(node)
        return
      }
      assert(node.keys.length === node.children.length - 1, 'b+tree branch separators do not match children')
      assert(isRoot ? node.children.length >= 2 : node.children.length >= BRANCH_MIN, `b+tree branch holds ${node.children.length}`)
      assert(node.children.length <= BRANCH_MAX, 'b+tree branch overfull')
      for (let i = 0; i < node.children.length; i++) {
        walk(node.children[i] as Node<V>, depth + 1, i === 0 ? low : (node.keys[i - 1] as Buffer), i === node.keys.length ? high : (node.keys[i] as Buffer))
      }
    }
    walk(this.#root, 0, null, null)
    let count = 0
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i] as Leaf<V>
      assert(leaf.next === (leaves[i + 1] ?? null), 'b+tree leaf links out of order')
      if (i > 0 && leaf.keys.length > 0) {
        const previous = leaves[i - 1] as Leaf<V>
        assert(compareBytes(previous.keys[previous.keys.length - 1] as Buffer, leaf.keys[0] as Buffer) < 0, 'b+tree leaves out of order')
      }
      count += leaf.keys.length
    }
    assert(count === this.#size, `b+tree size ${this.#size} but ${count} entries in leaves`)
  }

  #insert(node: Node<V>, key: Buffer, prefix: number, value: V, keepKey: ((key: Buffer) => Buffer) | undefined): Split<V> | null {
    if (node instanceof Leaf) {
      const index = lowerBound(node, key, prefix)
      if (index < node.keys.length && node.prefixes[index] === prefix && compareBytes(node.keys[index] as Buffer, key) === 0) {
        this.#previous = node.values[index]
        node.values[index] = value
        return null
      }
      node.keys.splice(index, 0, keepKey === undefined ? key : keepKey(key))
      node.prefixes.splice(index, 0, prefix)
      node.values.splice(index, 0, value)
      this.#size++
      this.version++
      if (node.keys.length <= LEAF_MAX) return null
      const right = new Leaf<V>()
      const mid = node.keys.length >> 1
      right.keys = node.keys.splice(mid)
      right.prefixes = node.prefixes.splice(mid)
      right.values = node.values.splice(mid)
      right.next = node.next
      node.next = right
      return { separator: right.keys[0] as Buffer, prefix: right.prefixes[0] as number, right }
    }
    const childIndex = upperBound(node, key, prefix)
    const split = this.#insert(node.children[childIndex] as Node<V>, key, prefix, value, keepKey)
    if (split === null) return null
    node.keys.splice(childIndex, 0, split.separator)
    node.prefixes.splice(childIndex, 0, split.prefix)
    node.children.splice(childIndex + 1, 0, split.right)
    if (node.children.length <= BRANCH_MAX) return null
    // children c0..cn and separators k0..k(n-1): the left keeps c0..c(mid-1) with k0..k(mid-2),
    // k(mid-1) moves up, the right takes c(mid)..cn with k(mid)..k(n-1).
    const mid = node.children.length >> 1
    const right = new Branch<V>()
    right.children = node.children.splice(mid)
    right.keys = node.keys.splice(mid)
    right.prefixes = node.prefixes.splice(mid)
    const separator = node.keys.pop() as Buffer
    const separatorPrefix = node.prefixes.pop() as number
    assert(node.keys.length === node.children.length - 1 && right.keys.length === right.children.length - 1, 'b+tree branch split lost a separator')
    return { separator, prefix: separatorPrefix, right }
  }

  #remove(node: Node<V>, key: Buffer, prefix: number): V | typeof NOT_FOUND {
    if (node instanceof Leaf) {
      const index = lowerBound(node, key, prefix)
      if (index >= node.keys.length || node.prefixes[index] !== prefix || compareBytes(node.keys[index] as Buffer, key) !== 0) return NOT_FOUND
      const value = node.values[index] as V
      node.keys.splice(index, 1)
      node.prefixes.splice(index, 1)
      node.values.splice(index, 1)
      this.#size--
      this.version++
      return value
    }
    const childIndex = upperBound(node, key, prefix)
    const child = node.children[childIndex] as Node<V>
    const removed = this.#remove(child, key, prefix)
    if (removed !== NOT_FOUND && isUnderfull(child)) rebalance(node, childIndex)
    return removed
  }
}

const NOT_FOUND: unique symbol = Symbol('not found')

function isUnderfull<V>(node: Node<V>): boolean {
  return node instanceof Leaf ? node.keys.length < LEAF_MIN : node.children.length < BRANCH_MIN
}

/** Restores the fill of `parent.children[i]` by borrowing from a sibling or merging with it. */
function rebalance<V>(parent: Branch<V>, i: number): void {
  const child = parent.children[i] as Node<V>
  const hasLeft = i > 0
  const sibling = parent.children[hasLeft ? i - 1 : i + 1] as Node<V>
  // Separator index between the left node and the right node of the pair.
  const sep = hasLeft ? i - 1 : i
  if (child instanceof Leaf) {
    const leafSibling = sibling as Leaf<V>
    if (leafSibling.keys.length > LEAF_MIN) {
      if (hasLeft) {
        child.keys.unshift(leafSibling.keys.pop() as Buffer)
        child.prefixes.unshift(leafSibling.prefixes.pop() as number)
        child.values.unshift(leafSibling.values.pop() as V)
        setSeparator(parent, sep, child.keys[0] as Buffer, child.prefixes[0] as number)
      } else {
        child.keys.push(leafSibling.keys.shift() as Buffer)
        child.prefixes.push(leafSibling.prefixes.shift() as number)
        child.values.push(leafSibling.values.shift() as V)
        setSeparator(parent, sep, leafSibling.keys[0] as Buffer, leafSibling.prefixes[0] as number)
      }
      return
    }
    const left = (hasLeft ? leafSibling : child) as Leaf<V>
    const right = (hasLeft ? child : leafSibling) as Leaf<V>
    for (let k = 0; k < right.keys.length; k++) {
      left.keys.push(right.keys[k] as Buffer)
      left.prefixes.push(right.prefixes[k] as number)
      left.values.push(right.values[k] as V)
    }
    left.next = right.next
    removeSeparator(parent, sep)
    return
  }
  const branchSibling = sibling as Branch<V>
  if (branchSibling.children.length > BRANCH_MIN) {
    if (hasLeft) {
      child.children.unshift(branchSibling.children.pop() as Node<V>)
      child.keys.unshift(parent.keys[sep] as Buffer)
      child.prefixes.unshift(parent.prefixes[sep] as number)
      setSeparator(parent, sep, branchSibling.keys.pop() as Buffer, branchSibling.prefixes.pop() as number)
    } else {
      child.children.push(branchSibling.children.shift() as Node<V>)
      child.keys.push(parent.keys[sep] as Buffer)
      child.prefixes.push(parent.prefixes[sep] as number)
      setSeparator(parent, sep, branchSibling.keys.shift() as Buffer, branchSibling.prefixes.shift() as number)
    }
    return
  }
  const left = (hasLeft ? branchSibling : child) as Branch<V>
  const right = (hasLeft ? child : branchSibling) as Branch<V>
  left.keys.push(parent.keys[sep] as Buffer)
  left.prefixes.push(parent.prefixes[sep] as number)
  for (let k = 0; k < right.keys.length; k++) {
    left.keys.push(right.keys[k] as Buffer)
    left.prefixes.push(right.prefixes[k] as number)
  }
  for (const c of right.children) left.children.push(c)
  removeSeparator(parent, sep)
}

function setSeparator<V>(parent: Branch<V>, sep: number, key: Buffer, prefix: number): void {
  parent.keys[sep] = key
  parent.prefixes[sep] = prefix
}

/** Removes separator `sep` and the child to its right (merged into its left neighbour). */
function removeSeparator<V>(parent: Branch<V>, sep: number): void {
  parent.keys.splice(sep, 1)
  parent.prefixes.splice(sep, 1)
  parent.children.splice(sep + 1, 1)
}

/** memcmp order of node key `i` against `key`, deciding on the prefix numbers when they differ. */
function compareAt<V>(node: Node<V>, i: number, key: Buffer, prefix: number): number {
  const p = node.prefixes[i] as number
  return p !== prefix ? p - prefix : compareBytes(node.keys[i] as Buffer, key)
}

/** The first index whose key is >= `key`. */
function lowerBound<V>(node: Node<V>, key: Buffer, prefix: number): number {
  let low = 0
  let high = node.keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compareAt(node, mid, key, prefix) < 0) low = mid + 1
    else high = mid
  }
  return low
}

/** The first index whose key is > `key`. */
function upperBound<V>(node: Node<V>, key: Buffer, prefix: number): number {
  let low = 0
  let high = node.keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compareAt(node, mid, key, prefix) <= 0) low = mid + 1
    else high = mid
  }
  return low
}

/**
 * A position in a tree: valid until the tree's `version` changes (then seek again from the last key
 * read). Mutable and reusable, so a scan allocates nothing per entry.
 */
export class TreeCursor<V> {
  leaf: Leaf<V> | null = null
  index = 0

  get isValid(): boolean {
    return this.leaf !== null
  }

  get key(): Buffer {
    return (this.leaf as Leaf<V>).keys[this.index] as Buffer
  }

  get value(): V {
    return (this.leaf as Leaf<V>).values[this.index] as V
  }

  /** Moves to the next key (and becomes invalid after the last). */
  advance(): void {
    const leaf = this.leaf as Leaf<V>
    if (++this.index < leaf.keys.length) return
    let next = leaf.next
    while (next !== null && next.keys.length === 0) next = next.next
    this.leaf = next
    this.index = 0
  }
}
