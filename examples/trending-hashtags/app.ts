// Trending hashtags: the hashtags of a stream of posts, counted per hashtag over the last 10
// minutes, in windows that advance every second (sliding({ size: '10m', every: '1s' })), with an
// inverse reduce: the count is a sum of ones with its inverse, so the runtime keeps one running
// total per hashtag and subtracts what leaves the window (Spark's reduceByKeyAndWindow with an
// inverse function) instead of recounting 600 overlapping windows. Once a minute the counts of
// the window ending then are ranked into a top list on the `trending` topic. run.ts runs it on
// an embedded Sluice; app.test.ts drives it with the TopologyTestDriver.
import { jsonSerde, sliding, type Aggregator, type App, type Windowed } from 'sluice/streams'

/** A post as the `posts` topic carries it. */
export interface Post {
  user: string
  text: string
  /** Event time, ms since the epoch. */
  ts: number
}

/** One line of a top list. */
export interface TagCount {
  tag: string
  count: number
}

/** The record on `trending`: the top hashtags of the 10 minutes ending at `end`. */
export interface Trending {
  end: number
  top: TagCount[]
}

/** How many hashtags a top list holds. */
export const TOP_N = 5

/** The hashtags of a text, lowercased, each once. @example hashtags('Go #Rust #rust #ts') // ['#rust', '#ts'] */
export function hashtags(text: string): string[] {
  return [...new Set((text.match(/#[\p{L}\p{N}_]+/gu) ?? []).map((t) => t.toLowerCase()))]
}

/** Ranks counts: highest first, ties by name. */
function rank(counts: readonly TagCount[]): TagCount[] {
  return [...counts].sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag))
}

/**
 * The top list of one window end: each hashtag's latest count (a final result per hashtag and
 * window arrives once, so this only collects them), the best TOP_N kept.
 */
const topList: Aggregator<TagCount, TagCount[], TagCount[]> = {
  algebra: 'none',
  init: () => [],
  add: (acc, next) => rank([...acc.filter((c) => c.tag !== next.tag), next]).slice(0, TOP_N),
  result: (acc) => acc,
}

/**
 * Records the trending-hashtags topology on `app`: posts → hashtags → per-hashtag counts over a
 * 10-minute window every second → once a minute, the top TOP_N to `trending` (the top lists by
 * window end are queryable in the store `top-lists`).
 * @example
 * const app = sluice.streams('trending-hashtags')
 * trendingHashtags(app)
 * await app.start()
 */
export function trendingHashtags(app: App): void {
  app.stream<Post>('posts', { eventTime: (p) => p.ts, maxOutOfOrder: '2s' })
    .flatMap((post) => hashtags(post.text).map((tag) => ({ key: tag, value: 1 })))
    .groupByKey()
    .window(sliding({ size: '10m', every: '1s' }), { emit: 'final' })
    .reduce((a, b) => a + b, { inverse: (total, one) => total - one, store: 'hashtag-counts' })
    .toStream()
    .filter((_count, window) => window.window.end % 60_000 === 0)
    .map((count, window: Windowed<string>) => ({ key: window.window.end, value: { tag: window.key, count } }))
    .groupByKey()
    .aggregate(topList, { store: 'top-lists' })
    .toStream()
    .mapValues((top, end): Trending => ({ end, top }))
    .to('trending', { keySerde: jsonSerde<number>() })
}
