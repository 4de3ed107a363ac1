// Runs the trending-hashtags example on an embedded Sluice: generates 12½ minutes of posts
// (seeded; one hashtag takes off halfway), starts the app, waits until it has caught up, and
// prints the top hashtags of the last 10 minutes once a minute. `npm run example --
// trending-hashtags [--data-dir dir] [--seed n]`; the topology is in app.ts.
import { Random } from '../../src/base/random.ts'
import type { Sluice } from 'sluice'
import 'sluice/streams'
import { caughtUp, clock, createInputTopic, readTopic, runIfMain, valueOf, withSluice, type RunOptions } from '../shared/harness.ts'
import { trendingHashtags, type Post, type Trending } from './app.ts'

/** 09:00:00 UTC on an arbitrary day: where the generated event times start. */
export const START_MS = Date.UTC(2026, 2, 14, 9, 0, 0)
const DURATION_MS = 12.5 * 60_000
const EVERYDAY = ['#coffee', '#monday', '#typescript', '#rust', '#music', '#football', '#news', '#cats', '#travel', '#food', '#weather', '#books']

/**
 * Posts every ~300 ms with 1–2 hashtags from a skewed everyday list; from minute 5 on, more and
 * more posts mention #eclipse. Event times arrive up to 1.5 s out of order.
 * @example generatePosts(new Random(42)).length // about 2,500
 */
export function generatePosts(random: Random): Post[] {
  const posts: Post[] = []
  for (let t = START_MS; t < START_MS + DURATION_MS; t += random.int(100, 500)) {
    const tags = new Set<string>()
    for (let n = random.int(1, 3); n > 0; n--) tags.add(EVERYDAY[Math.floor(EVERYDAY.length * random.float() ** 1.3)]!)
    const minute = (t - START_MS) / 60_000
    if (minute > 5 && random.chance(Math.min(0.95, (minute - 5) / 3))) tags.add('#eclipse')
    const ts = t - random.int(0, 1_500)
    posts.push({ user: `user-${random.int(0, 200)}`, text: `posting ${[...tags].join(' ')}`, ts })
  }
  return posts
}

/** What a run saw: the posts it generated and each minute's top list. */
export interface TrendingRun {
  posts: Post[]
  trending: Trending[]
}

/** Runs the example once; resolves when it has printed its results. @example await run({ seed: 1 }) */
export async function run(options: RunOptions = {}): Promise<TrendingRun> {
  const print = options.print ?? console.log
  const posts = generatePosts(new Random(options.seed ?? 42))
  return withSluice(options, async (sluice: Sluice) => {
    await createInputTopic(sluice, 'posts', 2)
    const producer = sluice.producer({ lingerMs: 5 })
    await producer.send('posts', posts.map((p) => ({ key: p.user, value: p, timestamp: p.ts })))
    await producer.close()
    const app = sluice.streams('trending-hashtags', { commitInterval: 100 })
    trendingHashtags(app)
    await app.start()
    try {
      await caughtUp(sluice, app)
    } finally {
      await app.close()
    }
    const latest = new Map<number, Trending>()
    // One update per hashtag and minute: the last one for a minute is its complete top list.
    for (const record of await readTopic(sluice, 'trending')) {
      const list = valueOf<Trending>(record)
      latest.set(list.end, list)
    }
    const trending = [...latest.values()].sort((a, b) => a.end - b.end)
    print(`trending-hashtags: ${posts.length} posts from ${clock(START_MS)} to ${clock(START_MS + DURATION_MS)}; top hashtags of the 10 minutes before each minute:`)
    for (const { end, top } of trending) print(`  ${clock(end)}  ${top.map((c) => `${c.tag} ${c.count}`).join(' · ')}`)
    return { posts, trending }
  })
}

runIfMain(import.meta.url, run)
