// Unit tests of splitting produce input into bounded batches of lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import { randomFromEnv } from '../base/random.ts'
import { lineBatches } from './line-batches.ts'

const LOOSE = { linesMax: 1000, bytesMax: 1 << 20, lineBytesMax: 1 << 20 }

async function collect(chunks: Array<Buffer | string>, options = LOOSE): Promise<string[][]> {
  const batches: string[][] = []
  async function* stream(): AsyncGenerator<Buffer | string> { yield* chunks }
  for await (const batch of lineBatches(stream(), options)) batches.push(batch.map((b) => b.toString()))
  return batches
}

test('lines spanning chunks are joined and a last line without newline still counts', async () => {
  assert.deepEqual(await collect(['ab', 'c\nde', 'f\n\ng', 'h']), [['abc', 'def', '', 'gh']])
})

test('a trailing newline adds no empty line and empty input yields no batch', async () => {
  assert.deepEqual(await collect(['a\nb\n']), [['a', 'b']])
  assert.deepEqual(await collect([]), [])
  assert.deepEqual(await collect(['\n']), [['']])
})

test('batches close at the line or byte bound', async () => {
  assert.deepEqual(await collect(['1\n2\n3\n4\n5\n'], { ...LOOSE, linesMax: 2 }), [['1', '2'], ['3', '4'], ['5']])
  assert.deepEqual(await collect(['aaaa\nbb\ncc\nd\n'], { ...LOOSE, bytesMax: 4 }), [['aaaa'], ['bb', 'cc'], ['d']])
})

test('a batch goes out early whenever the input has nothing more buffered', async () => {
  let buffered = 2
  const batches: string[][] = []
  async function* stream(): AsyncGenerator<string> { yield 'a\nb'; yield '\nc\n'; yield 'd\n' }
  for await (const batch of lineBatches(stream(), { ...LOOSE, isDrained: () => --buffered <= 0 })) batches.push(batch.map(String))
  assert.deepEqual(batches, [['a', 'b', 'c'], ['d']])
})

test('a line longer than the limit is a MESSAGE_TOO_LARGE error naming its number', async () => {
  await assert.rejects(collect(['ok\n', 'x'.repeat(6), 'y'.repeat(6)], { ...LOOSE, lineBytesMax: 10 }),
    (e: unknown) => isSluiceError(e, 'MESSAGE_TOO_LARGE') && e.message.includes('line 2'))
})

test('any chunking of random text yields the same lines as split', async () => {
  const random = randomFromEnv('line-batches')
  for (let round = 0; round < 50; round++) {
    const lines = Array.from({ length: random.int(0, 40) }, () => 'x'.repeat(random.int(0, 9)))
    const text = lines.join('\n') + (random.chance(0.5) ? '\n' : '')
    const chunks: Buffer[] = []
    for (let at = 0; at < text.length;) {
      const size = random.int(1, 12)
      chunks.push(Buffer.from(text.slice(at, at + size)))
      at += size
    }
    const expected = text === '' ? [] : text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
    const batches = await collect(chunks, { ...LOOSE, linesMax: random.int(1, 8) })
    assert.deepEqual(batches.flat(), expected, `round ${round}: ${JSON.stringify(text)}`)
  }
})
