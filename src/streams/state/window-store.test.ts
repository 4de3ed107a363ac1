import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { jsonSerde } from '../serdes/json-serde.ts'
import { stringSerde } from '../serdes/string-serde.ts'
import type { BytesStoreProvider } from './key-value-store.ts'
import { MemoryChangelog } from './memory-changelog.ts'
import { providerFixtures } from './store-providers.test-kit.ts'
import { compareBytes } from './store-keys.ts'
import { WindowStore } from './window-store.ts'

const windows = (provider: BytesStoreProvider, options: { retentionMs?: number; segmentIntervalMs?: number; retainDuplicates?: boolean } = {}): WindowStore<string, number> =>
  new WindowStore({ name: 'counts', provider, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: options.retentionMs ?? 1000, segmentIntervalMs: options.segmentIntervalMs ?? 100, retainDuplicates: options.retainDuplicates })

for (const fixture of providerFixtures()) {
  describe(`WindowStore on ${fixture.kind}`, () => {
    after(() => fixture.cleanup())

    it('stores one value per key and window start, and fetches a key\'s windows by start', async () => {
      const store = windows(fixture.create())
      store.put('card-1', 3, 1000)
      store.put('card-1', 5, 1100)
      store.put('card-1', 7, 1000) // overwrites
      store.put('card-2', 1, 1050)
      store.put('card-10', 9, 1000) // shares the prefix 'card-1'
      assert.equal(store.get('card-1', 1000), 7)
      assert.equal(store.get('card-1', 1050), undefined)
      assert.deepEqual([...store.fetch('card-1', 1000, 1100)], [{ windowStartMs: 1000, value: 7 }, { windowStartMs: 1100, value: 5 }])
      assert.deepEqual([...store.fetch('card-1', 1001, 1100)], [{ windowStartMs: 1100, value: 5 }], 'bounds are inclusive and exact')
      assert.deepEqual([...store.fetch('card-1', 1100, 1000)], [])
      assert.deepEqual([...store.fetchAll(1000, 1050)].map((e) => `${e.key}@${e.windowStartMs}=${e.value}`), ['card-1@1000=7', 'card-10@1000=9', 'card-2@1050=1'])
      store.remove('card-1', 1000)
      assert.equal(store.get('card-1', 1000), undefined)
      await store.flush()
      assert.deepEqual([...store.all()].map((e) => `${e.key}@${e.windowStartMs}`), ['card-1@1100', 'card-10@1000', 'card-2@1050'])
      await store.close()
    })

    it('forgets windows older than retention and drops their segments', async () => {
      const provider = fixture.create()
      const store = windows(provider, { retentionMs: 300, segmentIntervalMs: 100 })
      for (let start = 0; start <= 2000; start += 50) store.put('k', start, start)
      // Stream time 2000, retention 300: starts >= 1701 live, segments 17..20 remain.
      assert.deepEqual(store.segmentIds, [17, 18, 19, 20])
      assert.deepEqual([...store.fetch('k', 0, 5000)].map((w) => w.windowStartMs), [1750, 1800, 1850, 1900, 1950, 2000])
      store.put('k', 1, 1200)
      assert.equal(store.expiredPuts, 1)
      assert.equal(store.get('k', 1200), undefined)
      await store.flush()
      assert.deepEqual(provider.names().filter((n) => n.startsWith('counts.')).sort(), ['counts.17', 'counts.18', 'counts.19', 'counts.20'])
      await store.close()
    })

    it('streams through many more segments than the provider has slots (dropped ones are freed)', async () => {
      const changelog = new MemoryChangelog()
      const provider = fixture.create({ maxStores: 8 })
      const store = new WindowStore({ name: 'fast', provider, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 200, segmentIntervalMs: 100, changelog })
      for (let start = 0; start < 40_000; start += 7) {
        store.put(`k${start % 13}`, start, start)
        if (start % 3500 === 0) await store.flush()
      }
      await store.flush()
      assert.ok(store.segmentIds.length <= 3)
      store.put('late', 1, 100) // long expired: dropped before it costs a changelog record
      await store.flush()
      assert.ok(!changelog.records.some((r) => r.key.subarray(0, 4).toString() === 'late'))
      assert.equal(store.expiredPuts, 1)
      await store.close()
    })

    it('keeps duplicates in put order when asked to, and continues them after a reopen', async () => {
      const provider = fixture.create()
      const store = windows(provider, { retainDuplicates: true })
      for (const value of [10, 20, 30]) store.put('join-key', value, 5000)
      store.put('join-key', 40, 5100)
      assert.equal(store.get('join-key', 5000), 10)
      assert.deepEqual([...store.fetch('join-key', 5000, 5000)].map((w) => w.value), [10, 20, 30])
      let target = store
      if (fixture.reopen !== null) {
        await store.close()
        target = windows(await fixture.reopen(provider), { retainDuplicates: true })
      }
      target.put('join-key', 50, 5000)
      assert.deepEqual([...target.fetch('join-key', 0, 9999)].map((w) => w.value), [10, 20, 30, 50, 40])
      target.remove('join-key', 5000)
      assert.deepEqual([...target.fetch('join-key', 0, 9999)].map((w) => w.value), [40])
      await target.close()
    })

    it('matches a brute-force reference through random puts, removes and fetches', async () => {
      const random = randomFromEnv(`window store (${fixture.kind}) random ops`)
      const store = windows(fixture.create({ pendingBytesMax: 4096 }), { retentionMs: 700, segmentIntervalMs: 150 })
      const reference = new Map<string, { key: string; start: number; value: number }>()
      const keys = ['a', 'b', 'ab', 'a\u0000', 'a\u0000b', '', 'é']
      let streamTime = Number.MIN_SAFE_INTEGER
      const live = (start: number): boolean => start >= streamTime - 700 + 1
      const id = (key: string, start: number): string => `${Buffer.from(key).toString('hex')}/${start}`
      let time = 0
      for (let step = 0; step < 3000; step++) {
        time += random.int(0, 4) // stream time creeps forward; starts land around it, some late
        const key = random.pick(keys)
        const start = time - random.int(0, 900)
        const roll = random.float()
        if (roll < 0.6) {
          const value = random.int(0, 1000)
          store.put(key, value, start)
          streamTime = Math.max(streamTime, start)
          if (live(start)) reference.set(id(key, start), { key, start, value })
        } else if (roll < 0.7) {
          store.remove(key, start)
          reference.delete(id(key, start))
        } else if (roll < 0.85) {
          const to = start + random.int(0, 400)
          const expected = [...reference.values()].filter((w) => w.key === key && w.start >= start && w.start <= to && live(w.start)).sort((x, y) => x.start - y.start)
          assert.deepEqual([...store.fetch(key, start, to)], expected.map((w) => ({ windowStartMs: w.start, value: w.value })))
        } else if (roll < 0.9) {
          const to = start + random.int(0, 300)
          const expected = [...reference.values()]
            .filter((w) => w.start >= start && w.start <= to && live(w.start))
            .sort((x, y) => compareBytes(Buffer.from(x.key), Buffer.from(y.key)) || x.start - y.start)
          assert.deepEqual([...store.fetchAll(start, to)], expected.map((w) => ({ key: w.key, windowStartMs: w.start, value: w.value })))
        } else if (roll < 0.97) {
          assert.equal(store.get(key, start), live(start) ? reference.get(id(key, start))?.value : undefined)
        } else {
          await store.flush()
        }
      }
      assert.equal(store.streamTimeMs, streamTime)
      await store.close()
    })

    it('refuses times that are not whole milliseconds and keys it cannot serialize', async () => {
      const store = windows(fixture.create())
      assert.throws(() => store.put('k', 1, 1.5), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && /window start must be a whole number of milliseconds, got 1.5/.test(e.message))
      assert.throws(() => store.fetch('k', Number.NaN, 10), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && /fetch from/.test(e.message))
      assert.throws(() => store.put(7 as unknown as string, 1, 0), { name: 'SerdeError' })
      await store.close()
    })
  })
}
