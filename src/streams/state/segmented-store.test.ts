import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import type { BytesStoreProvider } from './key-value-store.ts'
import { defaultSegmentIntervalMs, SegmentedBytesStore } from './segmented-store.ts'
import { providerFixtures } from './store-providers.test-kit.ts'
import { decodeWindowKey, encodeWindowKey, windowStartOf } from './time-keys.ts'

const key = (k: string, ms: number): Buffer => encodeWindowKey(Buffer.from(k), ms)
const show = (entries: Iterable<{ key: Buffer; value: Buffer }>): string[] =>
  [...entries].map(({ key: encoded, value }) => {
    const { key: k, startMs } = decodeWindowKey(encoded, false)
    return `${k.toString()}@${startMs}=${value.toString()}`
  })
const open = (provider: BytesStoreProvider, name = 'w'): SegmentedBytesStore =>
  new SegmentedBytesStore({ name, provider, retentionMs: 250, segmentIntervalMs: 100, timeOf: (k) => windowStartOf(k, false) })

for (const fixture of providerFixtures()) {
  describe(`SegmentedBytesStore on ${fixture.kind}`, () => {
    after(() => fixture.cleanup())

    it('drops whole segments once all their times expire, and hides expired times in live ones', async () => {
      const provider = fixture.create()
      const store = open(provider)
      for (let t = 0; t <= 1000; t += 50) store.put(key('a', t), Buffer.from(String(t)))
      // Stream time 1000, retention 250: times >= 751 live; segment 7 (700..799) partly live.
      assert.equal(store.streamTimeMs, 1000)
      assert.equal(store.minLiveTimeMs, 751)
      assert.deepEqual(store.segmentIds, [7, 8, 9, 10])
      assert.equal(store.get(key('a', 750)), undefined, 'expired though its segment lives')
      assert.deepEqual(store.get(key('a', 800)), Buffer.from('800'))
      assert.deepEqual(show(store.all()), ['a@800=800', 'a@850=850', 'a@900=900', 'a@950=950', 'a@1000=1000'])
      store.put(key('a', 700), Buffer.from('late'))
      assert.equal(store.expiredPuts, 1)
      assert.equal(store.get(key('a', 700)), undefined)
      await store.flush()
      assert.deepEqual(provider.names().sort(), ['w.10', 'w.7', 'w.8', 'w.9'])
      await store.close()
    })

    it('merges its segments into one key order, and reads only segments in a time range', async () => {
      const store = open(fixture.create())
      for (const [k, t] of [['b', 910], ['a', 990], ['b', 850], ['a', 820], ['c', 900]] as const) store.put(key(k, t), Buffer.from(k))
      assert.deepEqual(show(store.range()), ['a@820=a', 'a@990=a', 'b@850=b', 'b@910=b', 'c@900=c'])
      assert.deepEqual(show(store.range(key('a', 0), key('b', 900))), ['a@820=a', 'a@990=a', 'b@850=b'])
      assert.deepEqual(show(store.rangeWithin(undefined, undefined, 900, 950)), ['b@910=b', 'c@900=c'])
      store.delete(key('a', 990))
      assert.deepEqual(show(store.rangeWithin(key('a', 0), key('a', 2000), 0, 2000)), ['a@820=a'])
      assert.equal(store.approximateCount(), 4)
      await store.close()
    })

    it('stays consistent when written or expired under an open scan', async () => {
      const store = open(fixture.create())
      for (let t = 800; t < 1000; t += 10) store.put(key('k', t), Buffer.from(String(t)))
      const seen: string[] = []
      for (const raw of store.all()) {
        const entry = show([raw])[0]!
        seen.push(entry)
        if (entry === 'k@800=800') {
          store.delete(key('k', 810)) // the buffered head of this segment: must not appear
          store.put(key('k', 805), Buffer.from('805')) // ahead of the position: must appear
        }
      }
      assert.deepEqual(seen.slice(0, 3), ['k@800=800', 'k@805=805', 'k@820=820'])
      assert.equal(seen.length, 20)

      const seen2: string[] = []
      for (const raw of store.all()) {
        const entry = show([raw])[0]!
        seen2.push(entry)
        // Stream time 1200: times below 951 expire, so segment 8 (800..899), open under this scan, is
        // dropped and segment 9 keeps only 960..990 visible.
        if (entry === 'k@800=800') store.put(key('z', 1200), Buffer.from('1200'))
      }
      // z@1200 went to segment 12, created after the scan began: scans read the segments of their start.
      assert.deepEqual(seen2, ['k@800=800', 'k@960=960', 'k@970=970', 'k@980=980', 'k@990=990'])
      assert.deepEqual(store.segmentIds, [9, 12])
      await store.close()
    })

    if (fixture.reopen !== null) {
      it('reopens its segments from disk and recomputes stream time', async () => {
        const reopen = fixture.reopen as (p: BytesStoreProvider) => Promise<BytesStoreProvider>
        const provider = fixture.create()
        const store = open(provider)
        for (const t of [500, 640, 720, 760]) store.put(key('x', t), Buffer.from(String(t)))
        await store.close()
        const again = open(await reopen(provider))
        assert.equal(again.streamTimeMs, 760)
        assert.deepEqual(again.segmentIds, [5, 6, 7])
        assert.deepEqual(show(again.all()), ['x@640=640', 'x@720=720', 'x@760=760'])
        await again.close()
      })
    }
  })
}

describe('SegmentedBytesStore options', () => {
  it('defaults the segment interval as Kafka Streams does, and refuses nonsense', () => {
    assert.equal(defaultSegmentIntervalMs(86_400_000), 43_200_000)
    assert.equal(defaultSegmentIntervalMs(1000), 60_000)
    const provider = providerFixtures()[0]!.create()
    assert.throws(() => new SegmentedBytesStore({ name: 'x', provider, retentionMs: 0, segmentIntervalMs: 10, timeOf: () => 0 }), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG'))
    assert.throws(() => new SegmentedBytesStore({ name: 'x', provider, retentionMs: 10, segmentIntervalMs: 0.5, timeOf: () => 0 }), (e: unknown) => isSluiceError(e, 'INVALID_CONFIG'))
  })
})
