// The KeyValueStore contract, one suite run against every implementation (in-memory and LMDB).
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError } from '../../base/errors.ts'
import { randomFromEnv } from '../../base/random.ts'
import { InMemoryStore } from './in-memory-store.ts'
import type { BytesStore, KeyValue } from './key-value-store.ts'
import { openLmdbStore } from './lmdb-environment.ts'
import { compareBytes, STORE_KEY_BYTES_MAX } from './store-keys.ts'

type Factory = (options?: { pendingBytesMax?: number }) => BytesStore

const b = (text: string): Buffer => Buffer.from(text, 'latin1')
const text = (entries: Iterable<KeyValue<Buffer, Buffer>>): string[] => [...entries].map((e) => `${e.key.toString('latin1')}=${e.value.toString('latin1')}`)
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function contract(kind: string, makeStore: Factory): void {
  describe(`KeyValueStore contract: ${kind}`, () => {
    const opened: BytesStore[] = []
    const fresh: Factory = (options) => {
      const store = makeStore(options)
      opened.push(store)
      return store
    }
    after(async () => {
      for (const store of opened) await store.close()
    })

    it('reads its own writes at once: put, overwrite, delete, absent keys', async () => {
      const store = fresh()
      assert.equal(store.get(b('k')), undefined)
      store.put(b('k'), b('v1'))
      assert.deepEqual(store.get(b('k')), b('v1'))
      store.put(b('k'), b('v2'))
      assert.deepEqual(store.get(b('k')), b('v2'))
      store.delete(b('k'))
      assert.equal(store.get(b('k')), undefined)
      store.delete(b('never'))
      store.put(b('empty'), Buffer.alloc(0))
      assert.deepEqual(store.get(b('empty')), Buffer.alloc(0))
      await store.flush()
      assert.equal(store.get(b('k')), undefined)
      assert.deepEqual(store.get(b('empty')), Buffer.alloc(0))
      store.put(b('k'), b('v3'))
      await store.flush()
      store.delete(b('k'))
      assert.equal(store.get(b('k')), undefined, 'a delete hides a flushed value before its own flush')
      await store.flush()
      assert.equal(store.get(b('k')), undefined)
    })

    it('copies what it keeps: the caller may reuse its buffers', async () => {
      const store = fresh()
      const key = b('key')
      const value = b('value')
      store.put(key, value)
      key.fill(0x7a)
      value.fill(0x7a)
      assert.deepEqual(store.get(b('key')), b('value'))
      await store.flush()
      assert.deepEqual(store.get(b('key')), b('value'))
      assert.deepEqual(text(store.all()), ['key=value'])
    })

    it('iterates in byte order of the keys (memcmp: a prefix first)', async () => {
      const store = fresh()
      const keys = ['b', 'a', 'ab', 'a\u0000', 'aa', '\u00ff', '\u0001', 'ba']
      for (const k of keys) store.put(b(k), b(k))
      const expected = [...keys].sort((x, y) => compareBytes(b(x), b(y)))
      assert.deepEqual([...store.all()].map((e) => e.key.toString('latin1')), expected)
      assert.deepEqual(expected, ['\u0001', 'a', 'a\u0000', 'aa', 'ab', 'b', 'ba', '\u00ff'])
      await store.flush()
      assert.deepEqual([...store.all()].map((e) => e.key.toString('latin1')), expected)
    })

    it('ranges include both bounds, accept open bounds and absent keys as bounds', async () => {
      const store = fresh()
      for (const k of ['a', 'b', 'bb', 'c', 'd']) store.put(b(k), b(k.toUpperCase()))
      for (const pass of ['pending', 'flushed']) {
        assert.deepEqual(text(store.range(b('b'), b('c'))), ['b=B', 'bb=BB', 'c=C'], pass)
        assert.deepEqual(text(store.range(b('ba'), b('bz'))), ['bb=BB'], pass)
        assert.deepEqual(text(store.range(undefined, b('b'))), ['a=A', 'b=B'], pass)
        assert.deepEqual(text(store.range(b('c'))), ['c=C', 'd=D'], pass)
        assert.deepEqual(text(store.range(b('c'), b('b'))), [], 'from > to is empty')
        assert.deepEqual(text(store.range(b('x'), b('z'))), [], pass)
        assert.deepEqual(text(store.range(b('b'), b('b'))), ['b=B'], pass)
        await store.flush()
      }
      store.delete(b('bb'))
      store.put(b('bc'), b('BC'))
      assert.deepEqual(text(store.range(b('b'), b('c'))), ['b=B', 'bc=BC', 'c=C'], 'pending writes merge with flushed data')
    })

    it('writes a batch with putAll and counts entries', async () => {
      const store = fresh()
      store.putAll([
        { key: b('x'), value: b('1') },
        { key: b('y'), value: b('2') },
        { key: b('x'), value: b('3') },
      ])
      assert.deepEqual(text(store.all()), ['x=3', 'y=2'])
      await store.flush()
      assert.equal(store.approximateCount(), 2)
      store.delete(b('y'))
      await store.flush()
      assert.equal(store.approximateCount(), 1)
    })

    it('keeps iterators weakly consistent while the store changes under them', async () => {
      const store = fresh()
      for (let i = 0; i < 200; i++) store.put(b(`k${String(i).padStart(3, '0')}`), b(String(i)))
      await store.flush()
      const seen: string[] = []
      for (const { key } of store.range(b('k010'), b('k150'))) {
        const name = key.toString('latin1')
        seen.push(name)
        const i = Number(name.slice(1))
        if (i === 20) {
          store.delete(b('k021')) // just ahead: must not appear
          store.put(b('k020x'), b('new')) // ahead: must appear
          store.put(b('k005'), b('behind')) // behind: must not appear
          store.delete(b('k020')) // the current key: already returned
        }
        if (i === 60) await store.flush() // pending writes land in LMDB mid-iteration
        if (i === 61) await settle()
      }
      assert.ok(!seen.includes('k021'))
      assert.ok(seen.includes('k020x'))
      assert.ok(!seen.includes('k005'))
      assert.equal(seen.length, new Set(seen).size, 'no key twice')
      assert.deepEqual(seen, [...seen].sort(), 'ascending')
      assert.equal(seen[0], 'k010')
      assert.equal(seen.at(-1), 'k150')
      assert.equal(seen.length, 141 - 1 + 1)
    })

    it('lets a loop delete every key it visits', async () => {
      const store = fresh()
      for (let i = 0; i < 300; i++) store.put(b(`d${String(i).padStart(3, '0')}`), b('x'))
      await store.flush()
      for (let i = 300; i < 350; i++) store.put(b(`d${String(i).padStart(3, '0')}`), b('x'))
      let visited = 0
      for (const { key } of store.all()) {
        store.delete(key)
        visited++
      }
      assert.equal(visited, 350)
      assert.deepEqual([...store.all()], [])
      await store.flush()
      assert.equal(store.approximateCount(), 0)
    })

    it('matches a reference map through random operations, flushes and ranges', async () => {
      const random = randomFromEnv(`${kind} store random ops`)
      // A small write-out threshold makes the LMDB store commit in the background as it goes.
      const store = fresh({ pendingBytesMax: 2048 })
      const reference = new Map<string, string>()
      const keyOf = (): Buffer => random.bytes(random.int(1, 3))
      let open: Iterator<KeyValue<Buffer, Buffer>> | null = null
      let openFloor: Buffer | null = null
      for (let step = 0; step < 4000; step++) {
        const key = keyOf()
        const roll = random.float()
        if (roll < 0.55) {
          const value = random.bytes(random.int(0, 40))
          store.put(key, value)
          reference.set(key.toString('hex'), value.toString('hex'))
        } else if (roll < 0.8) {
          store.delete(key)
          reference.delete(key.toString('hex'))
        } else if (roll < 0.9) {
          assert.equal(store.get(key)?.toString('hex'), reference.get(key.toString('hex')))
        } else if (roll < 0.95) {
          const [low, high] = [keyOf(), keyOf()].sort(compareBytes) as [Buffer, Buffer]
          const expected = [...reference.entries()]
            .filter(([k]) => compareBytes(Buffer.from(k, 'hex'), low) >= 0 && compareBytes(Buffer.from(k, 'hex'), high) <= 0)
            .sort(([x], [y]) => compareBytes(Buffer.from(x, 'hex'), Buffer.from(y, 'hex')))
          assert.deepEqual([...store.range(low, high)].map((e) => [e.key.toString('hex'), e.value.toString('hex')]), expected)
        } else if (roll < 0.97) {
          await store.flush()
        } else {
          await settle() // lets background commits land
        }
        // A long-lived iterator advanced now and then must stay ascending through all of this.
        if (open === null) {
          open = store.all()
          openFloor = null
        }
        const step2 = open.next()
        if (step2.done === true) open = null
        else {
          if (openFloor !== null) assert.ok(compareBytes(openFloor, step2.value.key) < 0, 'iterator went backwards')
          openFloor = Buffer.from(step2.value.key)
        }
      }
      open?.return?.()
      const expected = [...reference.entries()].sort(([x], [y]) => compareBytes(Buffer.from(x, 'hex'), Buffer.from(y, 'hex')))
      assert.deepEqual([...store.all()].map((e) => [e.key.toString('hex'), e.value.toString('hex')]), expected)
      await store.flush()
      assert.deepEqual([...store.all()].map((e) => [e.key.toString('hex'), e.value.toString('hex')]), expected)
      assert.equal(store.approximateCount(), reference.size)
    })

    it('keeps large values and keys of the largest size', async () => {
      const store = fresh()
      const big = Buffer.alloc(300_000, 0x5a)
      const longKey = Buffer.alloc(STORE_KEY_BYTES_MAX, 0x61)
      store.put(longKey, big)
      await store.flush()
      assert.deepEqual(store.get(longKey), big)
      assert.deepEqual([...store.range(longKey, longKey)].length, 1)
    })

    it('refuses bad keys and values with INVALID_ARGUMENT, and use after close with CLOSED', async () => {
      const store = fresh()
      const invalid = (fn: () => unknown, message: RegExp): void => {
        assert.throws(fn, (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && message.test(e.message))
      }
      invalid(() => store.put(Buffer.alloc(0), b('v')), /key of 0 bytes; keys must be 1\.\.1978 bytes/)
      invalid(() => store.put(Buffer.alloc(STORE_KEY_BYTES_MAX + 1), b('v')), /key of 1979 bytes/)
      invalid(() => store.get('k' as unknown as Buffer), /a key must be a Buffer, got string/)
      invalid(() => store.put(b('k'), null as unknown as Buffer), /a value must be a Buffer, got null \(to remove a key, call delete\)/)
      invalid(() => store.range(Buffer.alloc(0)), /key of 0 bytes/)
      await store.close()
      await store.close()
      assert.equal(store.isOpen, false)
      assert.throws(() => store.get(b('k')), (e: unknown) => isSluiceError(e, 'CLOSED') && /is closed/.test(e.message))
      assert.throws(() => store.put(b('k'), b('v')), (e: unknown) => isSluiceError(e, 'CLOSED'))
      await assert.rejects(store.flush(), (e: unknown) => isSluiceError(e, 'CLOSED'))
    })
  })
}

contract('in-memory', () => new InMemoryStore('contract'))

const lmdbDirs: string[] = []
after(() => {
  for (const dir of lmdbDirs) rmSync(dir, { recursive: true, force: true })
})
contract('LMDB', (options) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lmdb-contract-'))
  lmdbDirs.push(dir)
  return openLmdbStore({ path: dir, name: 'contract', ...options })
})
