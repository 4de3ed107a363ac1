// Property tests over every generated codec at every version, driven by the definitions
// themselves (samples.ts): random bodies survive encode → decode unchanged, and truncated or
// mutated encodings only ever fail through the reader's sticky error. Skipped, with the reason,
// when ../shared/kafka-protocol is absent. SEED=<n> replays a run.
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomFromEnv } from '../../src/base/random.ts'
import * as messages from '../../src/protocol/messages/index.ts'
import { Reader } from '../../src/protocol/primitives/reader.ts'
import { Writer } from '../../src/protocol/primitives/writer.ts'
import { DEFINITIONS_DIR } from './generate.ts'
import { buildMessage, type MessageModel } from './model.ts'
import { randomStruct } from './samples.ts'
import { loadSpecs } from './schema.ts'

const definitions = resolve(dirname(fileURLToPath(import.meta.url)), '../..', DEFINITIONS_DIR)

type Decode = (r: Reader, version: number) => unknown
type Encode = (w: Writer, version: number, body: unknown) => void

function codecs(message: MessageModel): { decode: Decode; encode: Encode } {
  const table = messages as unknown as Record<string, unknown>
  const decode = table[`decode${message.name}`]
  const encode = table[`encode${message.name}`]
  assert.equal(typeof decode, 'function', `decode${message.name} is exported`)
  assert.equal(typeof encode, 'function', `encode${message.name} is exported`)
  return { decode: decode as Decode, encode: encode as Encode }
}

function loadModels(): MessageModel[] {
  return loadSpecs(definitions).map(buildMessage)
}

test('every message at every version decodes what it encodes', (t) => {
  if (!existsSync(definitions)) {
    t.skip(`../shared/kafka-protocol not found: ${definitions}`)
    return
  }
  const random = randomFromEnv('codec round trips')
  let checked = 0
  for (const message of loadModels()) {
    const { decode, encode } = codecs(message)
    for (let version = message.validVersions.min; version <= message.validVersions.max; version++) {
      for (let round = 0; round < 20; round++) {
        const body = randomStruct(random, message.top, version)
        const writer = new Writer(16)
        encode(writer, version, body)
        const bytes = writer.toBuffer()
        const reader = new Reader(bytes)
        const decoded = decode(reader, version)
        const where = `${message.name} v${version} (SEED=${random.seed})`
        assert.equal(reader.error, null, where)
        assert.equal(reader.remaining, 0, `${where}: trailing bytes`)
        assert.deepStrictEqual(decoded, body, where)
        checked++
      }
    }
  }
  assert.ok(checked > 10000, `checked ${checked} bodies`)
})

test('truncated or mutated encodings of every message never throw', (t) => {
  if (!existsSync(definitions)) {
    t.skip(`../shared/kafka-protocol not found: ${definitions}`)
    return
  }
  const random = randomFromEnv('codec fuzz')
  let failures = 0
  for (const message of loadModels()) {
    const { decode, encode } = codecs(message)
    for (let version = message.validVersions.min; version <= message.validVersions.max; version++) {
      const writer = new Writer()
      encode(writer, version, randomStruct(random, message.top, version))
      const bytes = writer.toBuffer()
      for (let round = 0; round < 30; round++) {
        const input = Buffer.from(bytes.subarray(0, random.int(0, bytes.length + 1)))
        if (input.length > 0 && random.chance(0.7)) {
          for (let flips = random.int(1, 4); flips > 0; flips--) {
            input[random.int(0, input.length)] = random.pick([0x00, 0xff, 0x7f, 0x80, random.int(0, 256)])
          }
        }
        const reader = new Reader(input)
        assert.doesNotThrow(() => decode(reader, version), `${message.name} v${version} (SEED=${random.seed})`)
        if (reader.error !== null) failures++
      }
    }
  }
  // Most damaged inputs must be noticed; the rest decode to something (a flipped value byte is
  // not detectable).
  assert.ok(failures > 5000, `${failures} decodes reported an error`)
})
