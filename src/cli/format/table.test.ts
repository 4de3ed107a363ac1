// Unit tests of the text tables the admin commands print.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatFields, formatTable } from './table.ts'

test('tables upper-case headers, pad columns to their widest cell and print null as a dash', () => {
  const out = formatTable(['topic', 'partitions', 'size'], [['payments', 6, '1.5 KiB'], ['a', 12, null]])
  assert.equal(out, [
    'TOPIC     PARTITIONS  SIZE',
    'payments  6           1.5 KiB',
    'a         12          -',
    '',
  ].join('\n'))
})

test('an empty table still prints its headers', () => {
  assert.equal(formatTable(['group', 'state'], []), 'GROUP  STATE\n')
})

test('fields align their values after the longest label', () => {
  assert.equal(formatFields([['name', 'payments'], ['partitions', 3]]), 'name:        payments\npartitions:  3\n')
})
