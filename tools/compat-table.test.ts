// README.md's compatibility table claims exactly what the `compat …` tests prove (see compat-table.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseClaim, readClaims, readmeTable, renderTable } from './compat-table.ts'

test('README.md\'s compatibility table is the one the compat tests claim (npm run compat-table rewrites it)', () => {
  const claims = readClaims()
  assert.ok(claims.length >= 6, `found ${claims.length} compat tests`)
  assert.equal(readmeTable(), renderTable(claims))
})

test('compat test names parse into client, features and details; unknown features are refused', () => {
  assert.deepEqual(parseClaim('compat kcat [codecs: none gzip, murmur2]: produces'), {
    name: 'compat kcat [codecs: none gzip, murmur2]: produces',
    client: 'kcat',
    features: [{ feature: 'codecs', detail: 'none gzip' }, { feature: 'murmur2', detail: null }],
  })
  assert.equal(parseClaim('kcat produces'), null)
  assert.throws(() => parseClaim('compat kcat [teleport]: x'), /unknown feature 'teleport'/)
  assert.throws(() => parseClaim('compat telnet [admin]: x'), /unknown client 'telnet'/)
})

test('a cell is ✗ when a test claiming it failed, — when no test claims it', () => {
  const claims = [parseClaim('compat kcat [admin]: a')!, parseClaim('compat kcat [admin, group]: b')!]
  const table = renderTable(claims, new Set(['compat kcat [admin, group]: b']))
  const kcatRow = table.split('\n').find((line) => line.startsWith('| kcat'))!
  assert.deepEqual(kcatRow.split('|').slice(2, -1).map((cell) => cell.trim()), ['✗', '—', '—', '✗', '—', '—'])
})
