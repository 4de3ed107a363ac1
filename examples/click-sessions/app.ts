// Click sessions punctuated by the application: a user's session is everything up to and
// including a logout event (punctuated({ endsWith: logout })), however long or quiet it was,
// rather than a guess from inactivity gaps. Markers take effect when they arrive; a click that
// happened before the logout but arrives after it (a straggler) still joins the session it
// belongs to, for 30 s of grace; a click older than that is late and goes to `late-clicks`.
// Finished sessions go to `user-sessions`. run.ts runs it on an embedded Sluice.
import { punctuated, type Aggregator, type App } from 'sluice/streams'

/** A click-stream event as the `clicks` topic carries it (key: the user). */
export interface Click {
  user: string
  page: string
  action: 'view' | 'click' | 'logout'
  /** Event time, ms since the epoch. */
  ts: number
}

/** A finished session on `user-sessions` (key: the user). */
export interface UserSession {
  user: string
  /** First event's time and last event's time + 1 ms. */
  start: number
  end: number
  events: number
  /** Pages in the order they were first seen, each once. */
  pages: string[]
}

interface Journey { events: number; pages: string[] }

/** Events and distinct pages; punctuated windows never merge, so add() alone is enough. */
const journey: Aggregator<Click, Journey, Journey> = {
  algebra: 'none',
  init: () => ({ events: 0, pages: [] }),
  add: (j, c) => ({ events: j.events + 1, pages: j.pages.includes(c.page) ? j.pages : [...j.pages, c.page] }),
  result: (j) => j,
}

/**
 * Records the click-sessions topology on `app`: sessions ended by a logout to `user-sessions`,
 * late clicks to `late-clicks`.
 * @example
 * const app = sluice.streams('click-sessions')
 * clickSessions(app)
 * await app.start()
 */
export function clickSessions(app: App): void {
  const sessions = app.stream<Click>('clicks', { eventTime: (c) => c.ts, maxOutOfOrder: '5s' })
    .groupByKey()
    .window(punctuated<Click>({ endsWith: (c) => c.action === 'logout', grace: '30s' }), { emit: 'final' })
    .aggregate(journey)
  sessions.toStream()
    .map((j, w) => ({ key: w.key, value: { user: w.key, start: w.window.start, end: w.window.end, ...j } satisfies UserSession }))
    .to('user-sessions')
  sessions.lateRecords().to('late-clicks')
}
