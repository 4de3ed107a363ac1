import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomFromEnv } from '../../base/random.ts'
import { BPlusTree, keyPrefix } from './b-plus-tree.ts'
import { compareBytes } from './store-keys.ts'

const hex = (b: Buffer): string => b.toString('hex')

function entries<V>(tree: BPlusTree<V>, from?: Buffer, isExclusive = false): Array<[string, V]> {
  const out: Array<[string, V]> = []
  for (let c = tree.seek(from, isExclusive); c.isValid; c.advance()) out.push([hex(c.key), c.value])
  return out
}

describe('BPlusTree', () => {
  it('matches a sorted reference map through random inserts, overwrites and deletes', () => {
    const random = randomFromEnv('b-plus-tree random ops')
    const tree = new BPlusTree<number>()
    const reference = new Map<string, number>()
    for (let step = 0; step < 30_000; step++) {
      // Few distinct keys early (many overwrites), then growth, then a phase of mostly deletes.
      const key = random.bytes(random.int(1, 4))
      const isDelete = step > 20_000 ? random.chance(0.8) : random.chance(0.3)
      if (isDelete) {
        const had = reference.get(hex(key))
        assert.equal(tree.delete(key), had)
        reference.delete(hex(key))
      } else {
        assert.equal(tree.set(key, step), reference.get(hex(key)))
        reference.set(hex(key), step)
      }
      if (step % 2_500 === 0) tree.checkInvariants()
      const probe = random.bytes(random.int(1, 4))
      assert.equal(tree.get(probe), reference.get(hex(probe)))
    }
    tree.checkInvariants()
    const sorted = [...reference.entries()].sort((a, b) => compareBytes(Buffer.from(a[0], 'hex'), Buffer.from(b[0], 'hex')))
    assert.deepEqual(entries(tree), sorted)
    assert.equal(tree.size, reference.size)
  })

  it('seeks to the first key at or after a bound, or strictly after it', () => {
    const tree = new BPlusTree<number>()
    for (let i = 0; i < 1000; i += 2) tree.set(Buffer.from([i >> 8, i & 0xff]), i)
    tree.checkInvariants()
    assert.deepEqual(entries(tree, Buffer.from([0, 10])).slice(0, 2), [['000a', 10], ['000c', 12]])
    assert.deepEqual(entries(tree, Buffer.from([0, 10]), true).slice(0, 1), [['000c', 12]])
    assert.deepEqual(entries(tree, Buffer.from([0, 11])).slice(0, 1), [['000c', 12]])
    assert.deepEqual(entries(tree, Buffer.from([0, 11, 0])).slice(0, 1), [['000c', 12]])
    assert.deepEqual(entries(tree, Buffer.from([3, 0xe6]), true), [])
    assert.deepEqual(entries(tree, Buffer.from([9])), [])
    assert.equal(entries(tree).length, 500)
  })

  it('orders a key before every key it prefixes (memcmp order)', () => {
    const tree = new BPlusTree<string>()
    for (const k of ['ab', 'a', 'b', 'a\u0000', 'aa', '']) if (k !== '') tree.set(Buffer.from(k, 'latin1'), k)
    assert.deepEqual(entries(tree).map(([, v]) => v), ['a', 'a\u0000', 'aa', 'ab', 'b'])
  })

  it('shrinks back to one leaf when emptied, and bumps its version only on insert and remove', () => {
    const tree = new BPlusTree<number>()
    const keys = Array.from({ length: 5000 }, (_, i) => Buffer.from(String(i).padStart(5, '0')))
    for (const k of keys) tree.set(k, 1)
    const version = tree.version
    tree.set(keys[7]!, 2)
    assert.equal(tree.version, version, 'an in-place update keeps cursors valid')
    for (const k of keys) tree.delete(k)
    tree.checkInvariants()
    assert.equal(tree.size, 0)
    assert.deepEqual(entries(tree), [])
    assert.ok(tree.version > version)
  })

  it('orders key prefixes like the keys whenever the prefixes differ (zero padding is exact)', () => {
    const random = randomFromEnv('b-plus-tree key prefixes')
    for (let i = 0; i < 20_000; i++) {
      const a = Buffer.from(Array.from({ length: random.int(0, 9) }, () => random.pick([0, 1, 0x7f, 0xff])))
      const b = Buffer.from(Array.from({ length: random.int(0, 9) }, () => random.pick([0, 1, 0x7f, 0xff])))
      const [pa, pb] = [keyPrefix(a), keyPrefix(b)]
      if (pa < pb) assert.ok(compareBytes(a, b) < 0, `${a.toString('hex')} vs ${b.toString('hex')}`)
      if (pa > pb) assert.ok(compareBytes(a, b) > 0, `${a.toString('hex')} vs ${b.toString('hex')}`)
    }
    assert.equal(keyPrefix(Buffer.from('ffffffffffffff', 'hex')), 2 ** 48 - 1)
  })
})
