// `sluice start`: opens the data dir and keeps it open, printing what it found (recovery results
// for partitions that needed recovery, topics with partitions and sizes), serves it to Kafka
// clients on --host/--port (default 127.0.0.1:9092) when main.ts provided the broker, and then
// prints a status line every few seconds (records/s appended per topic, total size) until
// SIGINT/SIGTERM, when it stops the listener and closes the log cleanly.
import { Option, type Command } from 'commander'
import { SluiceError } from '../../base/errors.ts'
import { formatBytes, parseDuration } from '../../base/units.ts'
import type { Sluice } from '../../client/sluice.ts'
import { openClient } from '../context.ts'
import type { CliContext, RecoveryReport } from '../context.ts'
import { formatTable } from '../format/table.ts'
import type { Actions } from '../program.ts'

/** One topic's totals at one moment. */
export interface TopicTotals {
  name: string
  partitions: number
  /** Sum of log end offsets: its growth over time is the append rate. */
  logEndOffsetSum: number
  /** Records held (log end minus log start offsets). */
  records: number
  sizeBytes: number
}

async function snapshot(sluice: Sluice): Promise<TopicTotals[]> {
  const totals: TopicTotals[] = []
  const names = (await sluice.admin.listTopics()).map((t) => t.name).sort()
  for (const name of names) {
    const topic = await sluice.admin.describeTopic(name)
    totals.push({
      name,
      partitions: topic.partitions.length,
      logEndOffsetSum: topic.partitions.reduce((sum, p) => sum + p.logEndOffset, 0),
      records: topic.partitions.reduce((sum, p) => sum + p.logEndOffset - p.logStartOffset, 0),
      sizeBytes: topic.partitions.reduce((sum, p) => sum + p.sizeBytes, 0),
    })
  }
  return totals
}

/** The status line: per-topic append rates since the previous snapshot (only topics that grew) and the total size. */
export function statusLine(previous: readonly TopicTotals[], current: readonly TopicTotals[], elapsedMs: number, timeIso: string): string {
  const before = new Map(previous.map((t) => [t.name, t.logEndOffsetSum]))
  const rates = current
    .map((t) => ({ name: t.name, appended: t.logEndOffsetSum - (before.get(t.name) ?? 0) }))
    .filter((t) => t.appended > 0)
    .map((t) => `${t.name} ${Math.round((t.appended * 1000) / Math.max(elapsedMs, 1))} records/s`)
  const sizeBytes = current.reduce((sum, t) => sum + t.sizeBytes, 0)
  return `${timeIso} ${current.length} topic${current.length === 1 ? '' : 's'}, ${formatBytes(sizeBytes)}; ${rates.length === 0 ? 'idle' : rates.join(', ')}\n`
}

/** What recovery did to one partition, or null when it was closed cleanly and needed nothing. */
export function recoverySummary(r: RecoveryReport): string | null {
  if (r.created) return null // a new, empty log: nothing was recovered
  const isRoutine = r.cleanShutdown && r.truncatedBytes === 0 && r.indexesRebuilt === 0 && r.swapsCompleted === 0 && !r.checkpointCorrupt
  if (isRoutine) return null
  const parts = [`${r.cleanShutdown ? 'clean shutdown' : 'unclean shutdown'}, validated ${formatBytes(r.bytesValidated)} in ${r.segmentsScanned} segment${r.segmentsScanned === 1 ? '' : 's'}`]
  if (r.truncatedBytes > 0) parts.push(`truncated ${formatBytes(r.truncatedBytes)} from offset ${r.truncatedFromOffset ?? '?'}${r.problem === null ? '' : ` (${r.problem})`}`)
  if (r.indexesRebuilt > 0) parts.push(`rebuilt ${r.indexesRebuilt} index${r.indexesRebuilt === 1 ? '' : 'es'}`)
  if (r.swapsCompleted > 0) parts.push(`finished ${r.swapsCompleted} compaction swap${r.swapsCompleted === 1 ? '' : 's'}`)
  if (r.checkpointCorrupt) parts.push('recovery checkpoint was unreadable')
  return `${parts.join('; ')} (${Math.round(r.durationMs)} ms)`
}

interface StartOptions {
  statusInterval: string
  host: string
  port: string
  advertisedHost?: string
  listen: boolean
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SluiceError('INVALID_ARGUMENT', `invalid port '${text}' (0-65535; 0 picks a free one)`)
  return port
}

async function start(ctx: CliContext, opts: StartOptions): Promise<void> {
  if (ctx.options.brokers !== undefined) {
    throw new SluiceError('INVALID_ARGUMENT', 'sluice start serves a data dir (--data-dir) to Kafka clients; it does not run against --brokers (unset SLUICE_BROKERS)')
  }
  const intervalMs = parseDuration(opts.statusInterval)
  const port = parsePort(opts.port)
  const out = ctx.stdout
  out.write(`sluice: opening data dir ${ctx.options.dataDir}\n`)
  const sluice = await openClient(ctx, {
    onPartitionOpened: (topic, partition, recovery) => {
      const summary = recoverySummary(recovery)
      if (summary !== null) out.write(`recovered ${topic}-${partition}: ${summary}\n`)
    },
    onPartitionOffline: (topic, partition, error) => {
      out.write(`partition ${topic}-${partition} is offline: ${error instanceof Error ? error.message : String(error)}\n`)
    },
  })
  let listening: Awaited<ReturnType<NonNullable<CliContext['serve']>>> | undefined
  try {
    if (opts.listen && ctx.serve !== undefined) {
      listening = await ctx.serve(sluice, {
        host: opts.host,
        port,
        ...(opts.advertisedHost !== undefined && { advertisedHost: opts.advertisedHost }),
        onWarning: (message) => ctx.stderr.write(`sluice: warning: ${message}\n`),
      })
      out.write(`listening on ${listening.host}:${listening.port} (Kafka protocol)\n`)
    }
    let previous = await snapshot(sluice)
    out.write(previous.length === 0 ? 'no topics yet\n' : formatTable(['topic', 'partitions', 'records', 'size'], previous.map((t) => [t.name, t.partitions, t.records, formatBytes(t.sizeBytes)])))
    out.write(`running; status every ${opts.statusInterval}; Ctrl-C to stop\n`)
    let previousMs = ctx.clock.monotonic()
    await new Promise<void>((resolve, reject) => {
      // A ref'd interval is what keeps the process alive while it only waits for a signal; the
      // Clock's timers are unref'd by design, so this one process-level loop uses Node's directly.
      const timer = setInterval(() => {
        snapshot(sluice).then((current) => {
          const nowMs = ctx.clock.monotonic()
          out.write(statusLine(previous, current, nowMs - previousMs, new Date(ctx.clock.now()).toISOString()))
          previous = current
          previousMs = nowMs
        }).catch((error: unknown) => { clearInterval(timer); reject(error) })
      }, intervalMs)
      const stop = (): void => { clearInterval(timer); resolve() }
      if (ctx.stopSignal.aborted) stop()
      else ctx.stopSignal.addEventListener('abort', stop, { once: true })
    })
    out.write('sluice: stopping\n')
  } finally {
    // Clients first, then the log they write to.
    await listening?.close()
    await sluice.close()
  }
  out.write('sluice: closed cleanly\n')
}

/** Adds `sluice start` to the program. */
export function registerStartCommand(program: Command, actions: Actions): void {
  program.command('start').description('open the data dir, serve it to Kafka clients, and keep running, printing status, until Ctrl-C')
    .addOption(new Option('--host <host>', 'interface the Kafka listener binds').env('SLUICE_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port of the Kafka listener; 0 picks a free one').env('SLUICE_PORT').default('9092'))
    .option('--advertised-host <host>', 'host clients are told to connect to (default: --host)')
    .option('--no-listen', 'only open the data dir; serve no Kafka clients')
    .option('--status-interval <duration>', 'how often to print the status line', '5s')
    .action(actions(start))
}
