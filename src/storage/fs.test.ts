// One contract suite for every Fs implementation: NodeFs in a temporary directory and the
// in-memory MemoryFs must behave alike for everything storage relies on.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeFs, type Fs } from './fs.ts'
import { MemoryFs } from '../testing/memory-fs.ts'

function contract(name: string, setup: () => Promise<{ fs: Fs; root: string; teardown: () => void }>): void {
  describe(`Fs contract: ${name}`, () => {
    let fs: Fs
    let root: string
    let teardown: () => void
    before(async () => ({ fs, root, teardown } = await setup()))
    after(() => teardown())

    it('writes at positions and reads them back, short at the end of the file', async () => {
      const path = join(root, 'a.bin')
      const handle = await fs.open(path, 'create')
      handle.write(Buffer.from('hello world'), 0, 11, 0)
      handle.write(Buffer.from('XXWORLD'), 2, 5, 6)
      assert.equal(await handle.size(), 11)
      const out = Buffer.alloc(20)
      assert.equal(await handle.read(out, 0, 20, 0), 11)
      assert.equal(out.subarray(0, 11).toString(), 'hello WORLD')
      assert.equal(await handle.read(out, 0, 20, 11), 0)
      assert.equal(await handle.read(out, 3, 4, 2), 4)
      assert.equal(out.subarray(3, 7).toString(), 'llo ')
      await handle.sync()
      await handle.close()
      assert.deepEqual(await fs.readFile(path), Buffer.from('hello WORLD'))
    })

    it('opening for creation keeps existing bytes and opening a missing file for reading fails with ENOENT', async () => {
      const path = join(root, 'keep.bin')
      const first = await fs.open(path, 'create')
      first.write(Buffer.from('abc'), 0, 3, 0)
      await first.close()
      const second = await fs.open(path, 'create')
      assert.equal(await second.size(), 3)
      await second.close()
      await assert.rejects(fs.open(join(root, 'missing.bin'), 'read'), { code: 'ENOENT' })
      await assert.rejects(fs.open(join(root, 'missing.bin'), 'read-write'), { code: 'ENOENT' })
    })

    it('truncates a file shorter and longer (zero filled)', async () => {
      const path = join(root, 't.bin')
      const handle = await fs.open(path, 'create')
      handle.write(Buffer.from('abcdef'), 0, 6, 0)
      await handle.truncate(2)
      assert.equal(await handle.size(), 2)
      await handle.truncate(4)
      const out = Buffer.alloc(4)
      assert.equal(await handle.read(out, 0, 4, 0), 4)
      assert.deepEqual(out, Buffer.from([0x61, 0x62, 0, 0]))
      await handle.close()
    })

    it('writing past the end fills the gap with zeros', async () => {
      const path = join(root, 'gap.bin')
      const handle = await fs.open(path, 'create')
      handle.write(Buffer.from('z'), 0, 1, 3)
      assert.deepEqual(await fs.readFile(path), Buffer.from([0, 0, 0, 0x7a]))
      await handle.close()
    })

    it('makes nested directories and lists names sorted', async () => {
      const dir = join(root, 'x', 'y', 'z')
      await fs.mkdir(dir)
      await fs.mkdir(dir)
      await fs.writeFile(join(dir, 'b'), Buffer.from('2'))
      await fs.writeFile(join(dir, 'a'), Buffer.from('1'))
      assert.deepEqual(await fs.readdir(dir), ['a', 'b'])
      assert.equal((await fs.stat(dir)).isDirectory, true)
      assert.equal((await fs.stat(join(dir, 'a'))).isDirectory, false)
      assert.equal((await fs.stat(join(dir, 'a'))).size, 1)
      await assert.rejects(fs.readdir(join(root, 'nope')), { code: 'ENOENT' })
    })

    it('writeFile replaces a file atomically and leaves no temporary file', async () => {
      const dir = join(root, 'atomic')
      await fs.mkdir(dir)
      const path = join(dir, 'state')
      await fs.writeFile(path, Buffer.from('one'))
      await fs.writeFile(path, Buffer.from('two!'))
      assert.deepEqual(await fs.readFile(path), Buffer.from('two!'))
      assert.deepEqual(await fs.readdir(dir), ['state'])
      await fs.fsyncDir(dir)
    })

    it('renames over an existing file, unlinks, removes trees, and reports existence', async () => {
      const dir = join(root, 'names')
      await fs.mkdir(join(dir, 'sub', 'deeper'))
      await fs.writeFile(join(dir, 'from'), Buffer.from('new'))
      await fs.writeFile(join(dir, 'to'), Buffer.from('old'))
      await fs.rename(join(dir, 'from'), join(dir, 'to'))
      assert.equal(await fs.exists(join(dir, 'from')), false)
      assert.deepEqual(await fs.readFile(join(dir, 'to')), Buffer.from('new'))
      await fs.unlink(join(dir, 'to'))
      assert.equal(await fs.exists(join(dir, 'to')), false)
      await assert.rejects(fs.unlink(join(dir, 'to')), { code: 'ENOENT' })
      await assert.rejects(fs.readFile(join(dir, 'to')), { code: 'ENOENT' })
      await fs.writeFile(join(dir, 'sub', 'deeper', 'f'), Buffer.from('f'))
      await fs.rm(join(dir, 'sub'))
      await fs.rm(join(dir, 'sub'))
      assert.equal(await fs.exists(join(dir, 'sub')), false)
      assert.equal(await fs.exists(dir), true)
    })

    it('an unlinked file stays readable through a handle opened before', async () => {
      const path = join(root, 'ghost.bin')
      const handle = await fs.open(path, 'create')
      handle.write(Buffer.from('boo'), 0, 3, 0)
      await fs.unlink(path)
      const out = Buffer.alloc(3)
      assert.equal(await handle.read(out, 0, 3, 0), 3)
      assert.equal(out.toString(), 'boo')
      await handle.close()
    })

    it('a read-only handle refuses writes', async () => {
      const path = join(root, 'ro.bin')
      await fs.writeFile(path, Buffer.from('x'))
      const handle = await fs.open(path, 'read')
      assert.throws(() => handle.write(Buffer.from('y'), 0, 1, 0), { code: 'EBADF' })
      await handle.close()
    })
  })
}

contract('NodeFs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-fs-'))
  return { fs: new NodeFs(), root, teardown: () => rmSync(root, { recursive: true, force: true }) }
})

contract('MemoryFs', async () => {
  const fs = new MemoryFs()
  await fs.mkdir('/data')
  return { fs, root: '/data', teardown: () => {} }
})
