import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomFromEnv } from '../../base/random.ts'
import { sliding, tumbling } from './definitions.ts'
import { isLateForTimeWindows, isWindowClosed, TimeWindowGeometry, windowCloseTime, windowsFor } from './time-windows.ts'

test('windowsFor gives the epoch-aligned windows holding a timestamp, as brute force finds them', () => {
  const random = randomFromEnv('windowsFor')
  for (let i = 0; i < 2_000; i++) {
    const size = random.int(1, 60)
    const every = random.int(1, size + 1)
    const t = random.int(-500, 500)
    const definition = sliding({ size, every })
    const expected: { start: number; end: number }[] = []
    for (let start = -1_000 - (-1_000 % every) - every; start <= t; start += every) if (start % every === 0 && start <= t && t < start + size) expected.push({ start, end: start + size })
    assert.deepEqual(windowsFor(definition, t), expected, `size=${size} every=${every} t=${t} SEED=${random.seed}`)
    const count = expected.length
    assert.ok(count === Math.floor(size / every) || count === Math.ceil(size / every), 'floor or ceil of size/every windows')
  }
})

test('a tumbling window holds exactly one window per timestamp, negative ones included', () => {
  assert.deepEqual(windowsFor(tumbling({ size: '1m' }), 90_000), [{ start: 60_000, end: 120_000 }])
  assert.deepEqual(windowsFor(tumbling({ size: 10 }), -1), [{ start: -10, end: 0 }])
  assert.deepEqual(windowsFor(sliding({ size: '10m', every: '1s' }), 0).length, 600)
})

test('close time is end + grace, and lateness means every window holding the event is closed', () => {
  const definition = sliding({ size: 30, every: 10, grace: 5 })
  assert.equal(windowCloseTime(definition, 30), 35)
  assert.equal(isWindowClosed(definition, 30, 34), false)
  assert.equal(isWindowClosed(definition, 30, 35), true)
  // t = 25 is in [0,30), [10,40), [20,50): the last closes at 55.
  assert.equal(isLateForTimeWindows(definition, 25, 54), false)
  assert.equal(isLateForTimeWindows(definition, 25, 55), true)
})

test('pane geometry: panes of gcd(size, every), and the first open window agrees with close times wherever the origin is', () => {
  const random = randomFromEnv('geometry')
  for (let i = 0; i < 2_000; i++) {
    const size = random.int(1, 80)
    const every = random.int(1, size + 1)
    const grace = random.int(0, 30)
    const origin = random.int(-10_000, 10_000)
    const geometry = new TimeWindowGeometry(sliding({ size, every, grace }), origin)
    assert.equal(geometry.paneMs * geometry.windowPanes, size)
    assert.equal(geometry.paneMs * geometry.slidePanes, every)
    const watermark = random.int(-300, 300)
    const first = geometry.firstOpenStart(watermark)
    assert.ok(geometry.closeMs(first) > watermark && geometry.closeMs(first - geometry.slidePanes) <= watermark, `firstOpenStart size=${size} every=${every} grace=${grace} W=${watermark} SEED=${random.seed}`)
    const unended = geometry.firstUnendedStart(watermark)
    assert.ok(geometry.endMs(unended) > watermark && geometry.endMs(unended - geometry.slidePanes) <= watermark)
    const t = random.int(-300, 300)
    const pane = geometry.paneOf(t)
    const windows = windowsFor(sliding({ size, every }), t)
    assert.equal(geometry.startMs(geometry.firstStartContaining(pane)), windows[0]!.start)
    assert.equal(geometry.startMs(geometry.lastStartContaining(pane)), windows[windows.length - 1]!.start)
  }
})
