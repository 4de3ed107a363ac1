// Runs the click-sessions example on an embedded Sluice: half an hour of a shop's click stream
// (seeded) from 25 users over 2 partitions keyed by user; most visits end with a logout, some are
// abandoned (and continue into the user's next visit), clicks arrive up to 3 s out of order, and
// a phone that was offline sends a few clicks minutes late. Prints the finished sessions per user
// and the late clicks. `npm run example -- click-sessions [--data-dir dir] [--seed n]`; app.ts
// has the topology.
import { Random } from '../../src/base/random.ts'
import 'sluice/streams'
import { caughtUp, clock, createInputTopic, readTopic, runIfMain, valueOf, withSluice, type RunOptions } from '../shared/harness.ts'
import { clickSessions, type Click, type UserSession } from './app.ts'

/** 12:00:00 UTC on an arbitrary day: where the generated event times start. */
export const START_MS = Date.UTC(2026, 2, 14, 12, 0, 0)
const MIN = 60_000
const PAGES = ['/home', '/search', '/product/42', '/product/7', '/cart', '/checkout', '/help', '/deals']
/** The user whose phone was offline: four clicks made from 12:10 arrive at 12:14. */
export const OFFLINE_USER = 'user-07'

/** Generated clicks in arrival order, and the ones the offline phone sent late. */
export interface GeneratedClicks {
  clicks: Click[]
  delayed: Click[]
}

/**
 * Visits of 3–12 events 5–60 s apart, ending with a logout 80% of the time, 2–8 minutes apart;
 * OFFLINE_USER's four delayed clicks. @example generateClicks(new Random(11)).delayed.length // 4
 */
export function generateClicks(random: Random): GeneratedClicks {
  const sent: Array<{ click: Click; at: number }> = []
  const delayed: Click[] = []
  for (let u = 0; u < 25; u++) {
    const user = `user-${String(u).padStart(2, '0')}`
    let t = START_MS + random.int(0, 5 * MIN)
    while (t < START_MS + 28 * MIN) {
      for (let n = random.int(3, 13); n > 0; n--) {
        const click: Click = { user, page: PAGES[random.int(0, PAGES.length)]!, action: random.chance(0.3) ? 'view' : 'click', ts: t }
        sent.push({ click, at: t + random.int(0, 3_000) })
        t += random.int(5_000, 60_000)
      }
      if (random.chance(0.8)) sent.push({ click: { user, page: '/account', action: 'logout', ts: t }, at: t + random.int(0, 3_000) })
      t += random.int(2 * MIN, 8 * MIN)
    }
  }
  // The offline phone: four clicks from 12:10:00 to 12:10:45, queued and sent at 12:14.
  for (let i = 0; i < 4; i++) {
    const click: Click = { user: OFFLINE_USER, page: PAGES[random.int(0, PAGES.length)]!, action: 'click', ts: START_MS + 10 * MIN + i * 15_000 }
    delayed.push(click)
    sent.push({ click, at: START_MS + 14 * MIN })
  }
  return { clicks: sent.sort((a, b) => a.at - b.at).map((s) => s.click), delayed }
}

/** What a run saw. */
export interface ClickRun extends GeneratedClicks {
  sessions: UserSession[]
  late: Click[]
}

/** Runs the example once; resolves when it has printed its results. @example await run({ seed: 1 }) */
export async function run(options: RunOptions = {}): Promise<ClickRun> {
  const print = options.print ?? console.log
  const generated = generateClicks(new Random(options.seed ?? 11))
  return withSluice(options, async (sluice) => {
    await createInputTopic(sluice, 'clicks', 2)
    const producer = sluice.producer({ lingerMs: 5 })
    await producer.send('clicks', generated.clicks.map((c) => ({ key: c.user, value: c, timestamp: c.ts })))
    await producer.close()
    const app = sluice.streams('click-sessions', { commitInterval: 100 })
    clickSessions(app)
    await app.start()
    try {
      await caughtUp(sluice, app)
    } finally {
      await app.close()
    }
    const sessions = (await readTopic(sluice, 'user-sessions')).map((r) => valueOf<UserSession>(r))
    const late = (await readTopic(sluice, 'late-clicks')).map((r) => valueOf<Click>(r))
    const users = [...new Set(sessions.map((s) => s.user))].sort()
    print(`click-sessions: ${generated.clicks.length} events of 25 users, ${clock(START_MS)}–${clock(START_MS + 30 * MIN)}; ${sessions.length} sessions ended by a logout:`)
    for (const user of users) {
      const own = sessions.filter((s) => s.user === user).sort((a, b) => a.start - b.start)
      print(`  ${user}  ${own.map((s) => `${clock(s.start)}–${clock(s.end)} ${s.events} events, ${s.pages.length} pages`).join(' | ')}`)
    }
    print(`  ${late.length} late clicks went to late-clicks: ${late.map((c) => `${c.user} ${c.page} at ${clock(c.ts)}`).join(', ')}`)
    return { ...generated, sessions, late }
  })
}

runIfMain(import.meta.url, run)
