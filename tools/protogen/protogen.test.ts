// Checks that the committed src/protocol/messages/ is exactly what the generator writes from
// ../shared/kafka-protocol/messages (skipped, with the reason, only when that folder is absent), and
// unit-tests the generator's parsing and naming helpers.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { versionCond, versionCondNot, wrap } from './code.ts'
import { kebabCase } from './emit-file.ts'
import { DEFINITIONS_DIR, OUTPUT_DIR, generateAll } from './generate.ts'
import { camelCase } from './model.ts'
import { VERSION_MAX, parseVersions, stripComments } from './schema.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const definitions = resolve(root, DEFINITIONS_DIR)
const output = resolve(root, OUTPUT_DIR)

test('the committed generated files equal a fresh generation', (t) => {
  if (!existsSync(definitions)) {
    t.skip(`../shared/kafka-protocol not found: ${definitions}`)
    return
  }
  const files = generateAll(definitions)
  const stale: string[] = []
  for (const [name, text] of files) {
    const path = join(output, name)
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name)
  }
  const orphans = readdirSync(output).filter((name) => name.endsWith('.gen.ts') && !files.has(name))
  assert.deepEqual(stale, [], 'out of date: run `npm run protogen`')
  assert.deepEqual(orphans, [], 'generated files without a definition: run `npm run protogen`')
  // 88 API keys, 2 headers, 8 data payloads, index.ts.
  assert.equal(files.size, 99)
})

test('version ranges parse in all four forms', () => {
  assert.deepEqual(parseVersions('3'), { min: 3, max: 3 })
  assert.deepEqual(parseVersions('0-11'), { min: 0, max: 11 })
  assert.deepEqual(parseVersions('9+'), { min: 9, max: VERSION_MAX })
  assert.equal(parseVersions('none'), null)
  assert.throws(() => parseVersions('4-2'), /empty version range/)
  assert.throws(() => parseVersions('v1'), /unparseable/)
})

test('comment lines are dropped and content lines kept', () => {
  const text = '// licence\n{\n  // note\n  "a": "http://x"\n}\n'
  assert.deepEqual(JSON.parse(stripComments(text)), { a: 'http://x' })
})

test('version conditions are simplified against the versions a struct can appear in', () => {
  const context = { min: 0, max: 11 }
  assert.equal(versionCond({ min: 0, max: VERSION_MAX }, context), true)
  assert.equal(versionCond({ min: 3, max: VERSION_MAX }, context), 'version >= 3')
  assert.equal(versionCond({ min: 0, max: 4 }, context), 'version <= 4')
  assert.equal(versionCond({ min: 2, max: 4 }, context), 'version >= 2 && version <= 4')
  assert.equal(versionCond({ min: 5, max: 5 }, context), 'version === 5')
  assert.equal(versionCond({ min: 12, max: VERSION_MAX }, context), false)
  assert.equal(versionCond(null, context), false)
  assert.equal(versionCond({ min: 9, max: VERSION_MAX }, { min: 10, max: 11 }), true)
  assert.equal(versionCondNot({ min: 3, max: VERSION_MAX }, context), 'version < 3')
  assert.equal(versionCondNot({ min: 2, max: 4 }, context), 'version < 2 || version > 4')
  assert.equal(versionCondNot({ min: 0, max: VERSION_MAX }, context), false)
})

test('names follow the project conventions', () => {
  assert.equal(kebabCase('OffsetForLeaderEpoch'), 'offset-for-leader-epoch')
  assert.equal(kebabCase('KRaftVersionRecord'), 'k-raft-version-record')
  assert.equal(kebabCase('ApiVersions'), 'api-versions')
  assert.equal(camelCase('ThrottleTimeMs'), 'throttleTimeMs')
  assert.equal(camelCase('KRaftVersion'), 'kRaftVersion')
  assert.deepEqual(wrap('aa bb cc', 5), ['aa bb', 'cc'])
})
