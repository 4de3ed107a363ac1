import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TimeIndex } from './time-index.ts'

const T0 = 1_700_000_000_000

describe('TimeIndex', () => {
  it('keeps only growing timestamps and finds where to start scanning for a timestamp', () => {
    const index = new TimeIndex(100, 2)
    index.maybeAppend(T0 + 10, 100)
    index.maybeAppend(T0 + 5, 110) // not larger: ignored
    index.maybeAppend(T0 + 20, 120)
    index.maybeAppend(T0 + 30, 130)
    assert.equal(index.entryCount, 3)
    assert.equal(index.lookup(T0), 100) // nothing older: from the segment start
    assert.equal(index.lookup(T0 + 10), 100)
    assert.equal(index.lookup(T0 + 11), 100)
    assert.equal(index.lookup(T0 + 21), 120)
    assert.equal(index.lookup(T0 + 99), 130)
    assert.equal(index.lastTimestamp, T0 + 30)
  })

  it('round-trips through its file bytes and refuses damage', () => {
    const index = new TimeIndex(0)
    index.maybeAppend(T0, 3)
    index.maybeAppend(T0 + 1, 7)
    const bytes = index.serialize(4096)
    const parsed = TimeIndex.parse(bytes, 0)
    assert.deepEqual([parsed?.logBytes, parsed?.index.entryCount, parsed?.index.lastOffset], [4096, 2, 7])
    bytes[22] = (bytes[22] as number) ^ 1
    assert.equal(TimeIndex.parse(bytes, 0), null)
  })

  it('drops entries after an offset', () => {
    const index = new TimeIndex(0)
    index.maybeAppend(T0, 1)
    index.maybeAppend(T0 + 1, 5)
    index.truncateAfterOffset(4)
    assert.deepEqual([index.entryCount, index.lastOffset], [1, 1])
  })
})
