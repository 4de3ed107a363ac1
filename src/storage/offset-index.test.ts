import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { OffsetIndex } from './offset-index.ts'

describe('OffsetIndex', () => {
  it('finds the position of the largest indexed offset at or below a target, or 0', () => {
    const index = new OffsetIndex(1000, 2)
    for (let i = 1; i <= 100; i++) index.append(1000 + i * 10, i * 4096)
    assert.equal(index.lookup(1000), 0)
    assert.equal(index.lookup(1009), 0)
    assert.equal(index.lookup(1010), 4096)
    assert.equal(index.lookup(1015), 4096)
    assert.equal(index.lookup(1999), 99 * 4096)
    assert.equal(index.lookup(5000), 100 * 4096)
    assert.deepEqual(index.floorEntry(1025), { offset: 1020, position: 8192 })
    assert.equal(index.floorEntry(1005), null)
  })

  it('round-trips through its file bytes, dropping entries beyond the log and refusing damage', () => {
    const index = new OffsetIndex(0)
    index.append(5, 100)
    index.append(9, 300)
    index.append(20, 900)
    const bytes = index.serialize(1000, 25)
    const parsed = OffsetIndex.parse(bytes, 0, 1000)
    assert.deepEqual([parsed?.logBytes, parsed?.nextOffset, parsed?.index.entryCount, parsed?.index.lookup(10)], [1000, 25, 3, 300])
    assert.equal(OffsetIndex.parse(bytes, 0, 500)?.index.entryCount, 2)
    const damaged = Buffer.from(bytes)
    damaged[damaged.length - 2] = (damaged[damaged.length - 2] as number) ^ 4
    assert.equal(OffsetIndex.parse(damaged, 0, 1000), null)
    assert.equal(OffsetIndex.parse(bytes.subarray(0, bytes.length - 3), 0, 1000), null)
  })

  it('drops entries at or after a truncation position', () => {
    const index = new OffsetIndex(0)
    index.append(1, 10)
    index.append(2, 20)
    index.append(3, 30)
    index.truncateToPosition(20)
    assert.deepEqual([index.entryCount, index.lastOffset, index.lastPosition], [1, 1, 10])
  })

  it('refuses entries that do not increase (a bug, not data)', () => {
    const index = new OffsetIndex(0)
    index.append(5, 100)
    assert.throws(() => index.append(5, 200), { name: 'AssertionError' })
    assert.throws(() => index.append(6, 50), { name: 'AssertionError' })
  })
})
