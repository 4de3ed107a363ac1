// Unit tests of the offset specs that `consume -o` and `group seek --to` accept.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../base/errors.ts'
import { describeOffsetSpec, parseOffsetSpec, toSeekTarget } from './offset-spec.ts'

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0)

test('start and end accept their Kafka synonyms', () => {
  for (const s of ['start', 'beginning', 'earliest', 'START']) assert.deepEqual(parseOffsetSpec(s, NOW_MS), { kind: 'start' })
  for (const s of ['end', 'latest']) assert.deepEqual(parseOffsetSpec(s, NOW_MS), { kind: 'end' })
})

test('a number is an absolute offset and -N counts back from the end', () => {
  assert.deepEqual(parseOffsetSpec('0', NOW_MS), { kind: 'offset', offset: 0 })
  assert.deepEqual(parseOffsetSpec('12345', NOW_MS), { kind: 'offset', offset: 12345 })
  assert.deepEqual(parseOffsetSpec('-10', NOW_MS), { kind: 'tail', count: 10 })
})

test('@ takes ms since the epoch, an ISO date, or a duration back from now', () => {
  assert.deepEqual(parseOffsetSpec('@1700000000000', NOW_MS), { kind: 'timestamp', timestamp: 1700000000000 })
  assert.deepEqual(parseOffsetSpec('@2024-01-02T03:04:05Z', NOW_MS), { kind: 'timestamp', timestamp: Date.UTC(2024, 0, 2, 3, 4, 5) })
  assert.deepEqual(parseOffsetSpec('@2024-01-02', NOW_MS), { kind: 'timestamp', timestamp: Date.UTC(2024, 0, 2) })
  assert.deepEqual(parseOffsetSpec('@2024-01-02T03:04:05.250+02:00', NOW_MS), { kind: 'timestamp', timestamp: Date.UTC(2024, 0, 2, 1, 4, 5, 250) })
  assert.deepEqual(parseOffsetSpec('@-10m', NOW_MS), { kind: 'timestamp', timestamp: NOW_MS - 600_000 })
})

test('anything else is an INVALID_ARGUMENT error that quotes the input on one line', () => {
  for (const bad of ['', 'soon', '1.5', '+3', '@', '@yesterday', '@-3 parsecs', '@2024-13', '99999999999999999999', '-']) {
    assert.throws(() => parseOffsetSpec(bad, NOW_MS), (error: unknown) => {
      assert.ok(isSluiceError(error, 'INVALID_ARGUMENT'))
      assert.ok(error.message.includes(`'${bad}'`), error.message)
      assert.ok(!error.message.includes('\n'))
      return true
    }, bad)
  }
})

test('seek targets clamp offsets into the log and count -N back from the log end offset', () => {
  const offsets = { logStartOffset: 100, highWatermark: 250 }
  assert.equal(toSeekTarget({ kind: 'start' }, offsets), 'beginning')
  assert.equal(toSeekTarget({ kind: 'end' }, offsets), 'end')
  assert.equal(toSeekTarget({ kind: 'offset', offset: 120 }, offsets), 120)
  assert.equal(toSeekTarget({ kind: 'offset', offset: 5 }, offsets), 100)
  assert.equal(toSeekTarget({ kind: 'offset', offset: 999 }, offsets), 250)
  assert.equal(toSeekTarget({ kind: 'tail', count: 10 }, offsets), 240)
  assert.equal(toSeekTarget({ kind: 'tail', count: 1000 }, offsets), 100)
  assert.deepEqual(toSeekTarget({ kind: 'timestamp', timestamp: 7 }, offsets), { timestamp: 7 })
})

test('specs describe themselves for messages', () => {
  assert.equal(describeOffsetSpec({ kind: 'tail', count: 3 }), '3 before end')
  assert.equal(describeOffsetSpec({ kind: 'timestamp', timestamp: 0 }), '1970-01-01T00:00:00.000Z')
})
