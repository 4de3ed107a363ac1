// The fetch session cache's bounds and eviction (Kafka's FetchSessionCache rules for consumer
// sessions), on a manual clock. The wire behaviour of sessions is in 01-fetch.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock } from '../testing/manual-clock.ts'
import { Random } from '../base/random.ts'
import type { FetchRequestPartition } from '../protocol/messages/index.ts'
import { FetchSession, FetchSessionCache, type SessionPartition } from './fetch-sessions.ts'

const EVICTION_MS = 1000

function partitions(count: number): Map<string, SessionPartition> {
  const map = new Map<string, SessionPartition>()
  for (let p = 0; p < count; p++) {
    const request: FetchRequestPartition = { partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }
    map.set(`t:${p}`, { topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', request, highWatermark: 0, logStartOffset: 0 })
  }
  return map
}

function cache(maxSessions = 3): { clock: ManualClock; sessions: FetchSessionCache } {
  const clock = new ManualClock()
  return { clock, sessions: new FetchSessionCache({ clock, random: new Random(7), maxSessions, evictionMs: EVICTION_MS }) }
}

test('a full cache creates no session while every session is fresh', () => {
  const { sessions } = cache()
  const made = [1, 2, 3].map((n) => sessions.maybeCreate(false, partitions(n))!)
  assert.equal(new Set(made.map((s) => s.id)).size, 3)
  assert.ok(made.every((s) => s.id > 0 && s.epoch === 1))
  assert.equal(sessions.maybeCreate(false, partitions(50)), null, 'sessions younger than evictionMs are protected')
  assert.equal(sessions.size, 3)
  assert.equal(sessions.evictions, 0)
})

test('a session unused for evictionMs is evicted first, least recently used first', () => {
  const { clock, sessions } = cache()
  const [a, b, c] = [1, 1, 1].map((n) => sessions.maybeCreate(false, partitions(n))!)
  clock.advance(EVICTION_MS / 2)
  sessions.touch(a!)
  clock.advance(EVICTION_MS / 2 + 1)
  const d = sessions.maybeCreate(false, partitions(1))
  assert.ok(d !== null)
  assert.equal(sessions.get(b!.id), undefined, 'b was used least recently')
  assert.ok(sessions.get(a!.id) !== undefined && sessions.get(c!.id) !== undefined)
  assert.equal(sessions.evictions, 1)
})

test('without a stale session, the smallest one past evictionMs makes room only for a larger one', () => {
  const { clock, sessions } = cache()
  const [small, mid] = [2, 5].map((n) => sessions.maybeCreate(false, partitions(n))!)
  clock.advance(EVICTION_MS + 1)
  const young = sessions.maybeCreate(false, partitions(1))!
  for (const s of [small!, mid!, young]) sessions.touch(s) // none stale
  assert.equal(sessions.maybeCreate(false, partitions(2)), null, 'not larger than the smallest old session')
  const big = sessions.maybeCreate(false, partitions(3))
  assert.ok(big !== null)
  assert.equal(sessions.get(small!.id), undefined)
  assert.ok(sessions.get(young.id) !== undefined, 'the young session, though smallest, is protected')
  assert.equal(sessions.size, 3)
})

test('epochs run 1, 2, … and wrap from 2^31-1 to 1; removal and zero slots', () => {
  const session = new FetchSession(5, true, 0, partitions(1))
  session.nextEpoch()
  assert.equal(session.epoch, 2)
  session.epoch = 0x7fffffff
  session.nextEpoch()
  assert.equal(session.epoch, 1)
  const { sessions } = cache()
  const made = sessions.maybeCreate(true, partitions(1))!
  assert.equal(sessions.remove(made.id), true)
  assert.equal(sessions.remove(made.id), false)
  assert.equal(new FetchSessionCache({ clock: new ManualClock(), maxSessions: 0 }).maybeCreate(false, partitions(1)), null)
})
