// A quick throughput measurement of the state stores (not a test, not part of `npm run bench`):
//   npx tsx bench/streams/state-throughput.ts [entries]      (default 200,000)
// Random 16-byte keys, 100-byte values, one core. Prints puts/s, gets/s and scan entries/s for the
// in-memory store (B+tree), a sorted-array map (the baseline the B+tree replaced: binary search plus
// an O(n) splice per insert), and the LMDB store (puts land in its overlay; flush writes them out;
// gets then read LMDB), and what expiring a segment costs by drop against deleting its keys.
// Synchronous figures are the best of three rounds, because the machine is shared.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Random } from '../../src/base/random.ts'
import { InMemoryStore } from '../../src/streams/state/in-memory-store.ts'
import { LmdbEnvironment, openLmdbStore } from '../../src/streams/state/lmdb-environment.ts'
import { compareBytes } from '../../src/streams/state/store-keys.ts'

const entries = Number(process.argv[2] ?? 200_000)
const random = new Random(42)
const keys = Array.from({ length: entries }, () => random.bytes(16))
const value = random.bytes(100)

function rate(label: string, count: number, run: () => void): void {
  let best = Infinity
  for (let round = 0; round < 3; round++) {
    const start = performance.now()
    run()
    best = Math.min(best, performance.now() - start)
  }
  console.log(`${label.padEnd(44)} ${Math.round((count / best) * 1000).toLocaleString('en-US').padStart(12)} /s   (${best.toFixed(1)} ms for ${count.toLocaleString('en-US')})`)
}

async function rateAsync(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now()
  await run()
  const ms = performance.now() - start
  console.log(`${label.padEnd(44)} ${Math.round((count / ms) * 1000).toLocaleString('en-US').padStart(12)} /s   (${ms.toFixed(1)} ms for ${count.toLocaleString('en-US')})`)
}

/** The structure the B+tree replaced: sorted parallel arrays, binary search, splice on insert. */
class SortedArrayMap {
  keys: Buffer[] = []
  values: Buffer[] = []
  set(key: Buffer, v: Buffer): void {
    let low = 0
    let high = this.keys.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (compareBytes(this.keys[mid] as Buffer, key) < 0) low = mid + 1
      else high = mid
    }
    if (low < this.keys.length && compareBytes(this.keys[low] as Buffer, key) === 0) this.values[low] = v
    else {
      this.keys.splice(low, 0, key)
      this.values.splice(low, 0, v)
    }
  }
}

console.log(`state store throughput, ${entries.toLocaleString('en-US')} random 16-byte keys, 100-byte values, Node ${process.version}`)

rate('in-memory (B+tree): put, new keys', entries, () => {
  const store = new InMemoryStore('measure')
  for (const key of keys) store.put(key, value)
})
const memory = new InMemoryStore('measure')
for (const key of keys) memory.put(key, value)
rate('in-memory (B+tree): put, overwrite', entries, () => {
  for (const key of keys) memory.put(key, value)
})
rate('in-memory (B+tree): get', entries, () => {
  let found = 0
  for (const key of keys) if (memory.get(key) !== undefined) found++
  if (found !== entries) throw new Error('lost keys')
})
rate('in-memory (B+tree): scan all', entries, () => {
  let count = 0
  for (const entry of memory.all()) count += entry.value.length > 0 ? 1 : 0
  if (count !== entries) throw new Error('lost keys')
})
rate('sorted array (baseline): put, new keys', entries, () => {
  const map = new SortedArrayMap()
  for (const key of keys) map.set(key, value)
})

const dir = mkdtempSync(join(tmpdir(), 'sluice-measure-lmdb-'))
try {
  const lmdb = openLmdbStore({ path: dir, name: 'measure' })
  // Overlay only: the write-out threshold is never reached by 100-byte values below ~130k keys.
  await rateAsync('LMDB: put (into the overlay, no flush)', entries, async () => {
    for (const key of keys) lmdb.put(key, value)
  })
  rate('LMDB: get (from the overlay)', entries, () => {
    for (const key of keys) if (lmdb.get(key) === undefined) throw new Error('lost key')
  })
  await rateAsync('LMDB: flush (write-out, commit, fsync)', entries, () => lmdb.flush())
  rate('LMDB: get (committed data)', entries, () => {
    for (const key of keys) if (lmdb.get(key) === undefined) throw new Error('lost key')
  })
  rate('LMDB: scan all', entries, () => {
    let count = 0
    for (const entry of lmdb.all()) count += entry.value.length > 0 ? 1 : 0
    if (count !== entries) throw new Error('lost keys')
  })
  await rateAsync('LMDB: put + flush, overwrite all', entries, async () => {
    for (const key of keys) lmdb.put(key, value)
    await lmdb.flush()
  })
  await lmdb.close()

  // Retention: dropping a whole segment (one named database) against deleting its keys one by one.
  const environment = LmdbEnvironment.open({ path: join(dir, 'segments') })
  for (const name of ['by-drop', 'by-delete']) {
    const segment = environment.open(name)
    for (const key of keys) segment.put(key, value)
    await segment.close()
  }
  await environment.flush()
  await rateAsync('LMDB: expire a segment by drop (+ flush)', entries, async () => {
    environment.drop('by-drop')
    await environment.flush()
  })
  await rateAsync('LMDB: expire a segment by deletes (+ flush)', entries, async () => {
    const segment = environment.open('by-delete')
    for (const key of keys) segment.delete(key)
    await segment.flush()
  })
  await environment.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
