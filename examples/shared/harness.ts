// What every example's run.ts shares: an embedded Sluice in a temporary directory (or the one
// given with --data-dir), waiting until a streams app has caught up with its input, and reading
// a topic back from the beginning. Nothing here is needed by an application; it only keeps the
// four run.ts files about their own app. The examples' apps are in ../<name>/app.ts.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Sluice, SluiceError, type ConsumerRecord } from 'sluice'
import type { StreamsApp } from 'sluice/streams'

/** Options every example's run() takes. */
export interface RunOptions {
  /** Keep the log here instead of a temporary directory (removed at the end). */
  dataDir?: string
  /** Seed of the generated input (each example has a default, so runs repeat). */
  seed?: number
  /** Where readable output goes (default console.log). */
  print?: (line: string) => void
}

/**
 * Opens an embedded Sluice, runs `body`, closes it and removes the temporary directory.
 * @example await withSluice(options, async (sluice) => { await sluice.admin.createTopic('posts') })
 */
export async function withSluice<T>(options: RunOptions, body: (sluice: Sluice) => Promise<T>): Promise<T> {
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'sluice-example-'))
  const sluice = await Sluice.open({ dataDir })
  try {
    return await body(sluice)
  } finally {
    await sluice.close()
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true })
  }
}

/**
 * Creates an example's input topic; in a data directory that already holds it (an earlier run),
 * throws a SluiceError saying so, rather than mixing two runs' records.
 * @example await createInputTopic(sluice, 'posts', 1)
 */
export async function createInputTopic(sluice: Sluice, topic: string, partitions: number): Promise<void> {
  if ((await sluice.admin.listTopics()).some((t) => t.name === topic)) {
    throw new SluiceError('INVALID_ARGUMENT', `the data directory already holds topic '${topic}' from an earlier run: pass a new --data-dir, or none for a temporary one`)
  }
  await sluice.admin.createTopic(topic, { partitions })
}

/**
 * Waits until `app` has processed and committed everything in its input and internal topics:
 * its group's lag is 0 and its processed count stopped moving. Throws after `timeoutMs`.
 * @example await caughtUp(sluice, app)
 */
export async function caughtUp(sluice: Sluice, app: StreamsApp, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = -1
  let stableChecks = 0
  while (stableChecks < 3) {
    if (app.state === 'error') throw app.failure
    if (Date.now() > deadline) throw new Error(`streams app '${app.name}' did not catch up within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const processed = app.metrics().processedRecords
    const group = await sluice.admin.describeGroup(app.name)
    const isIdle = group.offsets.length > 0 && group.totalLag === 0 && processed === last
    stableChecks = isIdle ? stableChecks + 1 : 0
    last = processed
  }
}

/**
 * Every record of `topic`, oldest first per partition (an empty list if nobody wrote it).
 * @example const alerts = (await readTopic(sluice, 'fraud-alerts')).map((r) => valueOf<VelocityAlert>(r))
 */
export async function readTopic(sluice: Sluice, topic: string): Promise<ConsumerRecord[]> {
  if (!(await sluice.admin.listTopics()).some((t) => t.name === topic)) return []
  const ends = await sluice.admin.listOffsets(topic)
  const consumer = sluice.consumer({ autoOffsetReset: 'earliest' })
  consumer.assign(ends.map((p) => ({ topic, partition: p.partition, offset: 'beginning' as const })))
  const wanted = ends.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0)
  const records: ConsumerRecord[] = []
  const deadline = Date.now() + 5_000
  while (records.length < wanted && Date.now() < deadline) records.push(...await consumer.poll({ timeoutMs: 100 }))
  await consumer.close()
  return records
}

/** A record's value, written as JSON (the default value serde). @example valueOf<VelocityAlert>(record).card */
export function valueOf<V>(record: ConsumerRecord): V {
  return JSON.parse(record.value?.toString() ?? 'null') as V
}

/** `12:34:56` of an epoch-ms time, in UTC: how the examples print event times. @example clock(Date.UTC(2026, 0, 1, 9, 30)) // '09:30:00' */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/**
 * Runs `run` when `moduleUrl` is the script node was started with, reading `--data-dir <dir>` and
 * `--seed <n>` from the command line; exits 0 when it is done, 1 on an error.
 * @example runIfMain(import.meta.url, run)
 */
export function runIfMain(moduleUrl: string, run: (options: RunOptions) => Promise<unknown>): void {
  const script = process.argv[1]
  if (script === undefined || pathToFileURL(script).href !== moduleUrl) return
  const args = process.argv.slice(2)
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const seed = option('--seed')
  run({ dataDir: option('--data-dir'), seed: seed === undefined ? undefined : Number(seed) }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
