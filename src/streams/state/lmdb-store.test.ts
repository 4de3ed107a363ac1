// What only the persistent store promises: data outlives close and a killed process, the directory
// holds several named stores, and dropping one frees it. The shared contract is key-value-store.test.ts.
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isSluiceError } from '../../base/errors.ts'
import { LmdbEnvironment, openLmdbStore } from './lmdb-environment.ts'

const dirs: string[] = []
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lmdb-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
const b = (text: string): Buffer => Buffer.from(text)

describe('LmdbStore', () => {
  it('keeps its data when reopened from its directory after close', async () => {
    const dir = tempDir()
    const store = openLmdbStore({ path: dir, name: 'counts' })
    for (let i = 0; i < 1000; i++) store.put(b(`k${i}`), b(`v${i}`))
    store.delete(b('k7'))
    await store.close() // close flushes what is pending
    const reopened = openLmdbStore({ path: dir, name: 'counts' })
    try {
      assert.equal(reopened.approximateCount(), 999)
      assert.deepEqual(reopened.get(b('k999')), b('v999'))
      assert.equal(reopened.get(b('k7')), undefined)
      assert.equal([...reopened.all()].length, 999)
    } finally {
      await reopened.close()
    }
  })

  it('keeps every flushed write when its process is killed (SIGKILL) right after flush', () => {
    const dir = tempDir()
    const child = join(dirname(fileURLToPath(import.meta.url)), 'lmdb-crash-child.ts')
    const result = spawnSync(process.execPath, ['--import', 'tsx', child, dir, '20000', '20000'], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(result.signal, 'SIGKILL', `child ended with ${result.status} ${result.stderr}`)
    assert.equal(result.stdout, 'flushed\n')
    const store = openLmdbStore({ path: dir, name: 'crash' })
    return (async () => {
      try {
        let flushed = 0
        let unflushed = 0
        let count = 0
        for (const { key, value } of store.all()) {
          const i = Number(key.toString().slice(4))
          const text = value.toString()
          // Each key holds its flushed value or, if a background commit landed before the kill, the
          // later one; never anything else, and no key is missing.
          if (text === `flushed-${i}`) flushed++
          else if (text === `unflushed-${i}`) unflushed++
          else assert.fail(`key ${i} holds ${text}`)
          count++
        }
        assert.equal(count, 20_000)
        assert.equal(flushed + unflushed, 20_000)
      } finally {
        await store.close()
      }
    })()
  })

  it('reports a storage error with the path when the directory cannot be opened', () => {
    const file = join(tempDir(), 'a-file')
    writeFileSync(file, 'not a directory')
    const path = join(file, 'state')
    assert.throws(
      () => openLmdbStore({ path }),
      (e: unknown) => isSluiceError(e, 'KAFKA_STORAGE_ERROR') && e.message.includes(`cannot open the LMDB state directory ${path}: ENOTDIR`),
    )
  })

  it('treats a path with a dot as a directory, not a file name', async () => {
    const path = join(tempDir(), 'state.v1')
    const store = openLmdbStore({ path })
    store.put(b('k'), b('v'))
    await store.close()
    assert.ok(statSync(path).isDirectory())
  })
})

describe('LmdbEnvironment', () => {
  it('holds named stores side by side, lists them after a reopen, and drops one with its data', async () => {
    const dir = tempDir()
    const environment = LmdbEnvironment.open({ path: dir })
    const a = environment.open('window.0')
    const c = environment.open('window.1')
    a.put(b('x'), b('in a'))
    c.put(b('x'), b('in c'))
    assert.throws(() => environment.open('window.0'), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && /already open/.test(e.message))
    await environment.flush()
    assert.deepEqual(environment.names().sort(), ['window.0', 'window.1'])
    environment.drop('window.0')
    assert.equal(a.isOpen, false)
    assert.deepEqual(environment.names(), ['window.1'])
    await environment.flush()
    await environment.close()

    const again = LmdbEnvironment.open({ path: dir })
    try {
      assert.deepEqual(again.names(), ['window.1'])
      assert.deepEqual(again.open('window.1').get(b('x')), b('in c'))
      const recreated = again.open('window.0')
      assert.equal(recreated.get(b('x')), undefined, 'a dropped store comes back empty')
    } finally {
      await again.close()
    }
  })

  it('says which limit is reached when every store slot is taken', async () => {
    const environment = LmdbEnvironment.open({ path: tempDir(), maxStores: 2 })
    try {
      environment.open('one')
      environment.open('two')
      assert.throws(() => environment.open('three'), (e: unknown) => isSluiceError(e, 'KAFKA_STORAGE_ERROR') && /cannot open state store 'three' in .*: all 2 store slots are in use \(raise LmdbOptions.maxStores\)/.test(e.message))
      environment.drop('one')
      assert.equal(environment.open('three').isOpen, true, 'a drop frees its slot at once')
    } finally {
      await environment.close()
    }
  })

  it('drops a store that has writes still in flight without resurrecting them', async () => {
    const dir = tempDir()
    const environment = LmdbEnvironment.open({ path: dir, pendingBytesMax: 256 })
    try {
      const store = environment.open('seg')
      for (let i = 0; i < 500; i++) store.put(b(`k${i}`), Buffer.alloc(64, 1)) // many background write-outs
      environment.drop('seg')
      await environment.flush()
      assert.deepEqual(environment.names(), [])
      assert.equal(environment.open('seg').approximateCount(), 0)
    } finally {
      await environment.close()
    }
  })
})
