import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { countWindow, punctuated, session, sliding, tumbling } from './definitions.ts'

const invalid = (pattern: RegExp) => (error: unknown): boolean => isSluiceError(error, 'INVALID_ARGUMENT') && pattern.test((error as Error).message)

test('window constructors parse durations and fill defaults', () => {
  assert.deepEqual(tumbling({ size: '10m' }), { kind: 'tumbling', sizeMs: 600_000, advanceMs: 600_000, time: 'event', graceMs: 0 })
  assert.deepEqual(sliding({ size: '10m', every: '1s', grace: '500ms', time: 'processing' }), { kind: 'sliding', sizeMs: 600_000, advanceMs: 1_000, time: 'processing', graceMs: 500 })
  assert.deepEqual(session({ gap: 30_000, grace: '1.5s' }), { kind: 'session', gapMs: 30_000, time: 'event', graceMs: 1_500 })
  assert.deepEqual(countWindow({ size: 100 }), { kind: 'count', size: 100, every: 100 })
  assert.deepEqual(countWindow({ size: 100, every: 10 }), { kind: 'count', size: 100, every: 10 })
  const isLogout = (e: { type: string }): boolean => e.type === 'logout'
  const p = punctuated({ endsWith: isLogout, grace: '5s' })
  assert.equal(p.endsWith, isLogout)
  assert.equal(p.startsWith, undefined)
  assert.equal(p.graceMs, 5_000)
  assert.ok(Object.isFrozen(p), 'definitions are frozen plain data')
  assert.deepEqual(sliding({ size: '1m', every: '1m' }).advanceMs, 60_000, 'every = size is allowed (tumbling)')
})

test('bad window definitions are INVALID_ARGUMENT errors that name the field', () => {
  assert.throws(() => tumbling({ size: 0 }), invalid(/tumbling window: 'size' must be greater than 0/))
  assert.throws(() => tumbling({ size: -5 }), invalid(/tumbling window: 'size'/))
  assert.throws(() => tumbling({ size: '10 parsecs' }), invalid(/tumbling window: 'size'.*invalid duration/))
  assert.throws(() => tumbling({ size: 1.5 }), invalid(/whole number of milliseconds/))
  assert.throws(() => tumbling({ size: Number.NaN }), invalid(/'size'/))
  assert.throws(() => tumbling({ size: '1m', grace: -1 }), invalid(/'grace'/))
  assert.throws(() => tumbling({ size: '1m', time: 'wall' as never }), invalid(/'time' must be 'event' or 'processing'/))
  assert.throws(() => tumbling({} as never), invalid(/'size' is required/))
  assert.throws(() => sliding({ size: '1m', every: '2m' }), invalid(/'every' \(120000 ms\) must not exceed 'size' \(60000 ms\)/))
  assert.throws(() => sliding({ size: '1m', every: 0 }), invalid(/'every' must be greater than 0/))
  assert.throws(() => session({ gap: 0 }), invalid(/session window: 'gap'/))
  assert.throws(() => countWindow({ size: 0 }), invalid(/count window: 'size' must be a positive whole number/))
  assert.throws(() => countWindow({ size: 10, every: 11 }), invalid(/'every' \(11\) must not exceed 'size' \(10\)/))
  assert.throws(() => countWindow({ size: 2.5 }), invalid(/'size'/))
  assert.throws(() => punctuated({}), invalid(/give 'endsWith', 'startsWith' or both/))
  assert.throws(() => punctuated({ endsWith: true as never }), invalid(/'endsWith' must be a function/))
})
