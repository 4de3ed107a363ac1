// The click-sessions topology (app.ts) on the TopologyTestDriver, with explicit event times: a
// logout ends a session, which is published once the watermark passes it by the 30 s grace; a
// straggler (before the logout, arriving after it) still joins it; an older click is late; a
// session with no logout yet is never published.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'sluice/streams'
import { TopologyTestDriver } from 'sluice/streams/testing'
import { clickSessions, type Click, type UserSession } from './app.ts'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const S = 1000

test('a logout ends the session; stragglers join it within grace, later clicks are late', () => {
  const app = createApp('click-sessions-test')
  clickSessions(app)
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, Click>('clicks')
  const click = (user: string, action: Click['action'], page: string, at: number): void => input.pipe({ user, page, action, ts: T0 + at }, { key: user })
  const sessions = driver.output<string, UserSession>('user-sessions')
  const late = driver.output<string, Click>('late-clicks')

  click('ann', 'view', '/home', 0)
  click('ann', 'click', '/cart', 10 * S)
  click('ann', 'logout', '/account', 20 * S) // ends ann's session: final once the watermark reaches 20 s + 30 s
  click('ann', 'click', '/pay', 15 * S) // happened before the logout: a straggler, it joins the session
  click('bob', 'view', '/home', 40 * S) // watermark 35 s
  click('ann', 'click', '/ad', 4 * S) // 4 s + 30 s <= 35 s: late
  assert.deepEqual(late.readKeyValues(), [{ key: 'ann', value: { user: 'ann', page: '/ad', action: 'click', ts: T0 + 4 * S } }])
  assert.deepEqual(sessions.readValues(), [])
  click('bob', 'logout', '/account', 56 * S) // watermark 51 s: ann's session is final
  assert.deepEqual(sessions.readKeyValues(), [
    { key: 'ann', value: { user: 'ann', start: T0, end: T0 + 20 * S + 1, events: 4, pages: ['/home', '/cart', '/account', '/pay'] } },
  ])
  click('ann', 'view', '/home', 100 * S) // watermark 95 s: bob's session is final; ann has a new, open one
  assert.deepEqual(sessions.readValues(), [{ user: 'bob', start: T0 + 40 * S, end: T0 + 56 * S + 1, events: 2, pages: ['/home', '/account'] }])
  driver.advanceWatermark(Infinity)
  // A session with no logout never ends, not even at the end of the input.
  assert.deepEqual(sessions.readValues(), [])
  assert.equal(driver.metrics().lateRecords, 1)
})

test('a logout arriving after its user’s next click still ends the session at its place in arrival order', () => {
  const app = createApp('click-sessions-test-2')
  clickSessions(app)
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, Click>('clicks')
  const click = (action: Click['action'], page: string, at: number): void => input.pipe({ user: 'cy', page, action, ts: T0 + at }, { key: 'cy' })
  click('view', '/a', 0)
  click('view', '/b', 3 * S)
  click('logout', '/bye', 2 * S) // arrives after /b: markers take effect on arrival, so /b is in this session
  click('view', '/c', 4 * S) // after the closed session's last instant (3 s): a new session
  click('logout', '/bye', 5 * S)
  driver.advanceWatermark(Infinity)
  assert.deepEqual(driver.output<string, UserSession>('user-sessions').readValues(), [
    { user: 'cy', start: T0, end: T0 + 3 * S + 1, events: 3, pages: ['/a', '/b', '/bye'] },
    { user: 'cy', start: T0 + 4 * S, end: T0 + 5 * S + 1, events: 2, pages: ['/c', '/bye'] },
  ])
})
