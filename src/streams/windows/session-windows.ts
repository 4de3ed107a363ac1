// Session merging, pure: a session is [first event, last event + gap), so two events less than
// `gap` apart share one, and an event that falls within `gap` of two sessions bridges them into
// one (late data can do that). Given a key's sessions (sorted by start and disjoint, which makes
// their ends sorted too) and a new event time, `SessionWindows.merge` answers which session the
// event belongs to and which existing ones that session replaces: none (a new session), one
// (extended or unchanged), or two (bridged; no more are possible, since sessions are at least
// `gap` apart and the event's own span is `gap` long). session-aggregation.ts keeps the state.
import type { SessionDefinition } from './definitions.ts'

/** A session window [start, end): end is the last event's time plus the gap. */
export interface Session {
  readonly start: number
  readonly end: number
}

/** Where an event lands among a key's sessions: the resulting session and the replaced range [from, to). */
export interface SessionMerge {
  readonly start: number
  readonly end: number
  /** Index of the first replaced session (the insertion index when none is replaced). */
  readonly from: number
  /** One past the last replaced session; to - from is 0, 1 or 2. */
  readonly to: number
}

/** The merging rules of session windows with a given gap. */
export class SessionWindows {
  readonly gapMs: number

  constructor(definition: Pick<SessionDefinition, 'gapMs'>) {
    this.gapMs = definition.gapMs
  }

  /** The session a lone event at `t` forms: [t, t + gap). */
  sessionOf(t: number): Session {
    return { start: t, end: t + this.gapMs }
  }

  /**
   * The session an event at `t` belongs to among `sessions` (sorted by start, disjoint) and the
   * sessions it replaces.
   * @example
   * new SessionWindows(session({ gap: 10 })).merge([{ start: 0, end: 15 }, { start: 30, end: 40 }], 20)
   * // { start: 0, end: 40, from: 0, to: 2 }: the event bridges both sessions
   */
  merge(sessions: readonly Session[], t: number): SessionMerge {
    const end = t + this.gapMs
    // The first session that ends after t is the first one the event's span [t, t + gap) can overlap.
    let lo = 0
    let hi = sessions.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sessions[mid]!.end <= t) lo = mid + 1
      else hi = mid
    }
    const from = lo
    let to = from
    let start = t
    let mergedEnd = end
    while (to < sessions.length && sessions[to]!.start < end) {
      start = Math.min(start, sessions[to]!.start)
      mergedEnd = Math.max(mergedEnd, sessions[to]!.end)
      to++
    }
    return { start, end: mergedEnd, from, to }
  }
}
