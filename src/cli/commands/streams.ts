// `sluice streams …`: tools for streams apps. `reset <app>` is Kafka's kafka-streams-application-reset:
// it moves the app's group offsets on its input topics to a target (earliest by default), deletes the
// app's internal topics (repartition, changelog) and its local state dir, so the next start
// reprocesses from scratch; it refuses while the group has members. `list` shows the groups that
// look like streams apps. Names (group id, internal topics, state dirs) come from
// streams/runtime/app-resources.ts, the same module the runtime uses.
import { rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { isSluiceError, SluiceError } from '../../base/errors.ts'
import { parseDuration } from '../../base/units.ts'
import type { GroupInfo } from '../../client/admin.ts'
import type { Sluice } from '../../client/sluice.ts'
import type { SeekTarget } from '../../client/types.ts'
import { appGroupId, appStateDir, defaultStateDir, isInternalTopicOf } from '../../streams/runtime/app-resources.ts'
import { parseNonNegativeInt } from '../args.ts'
import { printJson, withClient } from '../context.ts'
import type { CliContext } from '../context.ts'
import { formatTable } from '../format/table.ts'
import type { Actions } from '../program.ts'

/** Where `streams reset` moves the input offsets: one of Kafka's reset tool's scenarios. */
export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number }

/** The options of `streams reset` that choose the target, as commander parsed them. */
export interface ResetTargetOptions {
  toEarliest?: boolean
  toLatest?: boolean
  toDatetime?: string
  toOffset?: string
  byDuration?: string
}

const TARGET_FLAGS = ['--to-earliest', '--to-latest', '--to-datetime', '--to-offset', '--by-duration'] as const

/**
 * Reads the target from the options: at most one may be given (none means earliest); `nowMs`
 * anchors --by-duration, which goes that far back from now.
 * @example
 * parseResetTarget({ byDuration: 'PT15M' }, Date.now())   // { kind: 'timestamp', timestamp: now - 900000 }
 */
export function parseResetTarget(options: ResetTargetOptions, nowMs: number): ResetTarget {
  const given = [options.toEarliest === true, options.toLatest === true, options.toDatetime !== undefined,
    options.toOffset !== undefined, options.byDuration !== undefined]
  const chosen = TARGET_FLAGS.filter((_, i) => given[i])
  if (chosen.length > 1) throw new SluiceError('INVALID_ARGUMENT', `give only one of ${TARGET_FLAGS.join(', ')} (got ${chosen.join(' and ')})`)
  if (options.toLatest === true) return { kind: 'latest' }
  if (options.toOffset !== undefined) return { kind: 'offset', offset: parseNonNegativeInt(options.toOffset, '--to-offset')! }
  if (options.toDatetime !== undefined) return { kind: 'timestamp', timestamp: parseDateTime(options.toDatetime) }
  if (options.byDuration !== undefined) return { kind: 'timestamp', timestamp: nowMs - parseResetDuration(options.byDuration) }
  return { kind: 'earliest' }
}

/** An ISO 8601 date-time ('2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000+02:00'); without a zone, local time. */
function parseDateTime(input: string): number {
  const text = input.trim()
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text)
    if (Number.isFinite(ms)) return ms
  }
  throw new SluiceError('INVALID_ARGUMENT', `invalid --to-datetime '${input}' (expected an ISO 8601 date-time such as 2024-05-01T12:00:00Z or 2024-05-01T12:00:00.000+02:00)`)
}

/** An ISO 8601 duration as Kafka's tool takes it (PnDTnHnMnS) or Sluice's '10m' / '2h' / '1d'. */
function parseResetDuration(input: string): number {
  const text = input.trim()
  const iso = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text)
  if (iso !== null && iso.slice(1).some((part) => part !== undefined) && !/T$/i.test(text)) {
    const [days, hours, minutes, seconds] = iso.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number]
    return Math.round(((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000)
  }
  // A bare number would silently mean milliseconds; a duration flag should say its unit.
  if (/^\d+(\.\d+)?[a-z]+$/i.test(text)) {
    try {
      return parseDuration(text)
    } catch {
      // parseDuration names only the value; the message below names the flag and both forms.
    }
  }
  throw new SluiceError('INVALID_ARGUMENT', `invalid --by-duration '${input}' (expected an ISO 8601 duration such as PT15M or P1DT2H, or 15m, 2h, 1d)`)
}

/** Describes a target for messages: 'earliest', 'latest', 'offset 42', '2024-05-01T12:00:00.000Z'. */
export function describeResetTarget(target: ResetTarget): string {
  switch (target.kind) {
    case 'earliest': return 'earliest'
    case 'latest': return 'latest'
    case 'offset': return `offset ${target.offset}`
    case 'timestamp': return new Date(target.timestamp).toISOString()
  }
}

/** One partition of an input topic: its committed offset now and where the reset puts it (null: a time, resolved only when executed). */
interface OffsetMove {
  topic: string
  partition: number
  currentOffset: number | null
  newOffset: number | null
}

/** What a reset does (or, with --dry-run, would do). */
export interface ResetReport {
  app: string
  groupId: string
  dryRun: boolean
  to: string
  inputTopics: string[]
  offsets: OffsetMove[]
  internalTopics: string[]
  stateDir: { path: string; exists: boolean }
}

interface ResetOptions extends ResetTargetOptions {
  inputTopics?: string
  stateDir?: string
  dryRun?: boolean
}

/** The group's description, or an empty one when the group does not exist (nothing committed yet). */
async function describeOrEmpty(sluice: Sluice, groupId: string): Promise<GroupInfo> {
  try {
    return await sluice.admin.describeGroup(groupId)
  } catch (error) {
    // An unknown group has no members and no offsets: the reset still deletes topics and state.
    if (!isSluiceError(error, 'GROUP_ID_NOT_FOUND')) throw error
    return { groupId, state: 'Dead', protocol: '', members: [], offsets: [], totalLag: 0 }
  }
}

function refuseActiveMembers(group: GroupInfo): void {
  if (group.members.length === 0) return
  const names = group.members.map((m) => `${m.memberId} (${m.clientId} at ${m.clientHost})`).join(', ')
  throw new SluiceError('NON_EMPTY_GROUP', `streams app '${group.groupId}' is still running: its group has ${group.members.length} active member(s): ${names}; stop every instance before resetting it`)
}

function splitTopics(list: string): string[] {
  const topics = [...new Set(list.split(',').map((t) => t.trim()).filter((t) => t !== ''))]
  if (topics.length === 0) throw new SluiceError('INVALID_ARGUMENT', `invalid --input-topics '${list}' (expected topic[,topic…])`)
  return topics
}

/** Works out the input topics and offsets, refuses while the app runs, and (unless a dry run) moves the offsets and deletes the topics. */
async function resetOnCluster(sluice: Sluice, app: string, target: ResetTarget, opts: ResetOptions): Promise<Omit<ResetReport, 'stateDir'>> {
  const groupId = appGroupId(app)
  const group = await describeOrEmpty(sluice, groupId)
  refuseActiveMembers(group)
  const topics = new Set((await sluice.admin.listTopics()).map((t) => t.name))
  const internalTopics = [...topics].filter((t) => isInternalTopicOf(app, t)).sort()
  let inputTopics: string[]
  if (opts.inputTopics !== undefined) {
    inputTopics = splitTopics(opts.inputTopics)
    for (const topic of inputTopics) {
      if (isInternalTopicOf(app, topic)) throw new SluiceError('INVALID_ARGUMENT', `'${topic}' is an internal topic of '${app}': reset deletes it, it is not an input topic`)
      if (!topics.has(topic)) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic '${topic}' in --input-topics`)
    }
  } else {
    inputTopics = [...new Set(group.offsets.map((o) => o.topic))].filter((t) => !isInternalTopicOf(app, t)).sort()
  }

  const committed = new Map(group.offsets.map((o) => [`${o.topic}/${o.partition}`, o.committedOffset]))
  const offsets: OffsetMove[] = []
  for (const topic of inputTopics) {
    for (const range of await sluice.admin.listOffsets(topic)) {
      const current = committed.get(`${topic}/${range.partition}`) ?? -1
      const clamp = (offset: number): number => Math.min(Math.max(offset, range.logStartOffset), range.highWatermark)
      const newOffset = target.kind === 'earliest' ? range.logStartOffset
        : target.kind === 'latest' ? range.highWatermark
          : target.kind === 'offset' ? clamp(target.offset) : null
      offsets.push({ topic, partition: range.partition, currentOffset: current < 0 ? null : current, newOffset })
    }
  }
  const report = { app, groupId, dryRun: opts.dryRun === true, to: describeResetTarget(target), inputTopics, offsets, internalTopics }
  if (opts.dryRun === true) return report

  // Offsets first, as Kafka's tool: resetGroupOffsets checks again that the group has no members.
  for (const move of offsets) {
    const seekTarget: SeekTarget = target.kind === 'timestamp' ? { timestamp: target.timestamp } : move.newOffset!
    const [moved] = await sluice.admin.resetGroupOffsets(groupId, move.topic, seekTarget, [move.partition])
    move.newOffset = moved!.offset
  }
  for (const topic of internalTopics) await sluice.admin.deleteTopic(topic)
  return report
}

async function reset(ctx: CliContext, app: string, opts: ResetOptions): Promise<void> {
  const target = parseResetTarget(opts, ctx.clock.now())
  appGroupId(app)
  const where = ctx.options.brokers !== undefined ? { brokers: ctx.options.brokers } : { dataDir: ctx.options.dataDir }
  const statePath = resolve(appStateDir(opts.stateDir ?? defaultStateDir(where), app))
  const done = await withClient(ctx, (sluice) => resetOnCluster(sluice, app, target, opts))
  const exists = await stat(statePath).then((s) => s.isDirectory(), (error: NodeJS.ErrnoException) => {
    // A missing state dir is the normal case on a machine where the app never ran.
    if (error.code === 'ENOENT') return false
    throw error
  })
  if (exists && !done.dryRun) await rm(statePath, { recursive: true })
  const report: ResetReport = { ...done, stateDir: { path: statePath, exists } }
  if (ctx.options.format === 'json') return printJson(ctx, report)
  ctx.stdout.write(resetText(report))
}

/** The text output of a reset. */
function resetText(r: ResetReport): string {
  const would = (done: string, planned: string): string => (r.dryRun ? planned : done)
  let out = r.dryRun ? 'dry run: nothing was changed\n' : ''
  out += `streams app '${r.app}' (group '${r.groupId}'): ${would('reset', 'would reset')} input offsets to ${r.to}\n`
  if (r.offsets.length === 0) {
    out += r.inputTopics.length === 0 ? 'no input topics: the group has no committed offsets (name them with --input-topics)\n' : ''
  } else {
    out += formatTable(['topic', 'partition', 'current-offset', 'new-offset'],
      r.offsets.map((o) => [o.topic, o.partition, o.currentOffset, o.newOffset ?? `first at or after ${r.to}`]))
  }
  if (r.internalTopics.length === 0) out += 'no internal topics\n'
  for (const topic of r.internalTopics) out += `${would('deleted', 'would delete')} internal topic '${topic}'\n`
  out += r.stateDir.exists ? `${would('deleted', 'would delete')} state dir ${r.stateDir.path}\n` : `no state dir at ${r.stateDir.path}\n`
  return out
}

/** A group that looks like a streams app: it has internal topics named after it. */
interface StreamsAppListing {
  app: string
  state: string
  internalTopics: string[]
}

async function list(ctx: CliContext): Promise<void> {
  const apps = await withClient(ctx, async (sluice): Promise<StreamsAppListing[]> => {
    const topics = (await sluice.admin.listTopics()).map((t) => t.name)
    const groups = (await sluice.admin.listGroups()).sort((a, b) => a.groupId.localeCompare(b.groupId))
    return groups
      .map((g) => ({ app: g.groupId, state: g.state, internalTopics: topics.filter((t) => isInternalTopicOf(g.groupId, t)) }))
      .filter((a) => a.internalTopics.length > 0)
  })
  if (ctx.options.format === 'json') return printJson(ctx, apps)
  ctx.stdout.write(formatTable(['app', 'state', 'internal-topics'], apps.map((a) => [a.app, a.state, a.internalTopics.join(',')])))
}

/** Adds `sluice streams` and its subcommands to the program. */
export function registerStreamsCommands(program: Command, actions: Actions): void {
  const streams = program.command('streams').description('streams apps: list them, reset one to reprocess its input')
  streams.command('list')
    .description('consumer groups that look like streams apps (with internal topics <group>-…-repartition/-changelog; stateless apps have none and are not shown)')
    .action(actions(list))
  streams.command('reset')
    .description("reset a stopped streams app (Kafka's application reset tool): move its group's input offsets, delete its internal topics and local state")
    .argument('<app>', 'the app name (also its consumer group id)')
    .option('--to-earliest', 'input offsets to the start of each partition (the default)')
    .option('--to-latest', 'input offsets to the end: skip what is there now')
    .option('--to-datetime <date>', 'to the first record at or after an ISO 8601 date-time (2024-05-01T12:00:00Z)')
    .option('--to-offset <n>', 'to offset n in every partition (clamped to the log)')
    .option('--by-duration <duration>', 'to the first record at or after now minus a duration (PT15M, P1DT2H, 15m, 2h)')
    .option('--input-topics <list>', 'input topics, comma-separated (default: the topics the group has committed offsets for, less internal ones)')
    .option('--state-dir <dir>', 'state dir holding <app>/ (default: <data-dir>/.streams embedded, ./sluice-state with --brokers)')
    .option('--dry-run', 'print what would be done and change nothing')
    .action(actions(reset))
}
