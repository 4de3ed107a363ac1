// The trending-hashtags topology (app.ts) on the TopologyTestDriver, with explicit event times:
// exact top lists per minute, the 10-minute window's edges, and out-of-order posts counted in
// the windows still open when they arrive. The run on an embedded Sluice is ../examples.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'sluice/streams'
import { TopologyTestDriver } from 'sluice/streams/testing'
import { hashtags, trendingHashtags, type Post, type Trending } from './app.ts'

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0)
const MINUTE = 60_000

function drive(posts: ReadonlyArray<[seconds: number, text: string]>): Map<number, Trending['top']> {
  const app = createApp('trending-test')
  trendingHashtags(app)
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, Post>('posts')
  for (const [seconds, text] of posts) input.pipe({ user: 'u', text, ts: T0 + seconds * 1000 }, { key: 'u' })
  driver.advanceWatermark(Infinity)
  // Each window end gets one update per hashtag; the last one is the complete top list.
  const latest = new Map<number, Trending['top']>()
  for (const { key, value } of driver.output<number, Trending>('trending').readKeyValues()) {
    assert.equal(key, value.end)
    latest.set(value.end - T0, value.top)
  }
  return latest
}

test('hashtags are lowercased, unicode-aware and counted once per post', () => {
  assert.deepEqual(hashtags('Go #Rust #rust, #été and #ts_5!'), ['#rust', '#été', '#ts_5'])
  assert.deepEqual(hashtags('no tags here'), [])
})

test('each minute ranks the hashtags of the 10 minutes before it, ties by name', () => {
  const latest = drive([[10, '#a #b'], [20, '#A'], [50, '#b #c #b'], [70, '#a']])
  const expected = new Map<number, Trending['top']>()
  expected.set(MINUTE, [{ tag: '#a', count: 2 }, { tag: '#b', count: 2 }, { tag: '#c', count: 1 }])
  // Windows ending 2…10 minutes after T0 hold all four posts.
  for (let m = 2; m <= 10; m++) expected.set(m * MINUTE, [{ tag: '#a', count: 3 }, { tag: '#b', count: 2 }, { tag: '#c', count: 1 }])
  // [1 min, 11 min) still holds the post at 70 s; the window ending at 12 minutes holds nothing.
  expected.set(11 * MINUTE, [{ tag: '#a', count: 1 }])
  assert.deepEqual(latest, expected)
})

test('a top list keeps the best five', () => {
  const latest = drive([[1, '#a #b #c #d #e #f #g'], [2, '#g #f'], [3, '#g']])
  assert.deepEqual(latest.get(MINUTE), [
    { tag: '#g', count: 3 }, { tag: '#f', count: 2 }, { tag: '#a', count: 1 }, { tag: '#b', count: 1 }, { tag: '#c', count: 1 },
  ])
})

test('a post out of order within 2 s counts; one whose minute closed counts only in later windows', () => {
  const latest = drive([
    [60.5, '#x'], // watermark 58.5 s
    [59, '#in_time'], // the window ending at 60 s is still open
    [62.5, '#x'], // watermark 60.5 s: the window ending at 60 s closes
    [59.999, '#too_late'], // only in windows ending after 60 s
  ])
  assert.deepEqual(latest.get(MINUTE), [{ tag: '#in_time', count: 1 }])
  assert.deepEqual(latest.get(2 * MINUTE), [
    { tag: '#x', count: 2 }, { tag: '#in_time', count: 1 }, { tag: '#too_late', count: 1 },
  ])
})
