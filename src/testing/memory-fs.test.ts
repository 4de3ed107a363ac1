import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryFs } from './memory-fs.ts'
import { randomFromEnv } from '../base/random.ts'

async function fileWith(fs: MemoryFs, path: string, bytes: string, sync: boolean): Promise<void> {
  const handle = await fs.open(path, 'create')
  handle.write(Buffer.from(bytes), 0, bytes.length, 0)
  if (sync) await handle.sync()
  await handle.close()
}

describe('MemoryFs crash model', () => {
  it('a crash dropping unsynced writes keeps exactly the fsynced bytes', async () => {
    const fs = new MemoryFs()
    await fs.mkdir('/d')
    await fs.fsyncDir('/')
    const handle = await fs.open('/d/log', 'create')
    await fs.fsyncDir('/d')
    handle.write(Buffer.from('durable'), 0, 7, 0)
    await handle.sync()
    handle.write(Buffer.from('-volatile'), 0, 9, 7)
    assert.equal(fs.unsyncedBytes('/d/log'), 9)
    const after = fs.crash({ mode: 'drop-unsynced' })
    assert.deepEqual(await after.readFile('/d/log'), Buffer.from('durable'))
    await assert.rejects(fs.readFile('/d/log'), { code: 'EIO' })
    assert.throws(() => handle.write(Buffer.from('x'), 0, 1, 0), { code: 'EIO' })
  })

  it('a crash keeping unsynced writes models a killed process: the page cache survives', async () => {
    const fs = new MemoryFs()
    await fileWith(fs, '/f', 'all of it', false)
    const after = fs.crash({ mode: 'keep-unsynced' })
    assert.deepEqual(await after.readFile('/f'), Buffer.from('all of it'))
  })

  it('a file whose directory entry was never fsynced vanishes in a crash', async () => {
    const fs = new MemoryFs()
    await fileWith(fs, '/lost', 'data', true)
    const after = fs.crash({ mode: 'drop-unsynced' })
    assert.equal(await after.exists('/lost'), false)
  })

  it('writeFile survives a crash once it resolves, with the old or the new content', async () => {
    const fs = new MemoryFs()
    await fs.writeFile('/state', Buffer.from('old'))
    const pending = fs.writeFile('/state', Buffer.from('new'))
    // Crash at an arbitrary point of the replace: old content, never a mixture.
    const middle = fs.crash({ mode: 'tear-unsynced' })
    const content = (await middle.readFile('/state')).toString()
    assert.ok(content === 'old' || content === 'new', content)
    await assert.rejects(pending)
    const fresh = new MemoryFs()
    await fresh.writeFile('/state', Buffer.from('v2'))
    assert.deepEqual(await fresh.crash({ mode: 'drop-unsynced' }).readFile('/state'), Buffer.from('v2'))
  })

  it('a torn crash keeps a prefix of the unsynced writes, possibly followed by zeros', async () => {
    const random = randomFromEnv('memory-fs torn crash')
    const durable = Buffer.from('0123456789')
    const tail = Buffer.from('abcdefghijklmnopqrstuvwxyz')
    let sawPartial = false
    let sawZeros = false
    for (let round = 0; round < 200; round++) {
      const fs = new MemoryFs()
      const handle = await fs.open('/log', 'create')
      await fs.fsyncDir('/')
      handle.write(durable, 0, durable.length, 0)
      await handle.sync()
      handle.write(tail, 0, 13, 10)
      handle.write(tail, 13, 13, 23)
      const bytes = await fs.crash({ mode: 'tear-unsynced', random }).readFile('/log')
      assert.deepEqual(bytes.subarray(0, 10), durable)
      let kept = 0
      while (10 + kept < bytes.length && bytes[10 + kept] === tail[kept]) kept++
      for (let i = 10 + kept; i < bytes.length; i++) assert.equal(bytes[i], 0, `round ${round}: byte ${i} is neither data nor zero`)
      if (kept > 0 && kept < tail.length) sawPartial = true
      if (bytes.length > 10 + kept) sawZeros = true
    }
    assert.ok(sawPartial && sawZeros)
  })

  it('a rename becomes durable with an fsync of its directory', async () => {
    const fs = new MemoryFs()
    await fileWith(fs, '/a', 'x', true)
    await fs.fsyncDir('/')
    await fs.rename('/a', '/b')
    assert.deepEqual(await fs.crash({ mode: 'drop-unsynced' }).readdir('/'), ['a'])
    const fs2 = new MemoryFs()
    await fileWith(fs2, '/a', 'x', true)
    await fs2.rename('/a', '/b')
    await fs2.fsyncDir('/')
    assert.deepEqual(await fs2.crash({ mode: 'drop-unsynced' }).readdir('/'), ['b'])
  })
})

describe('MemoryFs faults and corruption', () => {
  it('injects EIO and ENOSPC into the next matching operations only', async () => {
    const fs = new MemoryFs()
    const handle = await fs.open('/f', 'create')
    fs.injectFault({ op: 'write', path: '/f', code: 'ENOSPC' })
    assert.throws(() => handle.write(Buffer.from('a'), 0, 1, 0), { code: 'ENOSPC', path: '/f' })
    handle.write(Buffer.from('a'), 0, 1, 0)
    fs.injectFault({ op: 'sync', path: /f$/, code: 'EIO', times: 2 })
    await assert.rejects(handle.sync(), { code: 'EIO' })
    await assert.rejects(handle.sync(), { code: 'EIO' })
    await handle.sync()
    fs.injectFault({ op: 'read', path: '/other', code: 'EIO' })
    assert.equal(await handle.read(Buffer.alloc(1), 0, 1, 0), 1)
    assert.equal(fs.syncCount('/f'), 1)
  })

  it('flips bytes and truncates files in place', async () => {
    const fs = new MemoryFs()
    await fileWith(fs, '/f', 'abcd', true)
    fs.flipByte('/f', 1, 0x20)
    assert.equal((await fs.readFile('/f')).toString(), 'aBcd')
    fs.truncateFile('/f', 2)
    assert.equal((await fs.readFile('/f')).toString(), 'aB')
  })

  it('fsync waits for the configured latency so writes can queue behind it', async () => {
    let release: () => void = () => {}
    const fs = new MemoryFs({ syncLatency: () => new Promise<void>((resolve) => { release = resolve }) })
    const handle = await fs.open('/f', 'create')
    handle.write(Buffer.from('a'), 0, 1, 0)
    let done = false
    const syncing = handle.sync().then(() => { done = true })
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(done, false)
    handle.write(Buffer.from('b'), 0, 1, 1)
    release()
    await syncing
    // Only the write issued before the fsync is covered by it.
    assert.equal(fs.unsyncedBytes('/f'), 1)
  })
})
