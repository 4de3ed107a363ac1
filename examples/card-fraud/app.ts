// Card-fraud velocity checks: per card, a 1-minute window sliding every 10 seconds counts
// transactions and raises an alert on `fraud-alerts` as soon as one window holds more than
// VELOCITY_LIMIT of them (update mode: a result on every change, so the alert comes with the
// transaction that crossed the limit); and a session window per card (activity with gaps under
// 10 minutes) summarizes each burst of use on `card-sessions` once it is over. Transactions are
// keyed by card number, so both run without a repartition. run.ts runs it on an embedded Sluice.
import { session, sliding, type Aggregator, type App } from 'sluice/streams'

/** A card transaction as the `transactions` topic carries it (key: the card). */
export interface Transaction {
  card: string
  /** In cents. */
  amount: number
  merchant: string
  /** Event time, ms since the epoch. */
  ts: number
}

/** An alert on `fraud-alerts` (key: the card): a window with too many transactions. */
export interface VelocityAlert {
  card: string
  transactions: number
  windowStart: number
  windowEnd: number
}

/** A finished session of card activity on `card-sessions` (key: the card). */
export interface CardSession {
  card: string
  /** First transaction's time, and last transaction's time + the 10-minute gap. */
  start: number
  end: number
  transactions: number
  /** Total and largest amount, in cents. */
  total: number
  largest: number
}

/** More transactions than this in one window is suspicious. */
export const VELOCITY_LIMIT = 5

interface Activity { transactions: number; total: number; largest: number }

/** Count, total and largest amount: associative, so merging two sessions merges their summaries. */
const activity: Aggregator<Transaction, Activity, Activity> = {
  algebra: 'associative',
  init: () => ({ transactions: 0, total: 0, largest: 0 }),
  add: (a, t) => ({ transactions: a.transactions + 1, total: a.total + t.amount, largest: Math.max(a.largest, t.amount) }),
  merge: (a, b) => ({ transactions: a.transactions + b.transactions, total: a.total + b.total, largest: Math.max(a.largest, b.largest) }),
  result: (a) => a,
}

/**
 * Records the card-fraud topology on `app`: velocity alerts to `fraud-alerts`, session summaries
 * to `card-sessions`.
 * @example
 * const app = sluice.streams('card-fraud')
 * cardFraud(app)
 * await app.start()
 */
export function cardFraud(app: App): void {
  const byCard = app.stream<Transaction>('transactions', { eventTime: (t) => t.ts, maxOutOfOrder: '5s' }).groupByKey()

  byCard.window(sliding({ size: '1m', every: '10s' })).count({ store: 'velocity' })
    .toStream()
    .filter((n, w) => n !== null && n > VELOCITY_LIMIT && w !== null)
    .map((n, w) => ({ key: w.key, value: { card: w.key, transactions: n, windowStart: w.window.start, windowEnd: w.window.end } satisfies VelocityAlert }))
    .to('fraud-alerts')

  byCard.window(session({ gap: '10m' }), { emit: 'final' }).aggregate(activity)
    .toStream()
    .map((a, w) => ({ key: w.key, value: { card: w.key, start: w.window.start, end: w.window.end, ...a } satisfies CardSession }))
    .to('card-sessions')
}
