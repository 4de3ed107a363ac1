import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { jsonSerde } from '../serdes/json-serde.ts'
import { stringSerde } from '../serdes/string-serde.ts'
import type { BytesStoreProvider } from './key-value-store.ts'
import { SessionStore } from './session-store.ts'
import { providerFixtures } from './store-providers.test-kit.ts'

const sessions = (provider: BytesStoreProvider, retentionMs = 10_000): SessionStore<string, number> =>
  new SessionStore({ name: 'clicks', provider, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs, segmentIntervalMs: 1000 })
const spans = (entries: Iterable<{ key: string; startMs: number; endMs: number; value: number }>): string[] =>
  [...entries].map((s) => `${s.key}[${s.startMs},${s.endMs}]=${s.value}`)

for (const fixture of providerFixtures()) {
  describe(`SessionStore on ${fixture.kind}`, () => {
    after(() => fixture.cleanup())

    it('finds the sessions a new record touches: end >= earliest end and start <= latest start', async () => {
      const store = sessions(fixture.create())
      store.put('u1', { startMs: 0, endMs: 100 }, 2)
      store.put('u1', { startMs: 300, endMs: 400 }, 3)
      store.put('u1', { startMs: 1000, endMs: 5000 }, 9) // long session ending far later
      store.put('u10', { startMs: 350, endMs: 360 }, 1) // another key sharing the prefix
      store.put('u2', { startMs: 390, endMs: 390 }, 1)
      // A record at t = 450 with a 100 ms gap joins sessions within [350, 550].
      assert.deepEqual(spans(store.findSessions('u1', 350, 550)), ['u1[300,400]=3'])
      // At t = 1050 it falls inside the long session, which ends at 5000 > t + gap.
      assert.deepEqual(spans(store.findSessions('u1', 950, 1150)), ['u1[1000,5000]=9'])
      assert.deepEqual(spans(store.findSessions('u1', 100, 300)), ['u1[0,100]=2', 'u1[300,400]=3'], 'both ends inclusive')
      assert.deepEqual(spans(store.fetch('u1')), ['u1[0,100]=2', 'u1[300,400]=3', 'u1[1000,5000]=9'])
      assert.equal(store.fetchSession('u1', 300, 400), 3)
      assert.equal(store.fetchSession('u1', 300, 401), undefined)
      // Merging: remove the touched sessions, put the merged one.
      store.remove('u1', { startMs: 0, endMs: 100 })
      store.remove('u1', { startMs: 300, endMs: 400 })
      store.put('u1', { startMs: 0, endMs: 400 }, 5)
      await store.flush()
      assert.deepEqual(spans(store.all()), ['u1[0,400]=5', 'u1[1000,5000]=9', 'u10[350,360]=1', 'u2[390,390]=1'])
      await store.close()
    })

    it('expires sessions by their end and drops old segments', async () => {
      const store = sessions(fixture.create(), 2000)
      store.put('k', { startMs: 0, endMs: 500 }, 1)
      store.put('k', { startMs: 1500, endMs: 2600 }, 2)
      store.put('k', { startMs: 400, endMs: 4000 }, 3) // stream time 4000: ends >= 2001 live
      assert.deepEqual(spans(store.fetch('k')), ['k[1500,2600]=2', 'k[400,4000]=3'])
      assert.deepEqual(store.segmentIds, [2, 4])
      store.put('k', { startMs: 100, endMs: 1900 }, 4)
      assert.equal(store.expiredPuts, 1)
      assert.equal(store.streamTimeMs, 4000)
      await store.close()
    })

    it('matches a brute-force reference of findSessions on random sessions', async () => {
      const random = randomFromEnv(`session store (${fixture.kind}) random ops`)
      const store = sessions(fixture.create({ pendingBytesMax: 2048 }), 1_000_000)
      const reference = new Map<string, { key: string; startMs: number; endMs: number; value: number }>()
      const keys = ['x', 'y', 'x\u0000', 'xy']
      for (let step = 0; step < 2000; step++) {
        const key = random.pick(keys)
        const startMs = random.int(0, 5000)
        const endMs = startMs + random.int(0, 800)
        const id = `${key}/${startMs}/${endMs}`
        if (random.chance(0.75)) {
          const value = random.int(0, 100)
          store.put(key, { startMs, endMs }, value)
          reference.set(id, { key, startMs, endMs, value })
        } else {
          store.remove(key, { startMs, endMs })
          reference.delete(id)
        }
        if (step % 10 === 0) {
          const t = random.int(0, 6000)
          const gap = random.int(0, 300)
          const expected = [...reference.values()]
            .filter((s) => s.key === key && s.endMs >= t - gap && s.startMs <= t + gap)
            .sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs)
          assert.deepEqual(spans(store.findSessions(key, t - gap, t + gap)), spans(expected))
        }
        if (step % 500 === 0) await store.flush()
      }
      await store.close()
    })

    it('refuses a session that ends before it starts', async () => {
      const store = sessions(fixture.create())
      assert.throws(() => store.put('k', { startMs: 10, endMs: 9 }, 1), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && /cannot end \(9\) before it starts \(10\)/.test(e.message))
      assert.throws(() => store.findSessions('k', 0, Number.POSITIVE_INFINITY), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT'))
      await store.close()
    })
  })
}
