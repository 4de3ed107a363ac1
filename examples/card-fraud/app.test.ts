// The card-fraud topology (app.ts) on the TopologyTestDriver, with explicit event times: the
// alert comes with the transaction that puts a sixth one in a minute, not before; sessions are
// summarized once their gap has passed, and a late transaction bridging two sessions merges them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'sluice/streams'
import { TopologyTestDriver } from 'sluice/streams/testing'
import { cardFraud, type CardSession, type Transaction, type VelocityAlert } from './app.ts'

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0)
const S = 1000
const MIN = 60 * S

function setup() {
  const app = createApp('card-fraud-test')
  cardFraud(app)
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, Transaction>('transactions')
  const pay = (card: string, at: number, amount = 1_000): void => input.pipe({ card, amount, merchant: 'm', ts: T0 + at }, { key: card })
  return { driver, pay, alerts: driver.output<string, VelocityAlert>('fraud-alerts'), sessions: driver.output<string, CardSession>('card-sessions') }
}

test('six transactions inside one minute raise an alert with the sixth; five do not', () => {
  const { pay, alerts } = setup()
  // Card A: six within [0, 50 s]; card B: five, then its sixth 70 s after the first.
  for (const at of [0, 10, 20, 30, 40]) {
    pay('A', at * S + 1)
    pay('B', at * S + 2)
  }
  assert.deepEqual(alerts.readKeyValues(), [])
  pay('A', 50 * S + 1)
  assert.deepEqual(alerts.readKeyValues(), [
    { key: 'A', value: { card: 'A', transactions: 6, windowStart: T0, windowEnd: T0 + MIN } },
  ])
  pay('B', 70 * S + 2) // its window [20 s, 80 s) holds only 3
  assert.deepEqual(alerts.readKeyValues(), [])
})

test('a session is summarized once 10 quiet minutes have passed; a transaction filling the gap merges two', () => {
  const { driver, pay, sessions } = setup()
  pay('C', 0, 500)
  pay('C', 2 * MIN, 700)
  pay('C', 11 * MIN + 30 * S, 300) // 9 min 30 s after: same session, now [0, 21 min 30 s)
  assert.deepEqual(sessions.readValues(), [])
  // The watermark is the partition's, moved by any card's transactions.
  pay('X', 21 * MIN + 34 * S, 100) // watermark 21 min 29 s − 1 ms (Flink's convention): not yet
  assert.deepEqual(sessions.readValues(), [])
  pay('X', 21 * MIN + 35 * S + 1, 100) // watermark 21 min 30 s: [0, 21 min 30 s) is final
  assert.deepEqual(sessions.readValues(), [{ card: 'C', start: T0, end: T0 + 21 * MIN + 30 * S, transactions: 3, total: 1_500, largest: 700 }])

  pay('E', 23 * MIN, 10)
  pay('E', 34 * MIN, 20) // watermark 33 min 55 s: E's [23 min, 33 min) and X's are final
  assert.deepEqual(sessions.readValues().sort((a, b) => a.card.localeCompare(b.card)), [
    { card: 'E', start: T0 + 23 * MIN, end: T0 + 33 * MIN, transactions: 1, total: 10, largest: 10 },
    { card: 'X', start: T0 + 21 * MIN + 34 * S, end: T0 + 31 * MIN + 35 * S + 1, transactions: 2, total: 200, largest: 100 },
  ])
  pay('E', 44 * MIN + 3 * S, 30) // 10 min 3 s after: a session of its own; watermark 43 min 58 s
  pay('E', 43 * MIN + 59 * S, 40) // out of order, after the watermark: less than 10 minutes from both, it merges them
  pay('E', 20 * MIN, 99) // older than the watermark: late for the sessions and the velocity windows alike
  assert.equal(driver.metrics().lateRecords, 2)
  driver.advanceWatermark(Infinity)
  assert.deepEqual(sessions.readValues(), [
    { card: 'E', start: T0 + 34 * MIN, end: T0 + 54 * MIN + 3 * S, transactions: 3, total: 90, largest: 40 },
  ])
})
