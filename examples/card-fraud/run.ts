// Runs the card-fraud example on an embedded Sluice: an hour of transactions of 40 cards
// (seeded), three of them stolen and tested with a quick burst of small purchases, arriving up
// to 3 s out of order over 3 partitions keyed by card. Prints each alerted card's first alert
// and the finished sessions of the alerted cards. `npm run example -- card-fraud [--data-dir dir]
// [--seed n]`; the topology is in app.ts.
import { Random } from '../../src/base/random.ts'
import 'sluice/streams'
import { caughtUp, clock, createInputTopic, readTopic, runIfMain, valueOf, withSluice, type RunOptions } from '../shared/harness.ts'
import { cardFraud, type CardSession, type Transaction, type VelocityAlert } from './app.ts'

/** 10:00:00 UTC on an arbitrary day: where the generated event times start. */
export const START_MS = Date.UTC(2026, 2, 14, 10, 0, 0)
const HOUR_MS = 3_600_000
const MERCHANTS = ['grocer', 'fuel', 'books', 'cafe', 'pharmacy', 'online-store', 'cinema', 'taxi']

/** Generated transactions, in arrival order, and the cards that were stolen. */
export interface Generated {
  transactions: Transaction[]
  stolen: string[]
}

/**
 * Ordinary cards make one to three visits of 1–4 purchases a few minutes apart; a stolen card
 * makes 7–10 small purchases within 45 seconds. Arrival jitters event time by up to 3 s.
 * @example generateTransactions(new Random(7)).stolen // three card numbers
 */
export function generateTransactions(random: Random): Generated {
  const transactions: Transaction[] = []
  const stolen = new Set<string>()
  while (stolen.size < 3) stolen.add(`card-${String(random.int(0, 40)).padStart(4, '0')}`)
  for (let c = 0; c < 40; c++) {
    const card = `card-${String(c).padStart(4, '0')}`
    let t = START_MS + random.int(0, 10 * 60_000)
    for (let visit = random.int(1, 4); visit > 0 && t < START_MS + HOUR_MS; visit--) {
      for (let n = random.int(1, 5); n > 0; n--) {
        transactions.push({ card, amount: random.int(300, 12_000), merchant: MERCHANTS[random.int(0, MERCHANTS.length)]!, ts: t })
        t += random.int(30_000, 4 * 60_000)
      }
      t += random.int(15, 25) * 60_000
    }
    if (stolen.has(card)) {
      let b = START_MS + random.int(5, 50) * 60_000
      for (let n = random.int(7, 11); n > 0; n--, b += random.int(1_000, 6_000)) {
        transactions.push({ card, amount: random.int(100, 900), merchant: MERCHANTS[random.int(0, MERCHANTS.length)]!, ts: b })
      }
    }
  }
  const arrival = (tx: Transaction): number => tx.ts + random.int(0, 3_000)
  const ordered = transactions.map((tx) => ({ tx, at: arrival(tx) })).sort((a, b) => a.at - b.at).map((x) => x.tx)
  return { transactions: ordered, stolen: [...stolen].sort() }
}

/** What a run saw. */
export interface FraudRun extends Generated {
  alerts: VelocityAlert[]
  sessions: CardSession[]
}

const euros = (cents: number): string => `€${(cents / 100).toFixed(2)}`

/** Runs the example once; resolves when it has printed its results. @example await run({ seed: 1 }) */
export async function run(options: RunOptions = {}): Promise<FraudRun> {
  const print = options.print ?? console.log
  const generated = generateTransactions(new Random(options.seed ?? 7))
  return withSluice(options, async (sluice) => {
    await createInputTopic(sluice, 'transactions', 3)
    const producer = sluice.producer({ lingerMs: 5 })
    await producer.send('transactions', generated.transactions.map((tx) => ({ key: tx.card, value: tx, timestamp: tx.ts })))
    await producer.close()
    const app = sluice.streams('card-fraud', { commitInterval: 100 })
    cardFraud(app)
    await app.start()
    try {
      await caughtUp(sluice, app)
    } finally {
      await app.close()
    }
    const alerts = (await readTopic(sluice, 'fraud-alerts')).map((r) => valueOf<VelocityAlert>(r))
    const sessions = (await readTopic(sluice, 'card-sessions')).map((r) => valueOf<CardSession>(r))
    const alerted = [...new Set(alerts.map((a) => a.card))].sort()
    print(`card-fraud: ${generated.transactions.length} transactions of 40 cards, ${clock(START_MS)}–${clock(START_MS + HOUR_MS)}; ${alerts.length} velocity alerts for ${alerted.length} cards, ${sessions.length} finished sessions`)
    for (const card of alerted) {
      const first = alerts.find((a) => a.card === card)!
      const most = Math.max(...alerts.filter((a) => a.card === card).map((a) => a.transactions))
      print(`  ALERT ${card}: ${first.transactions} transactions in ${clock(first.windowStart)}–${clock(first.windowEnd)} (up to ${most} in one minute)`)
      for (const s of sessions.filter((x) => x.card === card).sort((a, b) => a.start - b.start)) {
        print(`    session ${clock(s.start)}–${clock(s.end)}: ${s.transactions} purchase${s.transactions === 1 ? '' : 's'}, ${euros(s.total)}, largest ${euros(s.largest)}`)
      }
    }
    return { ...generated, alerts, sessions }
  })
}

runIfMain(import.meta.url, run)
