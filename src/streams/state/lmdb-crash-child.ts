// Child process of lmdb-store.test.ts: writes keys to an LMDB store, flushes, says so on stdout,
// writes more without flushing, then kills itself with SIGKILL (no close, no exit handlers), so the
// parent can check that everything flushed survived and the directory still opens.
//   tsx lmdb-crash-child.ts <dir> <flushed-count> <unflushed-count>
import { openLmdbStore } from './lmdb-environment.ts'

const [dir, flushedText, unflushedText] = process.argv.slice(2)
if (dir === undefined || flushedText === undefined || unflushedText === undefined) {
  process.stderr.write('usage: lmdb-crash-child.ts <dir> <flushed-count> <unflushed-count>\n')
  process.exit(2)
}
const store = openLmdbStore({ path: dir, name: 'crash', pendingBytesMax: 64 * 1024 })
const key = (i: number): Buffer => Buffer.from(`key-${String(i).padStart(8, '0')}`)
for (let i = 0; i < Number(flushedText); i++) store.put(key(i), Buffer.from(`flushed-${i}`))
await store.flush()
process.stdout.write('flushed\n')
for (let i = 0; i < Number(unflushedText); i++) store.put(key(i), Buffer.from(`unflushed-${i}`))
// Let some background write-outs start so the kill can land mid-commit.
await new Promise((resolve) => setImmediate(resolve))
process.kill(process.pid, 'SIGKILL')
