// Changelogging and restore: what a crash loses and what the changelog gives back.
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { jsonSerde } from '../serdes/json-serde.ts'
import { stringSerde } from '../serdes/string-serde.ts'
import { ChangeLoggingStore, type ChangelogRecord } from './change-logging-store.ts'
import { InMemoryStore, InMemoryStoreProvider } from './in-memory-store.ts'
import type { BytesStore } from './key-value-store.ts'
import { MemoryChangelog } from './memory-changelog.ts'
import { restore } from './restore.ts'
import { SessionStore } from './session-store.ts'
import { providerFixtures } from './store-providers.test-kit.ts'
import { WindowStore } from './window-store.ts'

const b = (text: string): Buffer => Buffer.from(text)
const log = (changelog: MemoryChangelog): string[] => changelog.records.map((r) => `${r.key.toString()}=${r.value === null ? '∅' : r.value.toString()}`)
const dump = (store: BytesStore): Array<[string, string]> => [...store.all()].map((e) => [e.key.toString('hex'), e.value.toString('hex')])

describe('ChangeLoggingStore', () => {
  it('coalesces changes per key between flushes and sends the last of each in key order', async () => {
    const changelog = new MemoryChangelog()
    const store = new ChangeLoggingStore(new InMemoryStore('counts'), changelog)
    for (let i = 1; i <= 1000; i++) store.put(b('hot'), b(String(i)))
    store.put(b('b'), b('x'))
    store.put(b('a'), b('y'))
    store.delete(b('a'))
    assert.deepEqual(changelog.records, [], 'nothing reaches the changelog before flush')
    assert.deepEqual(store.get(b('hot')), b('1000'), 'but the store itself is current')
    assert.equal(store.pendingChanges, 3)
    await store.flush()
    assert.deepEqual(log(changelog), ['a=∅', 'b=x', 'hot=1000'])
    store.put(b('hot'), b('1001'))
    await store.flush()
    await store.flush()
    assert.deepEqual(log(changelog).slice(3), ['hot=1001'])
  })

  it('appends every change at once without coalescing, and bounds what it holds with it', async () => {
    const eager = new MemoryChangelog()
    const store = new ChangeLoggingStore(new InMemoryStore('s'), eager, { coalesce: false })
    store.put(b('k'), b('1'))
    store.put(b('k'), b('2'))
    store.delete(b('k'))
    assert.deepEqual(log(eager), ['k=1', 'k=2', 'k=∅'])

    const bounded = new MemoryChangelog()
    const small = new ChangeLoggingStore(new InMemoryStore('t'), bounded, { pendingChangesMax: 3 })
    for (const k of ['a', 'b', 'c']) small.put(b(k), b('v'))
    assert.equal(bounded.records.length, 0)
    small.put(b('d'), b('v'))
    assert.deepEqual(log(bounded), ['a=v', 'b=v', 'c=v', 'd=v'], 'a fourth pending key sends them early')
    assert.equal(small.pendingChanges, 0)
  })

  it('never logs a write the store refused', () => {
    const changelog = new MemoryChangelog()
    const store = new ChangeLoggingStore(new InMemoryStore('s'), changelog, { coalesce: false })
    assert.throws(() => store.put(Buffer.alloc(0), b('v')), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT'))
    assert.deepEqual(changelog.records, [])
  })

  it('keeps the changes a failing sink did not take and sends them on the next flush', async () => {
    const taken: string[] = []
    let failures = 1
    const sink = {
      append(key: Buffer, value: Buffer | null): void {
        if (key.toString() === 'b' && failures-- > 0) throw new Error('producer buffer full')
        taken.push(`${key.toString()}=${value?.toString()}`)
      },
    }
    const store = new ChangeLoggingStore(new InMemoryStore('s'), sink)
    for (const k of ['a', 'b', 'c']) store.put(b(k), b(k))
    await assert.rejects(store.flush(), /producer buffer full/)
    assert.deepEqual(taken, ['a=a'])
    await store.flush()
    assert.deepEqual(taken, ['a=a', 'b=b', 'c=c'])
  })
})

describe('restore', () => {
  const fixtures = providerFixtures()
  after(async () => {
    for (const fixture of fixtures) await fixture.cleanup()
  })

  it('rebuilds a crashed in-memory store from its changelog, full or compacted, into memory or LMDB', async () => {
    const random = randomFromEnv('restore after crash')
    const changelog = new MemoryChangelog()
    const original = new ChangeLoggingStore(new InMemoryStore('orders'), changelog)
    for (let step = 0; step < 5000; step++) {
      const key = Buffer.from([random.int(0, 40), random.int(0, 40)])
      if (random.chance(0.7)) original.put(key, random.bytes(random.int(0, 30)))
      else original.delete(key)
      if (random.chance(0.01)) await original.flush()
    }
    await original.flush() // the runtime flushes before it commits; a crash loses only what came after
    const expected = dump(original)
    assert.ok(expected.length > 100)

    for (const source of [changelog.records, changelog.compacted(), changelog.compacted({ dropTombstones: true })]) {
      const rebuilt = new InMemoryStore('orders')
      const summary = await restore(rebuilt, changelog.replay(source))
      assert.equal(summary.records, source.length)
      assert.deepEqual(dump(rebuilt), expected)
    }
    assert.ok(changelog.compacted().length < changelog.records.length)

    const environment = fixtures[1]!.create()
    const persistent = environment.open('orders')
    await restore(persistent, changelog.compacted())
    assert.deepEqual(dump(persistent), expected)
  })

  it('applies the last write of a key and deletes on tombstones, without logging again', async () => {
    const changelog = new MemoryChangelog()
    const target = new ChangeLoggingStore(new InMemoryStore('s'), changelog)
    const records: ChangelogRecord[] = [
      { key: b('a'), value: b('1') },
      { key: b('b'), value: b('1') },
      { key: b('a'), value: b('2') },
      { key: b('b'), value: null },
      { key: b('c'), value: null },
    ]
    assert.deepEqual(await restore(target, records), { records: 5, puts: 3, deletes: 2 })
    assert.deepEqual(dump(target), [[b('a').toString('hex'), b('2').toString('hex')]])
    await target.flush()
    assert.deepEqual(changelog.records, [], 'restoring writes the wrapped store only')
  })

  it('names the changelog record a store refuses', async () => {
    await assert.rejects(
      restore(new InMemoryStore('s'), [{ key: b('ok'), value: b('1') }, { key: Buffer.alloc(0), value: b('2') }]),
      (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && /restoring store 's': changelog record #1 refused: .*key of 0 bytes/.test(e.message),
    )
  })

  for (const fixture of fixtures) {
    it(`rebuilds window and session stores from their changelogs (${fixture.kind})`, async () => {
      const random = randomFromEnv(`window/session restore on ${fixture.kind}`)
      const windowLog = new MemoryChangelog()
      const sessionLog = new MemoryChangelog()
      const provider = new InMemoryStoreProvider()
      const windows = new WindowStore({ name: 'w', provider, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 5000, segmentIntervalMs: 1000, changelog: windowLog })
      const sessions = new SessionStore({ name: 's', provider, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 5000, segmentIntervalMs: 1000, changelog: sessionLog })
      for (let t = 0; t < 20_000; t += random.int(1, 20)) {
        const key = `k${random.int(0, 20)}`
        windows.put(key, random.int(0, 9), t - random.int(0, 3000))
        if (random.chance(0.1)) windows.remove(key, t - random.int(0, 3000))
        sessions.put(key, { startMs: t - random.int(0, 500), endMs: t }, random.int(0, 9))
        if (random.chance(0.3)) await windows.flush()
      }
      await windows.flush()
      await sessions.flush()
      const expectedWindows = [...windows.all()]
      const expectedSessions = [...sessions.all()]
      assert.ok(expectedWindows.length > 100 && expectedSessions.length > 100)

      // The process dies; a new one restores from the (compacted) changelogs into fresh stores.
      const target = fixture.create()
      const rebuiltWindows = new WindowStore({ name: 'w', provider: target, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 5000, segmentIntervalMs: 1000 })
      const rebuiltSessions = new SessionStore({ name: 's', provider: target, keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 5000, segmentIntervalMs: 1000 })
      await restore(rebuiltWindows.bytes, windowLog.replay(windowLog.compacted()))
      await restore(rebuiltSessions.bytes, sessionLog.replay(sessionLog.compacted()))
      assert.deepEqual([...rebuiltWindows.all()], expectedWindows)
      assert.deepEqual([...rebuiltSessions.all()], expectedSessions)
      assert.deepEqual(rebuiltWindows.segmentIds, windows.segmentIds)
      await rebuiltWindows.close()
      await rebuiltSessions.close()
    })
  }

  it('restores a long windowed changelog into LMDB with few slots and a small overlay', async () => {
    const changelog = new MemoryChangelog()
    const source = new WindowStore({ name: 'w', provider: new InMemoryStoreProvider(), keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 300, segmentIntervalMs: 100, changelog, changelogOptions: { coalesce: false } })
    for (let start = 0; start < 45_000; start += 3) source.put(`k${start % 17}`, start, start)
    const expected = [...source.all()]
    // ~450 segments pass through an environment of 8 slots, with write-outs every 256 bytes, so
    // segments are often dropped while a write-out of theirs is in flight; flushing every 100
    // records (~3 segments) keeps what is held at once within the slots.
    const target = new WindowStore({ name: 'w', provider: fixtures[1]!.create({ maxStores: 8, pendingBytesMax: 256 }), keySerde: stringSerde, valueSerde: jsonSerde<number>(), retentionMs: 300, segmentIntervalMs: 100 })
    const summary = await restore(target.bytes, changelog.records, { flushEveryRecords: 100 })
    assert.equal(summary.records, changelog.records.length)
    assert.deepEqual([...target.all()], expected)
    await target.close()
  })
})
