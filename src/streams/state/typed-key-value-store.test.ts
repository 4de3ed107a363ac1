import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { avroSerde, type AvroSchema } from '../serdes/avro-serde.ts'
import { jsonSerde } from '../serdes/json-serde.ts'
import { stringSerde } from '../serdes/string-serde.ts'
import { ChangeLoggingStore } from './change-logging-store.ts'
import { MemoryChangelog } from './memory-changelog.ts'
import { restore } from './restore.ts'
import { providerFixtures } from './store-providers.test-kit.ts'
import { keyValueStore } from './typed-key-value-store.ts'

type Account = { owner: string; balance: number }

for (const fixture of providerFixtures()) {
  describe(`typed key-value store on ${fixture.kind}`, () => {
    after(() => fixture.cleanup())

    it('serializes at the edge: typed keys and values over a bytes store', async () => {
      const accounts = keyValueStore({ name: 'accounts', provider: fixture.create(), keySerde: stringSerde, valueSerde: jsonSerde<Account>() })
      accounts.put('acc-2', { owner: 'bo', balance: 5 })
      accounts.put('acc-1', { owner: 'al', balance: 10 })
      accounts.put('acc-3', { owner: 'cy', balance: 0 })
      assert.deepEqual(accounts.get('acc-1'), { owner: 'al', balance: 10 })
      assert.deepEqual(accounts.bytes.get(Buffer.from('acc-1')), Buffer.from('{"owner":"al","balance":10}'))
      assert.deepEqual([...accounts.range('acc-1', 'acc-2')].map((e) => e.key), ['acc-1', 'acc-2'])
      accounts.delete('acc-2')
      await accounts.flush()
      assert.deepEqual([...accounts.all()], [
        { key: 'acc-1', value: { owner: 'al', balance: 10 } },
        { key: 'acc-3', value: { owner: 'cy', balance: 0 } },
      ])
      assert.equal(accounts.approximateCount(), 2)
      await accounts.close()
      assert.equal(accounts.isOpen, false)
    })

    it('orders keys by their serialized bytes (JSON numbers sort as text)', async () => {
      const store = keyValueStore({ name: 'by-number', provider: fixture.create(), keySerde: jsonSerde<number>(), valueSerde: stringSerde })
      for (const n of [9, 10, 100, 2]) store.put(n, String(n))
      assert.deepEqual([...store.all()].map((e) => e.key), [10, 100, 2, 9])
      await store.close()
    })

    it('changelogs typed writes and restores them into a fresh store (Avro values)', async () => {
      const changelog = new MemoryChangelog()
      const schema: AvroSchema = { type: 'record', name: 'Account', fields: [{ name: 'owner', type: 'string' }, { name: 'balance', type: 'long' }] }
      const serde = avroSerde<Account>(schema, { framing: 'single-object' })
      const live = keyValueStore({ name: 'ledger', provider: fixture.create(), keySerde: stringSerde, valueSerde: serde, changelog })
      assert.ok(live.bytes instanceof ChangeLoggingStore)
      live.put('a', { owner: 'al', balance: 1 })
      live.put('a', { owner: 'al', balance: 2 })
      live.put('b', { owner: 'bo', balance: 3 })
      live.delete('b')
      await live.flush()
      assert.equal(changelog.records.length, 2)
      const rebuilt = keyValueStore({ name: 'ledger', provider: fixture.create(), keySerde: stringSerde, valueSerde: serde })
      await restore(rebuilt.bytes, changelog.replay())
      assert.deepEqual(JSON.parse(JSON.stringify([...rebuilt.all()])), [{ key: 'a', value: { owner: 'al', balance: 2 } }])
      await live.close()
      await rebuilt.close()
    })

    it('passes serde errors through for the runtime to handle', async () => {
      const store = keyValueStore({ name: 'strict', provider: fixture.create(), keySerde: stringSerde, valueSerde: jsonSerde<number>() })
      store.bytes.put(Buffer.from('bad'), Buffer.from('{not json'))
      assert.throws(() => store.get('bad'), { name: 'SerdeError', message: /json serde cannot deserialize/ })
      assert.throws(() => store.put('k', undefined as unknown as number), { name: 'SerdeError' })
      await store.close()
    })
  })
}
