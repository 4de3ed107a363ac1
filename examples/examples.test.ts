// Each example run end to end on an embedded Sluice (the same run() as `npm run example -- <name>`,
// in a temporary directory, with its default seed), its printed results checked against what the
// generated input says they must be, computed here by brute force. The exact behaviour of each
// topology is tested on the TopologyTestDriver in <name>/app.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { run as trending } from './trending-hashtags/run.ts'
import { hashtags, TOP_N } from './trending-hashtags/app.ts'
import { run as cardFraud } from './card-fraud/run.ts'
import { VELOCITY_LIMIT } from './card-fraud/app.ts'
import { FLAKY_SENSOR, run as iotSensors } from './iot-sensors/run.ts'
import { run as clickSessions } from './click-sessions/run.ts'

function quietly(): { print: (line: string) => void; lines: string[] } {
  const lines: string[] = []
  return { print: (line) => lines.push(line), lines }
}

test('trending-hashtags: every minute’s top list is the brute-force ranking of the 10 minutes before it', async () => {
  const out = quietly()
  const { posts, trending: lists } = await trending({ print: out.print })
  assert.ok(lists.length >= 12, `only ${lists.length} top lists`)
  for (const { end, top } of lists) {
    const counts = new Map<string, number>()
    for (const p of posts) if (p.ts >= end - 600_000 && p.ts < end) for (const tag of hashtags(p.text)) counts.set(tag, (counts.get(tag) ?? 0) + 1)
    const expected = [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)).slice(0, TOP_N)
    assert.deepEqual(top, expected, `top list of ${new Date(end).toISOString()}`)
  }
  assert.equal(lists.at(-1)!.top[0]!.tag, '#eclipse')
  assert.equal(out.lines.length, lists.length + 1)
})

test('card-fraud: exactly the stolen cards are alerted, each alert a window with more than the limit', async () => {
  const out = quietly()
  const result = await cardFraud({ print: out.print })
  assert.deepEqual([...new Set(result.alerts.map((a) => a.card))].sort(), result.stolen)
  for (const alert of result.alerts) {
    const inWindow = result.transactions.filter((t) => t.card === alert.card && t.ts >= alert.windowStart && t.ts < alert.windowEnd).length
    assert.ok(alert.transactions > VELOCITY_LIMIT && alert.transactions <= inWindow, `${JSON.stringify(alert)}: ${inWindow} in the window`)
  }
  // Every finished session holds exactly the card's transactions between its bounds.
  assert.ok(result.sessions.length > 40)
  for (const s of result.sessions) {
    const inside = result.transactions.filter((t) => t.card === s.card && t.ts >= s.start && t.ts < s.end)
    assert.equal(s.transactions, inside.length, JSON.stringify(s))
    assert.equal(s.total, inside.reduce((sum, t) => sum + t.amount, 0))
  }
})

test('iot-sensors: each published minute is the brute-force summary of its on-time readings; the buffered ones are late', async () => {
  const out = quietly()
  const { readings, minutes, late } = await iotSensors({ print: out.print })
  const buffered = readings.filter((r) => r.sensor === FLAKY_SENSOR && r.ts % 3_600_000 >= 3 * 60_000 && r.ts % 3_600_000 < 5 * 60_000)
  assert.ok(buffered.length > 0)
  assert.deepEqual(late, buffered)
  assert.equal(minutes.length, 4 * 10)
  const isLate = new Set(late.map((r) => `${r.sensor}@${r.ts}`))
  for (const m of minutes) {
    const inside = readings.filter((r) => r.room === m.room && r.ts >= m.start && r.ts < m.end && !isLate.has(`${r.sensor}@${r.ts}`))
    const mean = inside.reduce((sum, r) => sum + r.celsius, 0) / inside.length
    assert.equal(m.readings, inside.length, JSON.stringify(m))
    assert.equal(m.avg, Math.round(mean * 100) / 100, JSON.stringify(m))
    assert.equal(m.min, Math.min(...inside.map((r) => r.celsius)))
    assert.equal(m.max, Math.max(...inside.map((r) => r.celsius)))
  }
})

test('click-sessions: sessions end at logouts and partition each user’s on-time clicks; the offline phone’s clicks are late', async () => {
  const out = quietly()
  const { clicks, delayed, sessions, late } = await clickSessions({ print: out.print })
  assert.deepEqual(late, delayed)
  assert.ok(sessions.length > 25)
  const isLate = new Set(late.map((c) => `${c.user}@${c.ts}`))
  for (const s of sessions) {
    const own = clicks.filter((c) => c.user === s.user && !isLate.has(`${c.user}@${c.ts}`))
    // With clicks at most 3 s out of order and visits minutes apart, a session is exactly the
    // user's clicks between its bounds, and ends with a logout.
    const inside = own.filter((c) => c.ts >= s.start && c.ts < s.end)
    assert.equal(s.events, inside.length, JSON.stringify(s))
    assert.equal(inside.filter((c) => c.action === 'logout').length, 1, JSON.stringify(s))
    assert.equal(inside.find((c) => c.ts === s.end - 1)?.action, 'logout')
    assert.deepEqual([...s.pages].sort(), [...new Set(inside.map((c) => c.page))].sort())
  }
})
