// Replay mode: runs a changed version of a streams app over the retained input into shadow topics
// and reports, key by key (window by window for windowed outputs), how its results differ from
// what the live app wrote. The changed version is recorded on a fresh DSL App named
// `<app>-replay-<n>` (its own group and internal topics: the live app is untouched), its external
// sinks are rewritten to `T + shadowSuffix` (replay-topology.ts), and a StreamsRuntime runs it
// at-least-once with in-memory stores until it has processed every input record up to the end
// offsets captured at the start. Comparison and text output live in replay-report.ts. Afterwards
// the replay's internal topics and group are deleted; shadow topics are kept unless asked.
import { hostname } from 'node:os'
import type { Clock } from '../../base/clock.ts'
import { systemClock } from '../../base/clock.ts'
import { SluiceError, isSluiceError } from '../../base/errors.ts'
import type { Sluice } from '../../client/sluice.ts'
import { createApp, type App } from '../dsl/app.ts'
import { durationOption } from '../dsl/graph-builder.ts'
import type { AppOptions } from '../dsl/types.ts'
import { InMemoryStoreProvider } from '../state/index.ts'
import type { SinkNode, Topology } from '../topology/index.ts'
import { checkAppName, isInternalTopicOf } from './app-resources.ts'
import { resolveErrorHandler, type ErrorAction, type ErrorContext } from './error-handler.ts'
import { compareLastValues, readLastValues, type ReadRange, type ReplayReport, type ReplayStart, type ReplayTopicReport } from './replay-report.ts'
import { shadowTopology } from './replay-topology.ts'
import { StreamsRuntime } from './streams-runtime.ts'

export { formatReplayReport, isReplaySame } from './replay-report.ts'
export type { ReplayChange, ReplayKeyValue, ReplayReport, ReplayStart, ReplayTopicReport } from './replay-report.ts'

/** Options of replay(). */
export interface ReplayOptions {
  /** The live app's name: its output topics are compared, its lag checked. */
  app: string
  /** Appended to each output topic to name its shadow (default '.replay'). */
  shadowSuffix?: string
  /** Where to start reading input, and the live output compared (default 'earliest'). */
  from?: ReplayStart
  /** Give up (and clean up) after this long (default 300000 ms). */
  timeoutMs?: number
  /** Keep the shadow topics after the report (default true); false deletes them. */
  keepShadow?: boolean
  /** Options of the changed version: onError, idleTimeout… (guarantee, commitInterval, stateStore are the replay's). */
  appOptions?: AppOptions
  clock?: Clock
  log?: (message: string) => void
}

const DEFAULT_TIMEOUT_MS = 300_000
const COMMIT_INTERVAL_MS = 50
const CHECK_INTERVAL_MS = 25
const GROUP_DELETE_WAIT_MS = 5000

/** One partition of an external input: the replay is done with it when its group offset reaches `end`. */
interface InputRange { topic: string; partition: number; start: number; end: number }

/**
 * Runs the app `build` records over the retained input into shadow topics and compares its
 * results with the live app's, key by key.
 * @example
 * const report = await replay(sluice, (app) => {
 *   app.stream<Click>('clicks').filter((c) => !c.isBot).groupBy((c) => c.page).count().toStream().to('page-counts')
 * }, { app: 'page-counts' })
 * console.log(formatReplayReport(report))
 */
export async function replay(sluice: Sluice, build: (app: App) => void, options: ReplayOptions): Promise<ReplayReport> {
  checkAppName(options.app)
  const from = checkStart(options.from ?? 'earliest')
  const clock = options.clock ?? systemClock
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new SluiceError('INVALID_ARGUMENT', `timeoutMs must be a positive number, got ${String(timeoutMs)}`)
  const deadline = clock.monotonic() + timeoutMs
  const now = (): number => clock.monotonic()
  const log = options.log ?? ((message: string) => process.emitWarning(message, 'SluiceStreams'))
  const suffix = options.shadowSuffix ?? '.replay'

  const replayApp = await freeReplayName(sluice, options.app)
  const app = createApp(replayApp, options.appOptions)
  build(app)
  const { topology, shadows } = shadowTopology(app.build(), suffix)
  if (shadows.size === 0) throw new SluiceError('INVALID_ARGUMENT', `the changed version of '${options.app}' writes no topic (no .to()): a replay has nothing to compare`)
  const shadowNames = new Set(shadows.values())
  const externalTopics = sourceTopics(topology, (topic, isInternal) => !isInternal && !shadowNames.has(topic))
  const derivedTopics = sourceTopics(topology, (topic, isInternal) => isInternal || shadowNames.has(topic))

  const provider = new InMemoryStoreProvider()
  const runtime = new StreamsRuntime({
    sluice, topology, guarantee: 'at-least-once', commitIntervalMs: COMMIT_INTERVAL_MS,
    idleTimeoutMs: options.appOptions?.idleTimeout === undefined ? 10_000 : durationOption('idleTimeout', options.appOptions.idleTimeout),
    onError: shadowDeadLetters(resolveErrorHandler(options.appOptions?.onError), suffix),
    storeProvider: provider, instanceId: `${hostname()}-${process.pid}-replay`, clock, log,
  })
  const warnings: string[] = []
  let inputs: InputRange[]
  let outputs: OutputRanges
  let processedRecords = 0
  try {
    // From a time, the group's offsets are set here: from now on there is something to clean up.
    inputs = await captureInputs(sluice, replayApp, externalTopics, from)
    outputs = await captureOutputs(sluice, shadows, from)
    warnings.push(...outputs.warnings, ...await liveLagWarnings(sluice, options.app))
    await runtime.start()
    await waitUntilProcessed(sluice, runtime, replayApp, inputs, derivedTopics, deadline, clock)
    processedRecords = runtime.metrics().processedRecords
    await runtime.close()
    if (runtime.state === 'error') throw replayFailed(options.app, runtime.failure)
  } finally {
    await runtime.close()
    await provider.close()
    warnings.push(...await cleanUp(sluice, replayApp, topology, clock))
  }

  const topics: ReplayTopicReport[] = []
  for (const [topic, shadow] of shadows) {
    const sink = topology.nodes.find((n): n is SinkNode => n.kind === 'sink' && n.topic === shadow)!
    const range = outputs.shadow.get(shadow)!
    const written = await sluice.admin.listOffsets(shadow)
    const replayRanges = range.map((r) => ({ ...r, end: written.find((w) => w.partition === r.partition)?.highWatermark ?? r.end }))
    const live = await readLastValues(sluice, topic, outputs.live.get(topic)!, deadline, now)
    const replayed = await readLastValues(sluice, shadow, replayRanges, deadline, now)
    topics.push(compareLastValues(topic, shadow, live, replayed, sink.keySerde, sink.valueSerde))
  }
  const isShadowKept = options.keepShadow !== false
  if (!isShadowKept) for (const shadow of shadows.values()) await sluice.admin.deleteTopic(shadow).catch(unknownAsUndefined)
  const inputRecords = inputs.reduce((sum, r) => sum + Math.max(0, r.end - r.start), 0)
  return { app: options.app, replayApp, from, inputRecords, processedRecords, topics, isShadowKept, warnings }
}

function checkStart(from: ReplayStart): ReplayStart {
  if (from === 'earliest') return from
  if (from !== null && typeof from === 'object' && Number.isFinite(from.timestamp)) return { timestamp: from.timestamp }
  throw new SluiceError('INVALID_ARGUMENT', `from must be 'earliest' or { timestamp: <ms since the epoch> }, got ${JSON.stringify(from)}`)
}

/** `<app>-replay-<n>` with the lowest n that has neither a group nor internal topics left over. */
async function freeReplayName(sluice: Sluice, app: string): Promise<string> {
  const groups = new Set((await sluice.admin.listGroups()).map((g) => g.groupId))
  const topics = (await sluice.admin.listTopics()).map((t) => t.name)
  for (let n = 1; ; n++) {
    const name = `${app}-replay-${n}`
    if (!groups.has(name) && !topics.some((t) => isInternalTopicOf(name, t))) {
      checkAppName(name)
      return name
    }
  }
}

function sourceTopics(topology: Topology, keep: (topic: string, isInternal: boolean) => boolean): string[] {
  const topics = topology.nodes.flatMap((n) => (n.kind === 'source' && keep(n.topic, n.isInternal) ? [n.topic] : []))
  return [...new Set(topics)]
}

/** End offsets now, and start offsets: the log start, or the first record at the time (then committed for the replay's group). */
async function captureInputs(sluice: Sluice, group: string, topics: readonly string[], from: ReplayStart): Promise<InputRange[]> {
  const inputs: InputRange[] = []
  for (const topic of topics) {
    const ranges = await sluice.admin.listOffsets(topic).catch(unknownAsUndefined)
    // A missing input has nothing retained; the runtime creates it (embedded) or refuses to start.
    if (ranges === undefined) continue
    const starts = from === 'earliest' ? undefined : await sluice.admin.resetGroupOffsets(group, topic, from)
    for (const r of ranges) {
      const start = starts === undefined ? r.logStartOffset : starts.find((s) => s.partition === r.partition)!.offset
      inputs.push({ topic, partition: r.partition, start, end: r.highWatermark })
    }
  }
  return inputs
}

/** What to compare: each live topic whole (filtered by time), each shadow from its end now (a kept shadow holds older runs). */
interface OutputRanges { live: Map<string, ReadRange[]>; shadow: Map<string, ReadRange[]>; warnings: string[] }

async function captureOutputs(sluice: Sluice, shadows: ReadonlyMap<string, string>, from: ReplayStart): Promise<OutputRanges> {
  // From a time, both sides count only outputs timestamped from then on. An output topic is not in
  // time order (partitions of the input interleave), so the live side is read whole and filtered.
  const minTimestamp = from === 'earliest' ? undefined : from.timestamp
  const result: OutputRanges = { live: new Map(), shadow: new Map(), warnings: [] }
  for (const [topic, shadow] of shadows) {
    const live = await sluice.admin.listOffsets(topic).catch(unknownAsUndefined)
    if (live === undefined) result.warnings.push(`live topic '${topic}' does not exist: every replay result counts as only in replay`)
    result.live.set(topic, (live ?? []).map((r) => ({ partition: r.partition, from: 'beginning', end: r.highWatermark, minTimestamp })))
    let existing = await sluice.admin.listOffsets(shadow).catch(unknownAsUndefined)
    if (existing === undefined) {
      await sluice.admin.createTopic(shadow, live === undefined ? {} : { partitions: live.length })
      existing = await sluice.admin.listOffsets(shadow)
    }
    result.shadow.set(shadow, existing.map((r) => ({ partition: r.partition, from: r.highWatermark, end: r.highWatermark, minTimestamp })))
  }
  return result
}

async function liveLagWarnings(sluice: Sluice, app: string): Promise<string[]> {
  try {
    const group = await sluice.admin.describeGroup(app)
    return group.totalLag > 0 ? [`live app '${app}' was ${group.totalLag} records behind its input when the replay started: its results may lack the newest input`] : []
  } catch (error) {
    // No live group: the live topics were written by something else, or the app was reset.
    if (isSluiceError(error, 'GROUP_ID_NOT_FOUND')) return [`no consumer group '${app}': is '${app}' the live app's name?`]
    throw error
  }
}

/** The app's error handler, with dead letters sent to shadow topics too. */
function shadowDeadLetters(handler: (error: unknown, context: ErrorContext) => ErrorAction, suffix: string): (error: unknown, context: ErrorContext) => ErrorAction {
  return (error, context) => {
    const action = handler(error, context)
    return typeof action === 'object' ? { deadLetter: action.deadLetter + suffix } : action
  }
}

/**
 * Waits until the replay's group has committed every external input partition up to its captured
 * end, then every internal or shadow source partition up to its end. describeGroup reads committed
 * offsets before end offsets, and at-least-once commits only after outputs are acknowledged, so an
 * end read in the same call already holds whatever the committed input produced.
 */
async function waitUntilProcessed(sluice: Sluice, runtime: StreamsRuntime, group: string, inputs: readonly InputRange[], derived: readonly string[], deadline: number, clock: Clock): Promise<void> {
  const derivedPartitions = new Map<string, number>()
  for (const topic of derived) derivedPartitions.set(topic, (await sluice.admin.listOffsets(topic)).length)
  for (;;) {
    if (runtime.state === 'error') return
    if (clock.monotonic() > deadline) throw new SluiceError('REQUEST_TIMED_OUT', `replay '${group}' timed out before processing its input up to the offsets captured at the start`)
    const info = await sluice.admin.describeGroup(group).catch((error: unknown) => {
      // The group exists once the runtime's consumer joined; before that there is nothing to check.
      if (isSluiceError(error, 'GROUP_ID_NOT_FOUND')) return undefined
      throw error
    })
    if (info !== undefined) {
      const committed = new Map(info.offsets.map((o) => [`${o.topic}\0${o.partition}`, o.committedOffset]))
      const isInputDone = inputs.every((r) => r.end <= r.start || (committed.get(`${r.topic}\0${r.partition}`) ?? -1) >= r.end)
      const derivedOffsets = info.offsets.filter((o) => derivedPartitions.has(o.topic))
      const isDerivedDone = derivedOffsets.length === [...derivedPartitions.values()].reduce((a, b) => a + b, 0) && derivedOffsets.every((o) => o.lag === 0)
      if (isInputDone && isDerivedDone) return
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, CHECK_INTERVAL_MS, { keepAlive: true }))
  }
}

function replayFailed(app: string, failure: unknown): SluiceError {
  const message = failure instanceof Error ? failure.message : String(failure)
  return new SluiceError(isSluiceError(failure) ? failure.code : 'UNKNOWN_SERVER_ERROR', `replay of '${app}' stopped: ${message}`, { cause: failure })
}

/** Deletes the replay's internal topics and group; returns what could not be deleted, as warnings. */
async function cleanUp(sluice: Sluice, group: string, topology: Topology, clock: Clock): Promise<string[]> {
  const warnings: string[] = []
  for (const topic of topology.internalTopics) {
    await sluice.admin.deleteTopic(topic.name).catch((error: unknown) => {
      if (!isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) warnings.push(`could not delete internal topic '${topic.name}': ${String(error)}`)
    })
  }
  // The consumer left on close; the coordinator may take a moment to see the group empty.
  const giveUp = clock.monotonic() + GROUP_DELETE_WAIT_MS
  for (;;) {
    try {
      await sluice.admin.deleteGroup(group)
      return warnings
    } catch (error) {
      if (isSluiceError(error, 'GROUP_ID_NOT_FOUND')) return warnings
      if (!isSluiceError(error, 'NON_EMPTY_GROUP') || clock.monotonic() > giveUp) {
        warnings.push(`could not delete group '${group}': ${String(error)}`)
        return warnings
      }
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, CHECK_INTERVAL_MS, { keepAlive: true }))
  }
}

function unknownAsUndefined(error: unknown): undefined {
  // Only a missing topic is an answer here; anything else is a real failure.
  if (isSluiceError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return undefined
  throw error
}
