import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryFs } from '../testing/memory-fs.ts'
import { ensureDurableDir } from './durable-dir.ts'

test('a directory made by ensureDurableDir, and its new parents, survive a crash', async () => {
  const fs = new MemoryFs()
  await ensureDurableDir(fs, '/a/b/c')
  const after = fs.crash({ mode: 'drop-unsynced' })
  assert.equal(await after.exists('/a/b/c'), true)
})

test('a plain mkdir without the parent fsyncs can vanish in a crash (why the helper exists)', async () => {
  const fs = new MemoryFs()
  await fs.mkdir('/a/b/c')
  const after = fs.crash({ mode: 'drop-unsynced' })
  assert.equal(await after.exists('/a'), false)
})

test('ensureDurableDir on an existing directory does nothing', async () => {
  const fs = new MemoryFs()
  await ensureDurableDir(fs, '/x')
  const syncs = fs.dirSyncCount
  await ensureDurableDir(fs, '/x')
  assert.equal(fs.dirSyncCount, syncs)
})
