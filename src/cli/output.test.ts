// Unit tests of the buffered, backpressured stdout writer used by `sluice consume`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { Output } from './output.ts'

test('small writes are gathered into one chunk written on flush', async () => {
  const chunks: string[] = []
  const sink = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done() } })
  const out = new Output(sink)
  for (let i = 0; i < 100; i++) assert.equal(out.write(`${i}\n`), undefined)
  await out.flush()
  assert.equal(chunks.length, 1)
  assert.equal(chunks[0]!.split('\n').length, 101)
})

test('a full stream makes write return a promise that settles on drain', async () => {
  let release: (() => void) | undefined
  const sink = new Writable({
    highWaterMark: 1024,
    write(_chunk, _enc, done) { release = done },
  })
  const out = new Output(sink)
  const pending = out.write('x'.repeat(70_000))
  assert.ok(pending instanceof Promise)
  let settled = false
  void pending.then(() => { settled = true })
  await new Promise((r) => setImmediate(r))
  assert.equal(settled, false)
  release!()
  await pending
  assert.equal(settled, true)
})

test('a broken pipe marks the output broken, calls back once and drops later writes', async () => {
  const broken: Error[] = []
  const sink = new Writable({
    write(_chunk, _enc, done) { done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) },
  })
  const out = new Output(sink, (e) => broken.push(e))
  await out.write('y'.repeat(70_000))
  await new Promise((r) => setImmediate(r))
  assert.equal(broken.length, 1)
  assert.equal((out.error as NodeJS.ErrnoException).code, 'EPIPE')
  assert.equal(out.write('z'.repeat(70_000)), undefined)
  await out.flush()
  assert.equal(broken.length, 1)
})
