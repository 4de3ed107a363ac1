// What a replay (replay.ts) reports and how: reading a topic's last value per key over an offset
// range, comparing a live topic with its shadow key by key, and the text rendering. Keys are told
// apart by their bytes; for a windowed output the key holds the window, so the comparison is
// window by window. A key whose last record is a tombstone (null value) counts as absent, as in a
// compacted topic. Keys and values are shown decoded by the sink's serdes (undecodable bytes stay
// a Buffer, printed as hex).
import { SluiceError } from '../../base/errors.ts'
import type { Sluice } from '../../client/sluice.ts'
import type { SeekTarget } from '../../client/types.ts'
import type { Serde } from '../serdes/index.ts'

/** A key with one side's last value. */
export interface ReplayKeyValue {
  key: unknown
  value: unknown
}

/** A key whose last value differs between the live topic and the shadow. */
export interface ReplayChange {
  key: unknown
  live: unknown
  replay: unknown
}

/** The comparison of one sink topic with its shadow. */
export interface ReplayTopicReport {
  topic: string
  shadowTopic: string
  /** Keys present on either side. */
  keys: number
  /** Keys whose last values are the same bytes. */
  same: number
  changed: ReplayChange[]
  onlyLive: ReplayKeyValue[]
  onlyReplay: ReplayKeyValue[]
}

/** Where a replay starts reading its input (and the live output it is compared with). */
export type ReplayStart = 'earliest' | { timestamp: number }

/** What replay() found. */
export interface ReplayReport {
  /** The live app's name. */
  app: string
  /** The name the changed version ran under (its group and internal topics, deleted afterwards). */
  replayApp: string
  from: ReplayStart
  /** Input records (offsets) between the start point and the end offsets captured at the start. */
  inputRecords: number
  /** Records the replay's tasks processed (repartitioned records count again). */
  processedRecords: number
  topics: ReplayTopicReport[]
  /** Whether the shadow topics were left in place. */
  isShadowKept: boolean
  /** Reasons the comparison may be unfair (the live app lagging, a live topic missing). */
  warnings: string[]
}

/** One partition to read: from a start (offset, 'beginning' or a time) up to `end`, exclusive. */
export interface ReadRange {
  partition: number
  from: SeekTarget
  end: number
  /** Records timestamped earlier are skipped (a replay from a time compares only outputs from then on). */
  minTimestamp?: number
}

/** Raw last record per key, in the order keys first appeared. */
export type LastValues = Map<string, { key: Buffer | null; value: Buffer }>

const POLL_MS = 50

/**
 * Reads `ranges` of `topic` and keeps the last value per key (tombstones remove the key); a range's
 * records timestamped before its `minTimestamp` are skipped.
 * @example const last = await readLastValues(sluice, 'page-counts', [{ partition: 0, from: 'beginning', end: 42 }], deadline)
 */
export async function readLastValues(sluice: Sluice, topic: string, ranges: readonly ReadRange[], deadlineMs: number, nowMs: () => number): Promise<LastValues> {
  const last: LastValues = new Map()
  const wanted = ranges.filter((r) => r.end > 0)
  if (wanted.length === 0) return last
  const end = new Map(wanted.map((r) => [r.partition, r.end]))
  const minTimestamp = new Map(wanted.map((r) => [r.partition, r.minTimestamp ?? -Infinity]))
  const reader = sluice.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: POLL_MS })
  try {
    reader.assign(wanted.map((r) => ({ topic, partition: r.partition, offset: r.from })))
    const isDone = (): boolean => wanted.every((r) => (reader.position(topic, r.partition) ?? -1) >= r.end)
    while (!isDone()) {
      if (nowMs() > deadlineMs) throw new SluiceError('REQUEST_TIMED_OUT', `replay timed out reading '${topic}' up to offsets ${JSON.stringify(Object.fromEntries(end))}`)
      for (const r of await reader.poll({ timeoutMs: POLL_MS })) {
        if (r.offset >= end.get(r.partition)! || r.timestamp < minTimestamp.get(r.partition)!) continue
        const id = r.key === null ? 'null' : r.key.toString('hex')
        if (r.value === null) last.delete(id)
        else last.set(id, { key: r.key, value: r.value })
      }
    }
  } finally {
    await reader.close()
  }
  return last
}

function decode(serde: Serde<unknown>, bytes: Buffer | null): unknown {
  if (bytes === null) return null
  try {
    return serde.deserialize(bytes)
  } catch {
    // The report still shows what is there: the bytes, printed as hex by formatReplayReport.
    return Buffer.from(bytes)
  }
}

/**
 * Compares last values per key: same bytes, changed, or present on one side only.
 * @example compareLastValues('page-counts', 'page-counts.replay', live, shadow, keySerde, valueSerde)
 */
export function compareLastValues(topic: string, shadowTopic: string, live: LastValues, replay: LastValues, keySerde: Serde<unknown>, valueSerde: Serde<unknown>): ReplayTopicReport {
  const report: ReplayTopicReport = { topic, shadowTopic, keys: 0, same: 0, changed: [], onlyLive: [], onlyReplay: [] }
  for (const [id, l] of live) {
    report.keys++
    const r = replay.get(id)
    if (r === undefined) report.onlyLive.push({ key: decode(keySerde, l.key), value: decode(valueSerde, l.value) })
    else if (l.value.equals(r.value)) report.same++
    else report.changed.push({ key: decode(keySerde, l.key), live: decode(valueSerde, l.value), replay: decode(valueSerde, r.value) })
  }
  for (const [id, r] of replay) {
    if (live.has(id)) continue
    report.keys++
    report.onlyReplay.push({ key: decode(keySerde, r.key), value: decode(valueSerde, r.value) })
  }
  return report
}

/** A value for one line of text: JSON, Buffers as hex, windowed keys as `key@[start,end)`. */
function show(value: unknown): string {
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`
  if (isWindowedKey(value)) return `${show(value.key)}@[${value.window.start},${value.window.end})`
  const text = JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

function isWindowedKey(value: unknown): value is { key: unknown; window: { start: number; end: number } } {
  if (value === null || typeof value !== 'object') return false
  const w = (value as { window?: unknown }).window
  return 'key' in value && w !== null && typeof w === 'object' && typeof (w as { start?: unknown }).start === 'number' && typeof (w as { end?: unknown }).end === 'number'
}

function describeStart(from: ReplayStart): string {
  return from === 'earliest' ? 'earliest' : new Date(from.timestamp).toISOString()
}

/**
 * The report as text: a line per topic, then up to `limit` lines per kind of difference.
 * @example process.stdout.write(formatReplayReport(await replay(sluice, build, { app: 'page-counts' })))
 */
export function formatReplayReport(report: ReplayReport, options: { limit?: number } = {}): string {
  const limit = options.limit ?? 20
  let out = `replay of '${report.app}' as '${report.replayApp}' from ${describeStart(report.from)}: ${report.inputRecords} input records, ${report.processedRecords} processed\n`
  for (const warning of report.warnings) out += `warning: ${warning}\n`
  for (const t of report.topics) {
    const isSame = t.changed.length === 0 && t.onlyLive.length === 0 && t.onlyReplay.length === 0
    out += `${t.topic} vs ${t.shadowTopic}: ${t.keys} keys, ${t.same} same, ${t.changed.length} changed, ${t.onlyLive.length} only live, ${t.onlyReplay.length} only in replay${isSame ? ' (no differences)' : ''}\n`
    const lines: Array<[string, string[]]> = [
      ['changed', t.changed.map((c) => `  changed      ${show(c.key)}: live ${show(c.live)}, replay ${show(c.replay)}`)],
      ['only live', t.onlyLive.map((e) => `  only live    ${show(e.key)}: ${show(e.value)}`)],
      ['only replay', t.onlyReplay.map((e) => `  only replay  ${show(e.key)}: ${show(e.value)}`)],
    ]
    for (const [kind, all] of lines) {
      for (const line of all.slice(0, limit)) out += `${line}\n`
      if (all.length > limit) out += `  ... ${all.length - limit} more ${kind}\n`
    }
  }
  if (report.isShadowKept && report.topics.length > 0) out += `shadow topics kept: ${report.topics.map((t) => t.shadowTopic).join(', ')}\n`
  return out
}

/**
 * True when no topic differs.
 * @example if (!isReplaySame(report)) process.exitCode = 1
 */
export function isReplaySame(report: ReplayReport): boolean {
  return report.topics.every((t) => t.changed.length === 0 && t.onlyLive.length === 0 && t.onlyReplay.length === 0)
}
