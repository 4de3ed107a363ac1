// Creating a directory so that it survives a crash: mkdir alone leaves the new entry in the
// parent's unsynced metadata, and a power loss can take the directory (and every file fsynced
// inside it) away. `ensureDurableDir` creates the missing levels and fsyncs the parent of each.
// Used for the data dir and `<dataDir>/__cluster`; partition dirs are the storage layer's business.
import { dirname } from 'node:path'
import type { Fs } from '../storage/fs.ts'

/** Creates `path` and its missing parents, durably: each new level's parent directory is fsynced. */
export async function ensureDurableDir(fs: Fs, path: string): Promise<void> {
  const missing: string[] = []
  for (let dir = path; !(await fs.exists(dir)); dir = dirname(dir)) {
    missing.push(dir)
    if (dirname(dir) === dir) break
  }
  if (missing.length === 0) return
  await fs.mkdir(path)
  // Deepest first is fine: each fsync makes one new entry durable, and all of them must be.
  for (const dir of missing) await fs.fsyncDir(dirname(dir))
}
