// `sluice consume <topic>`: prints records, kcat style. Without -f it stops once every partition
// it reads has reached the high watermark it had when the command started; with -f it waits for
// more, like tail -f. -n stops after N records. With -g it joins a consumer group, starts where the
// group left off (-o only for partitions without a committed offset) and commits what it printed —
// exactly what it printed, not what it fetched, so `-n 10` twice reads 20 distinct records.
// Stops cleanly on SIGINT/SIGTERM and when stdout goes away (EPIPE, e.g. `| head`).
import type { Command } from 'commander'
import { Option } from 'commander'
import { SluiceError, isSluiceError } from '../../base/errors.ts'
import type { Consumer } from '../../client/consumer.ts'
import type { TopicPartition } from '../../client/types.ts'
import type { Sluice } from '../../client/sluice.ts'
import { parseNonNegativeInt, parsePositiveInt, unescapeSeparator } from '../args.ts'
import { withClient } from '../context.ts'
import type { CliContext } from '../context.ts'
import { compileTemplate, jsonFormatter, textFormatter, TEMPLATE_HELP } from '../format/record-format.ts'
import type { BytesEncoding, RecordFormatter } from '../format/record-format.ts'
import { parseOffsetSpec, toSeekTarget } from '../offset-spec.ts'
import type { OffsetSpec, PartitionOffsets } from '../offset-spec.ts'
import { Output } from '../output.ts'
import type { Actions } from '../program.ts'

/** Longest a poll waits before the loop re-checks its stop conditions (SIGINT, caught up). */
const POLL_TIMEOUT_MS = 200
/** How often a group member commits what it printed while following. */
const COMMIT_INTERVAL_MS = 5000

interface ConsumeOptions {
  offset: string
  count?: string
  follow?: boolean
  group?: string
  partition?: string
  printKey?: boolean
  keySeparator: string
  template?: string
  encoding: BytesEncoding
}

function formatterFor(ctx: CliContext, opts: ConsumeOptions): RecordFormatter {
  if (opts.template !== undefined) return compileTemplate(opts.template, opts.encoding)
  if (ctx.options.format === 'json') return jsonFormatter(opts.encoding)
  return textFormatter({ printKey: opts.printKey === true, keySeparator: unescapeSeparator(opts.keySeparator), encoding: opts.encoding })
}

async function consume(ctx: CliContext, topic: string, opts: ConsumeOptions): Promise<void> {
  const spec = parseOffsetSpec(opts.offset, ctx.clock.now())
  const countMax = parsePositiveInt(opts.count, 'count') ?? Infinity
  const partition = parseNonNegativeInt(opts.partition, 'partition')
  if (partition !== undefined && opts.group !== undefined) {
    throw new SluiceError('INVALID_ARGUMENT', '-p (one partition) and -g (group assigns partitions) exclude each other')
  }
  const format = formatterFor(ctx, opts)
  await withClient(ctx, async (sluice) => {
    const description = await sluice.admin.describeTopic(topic)
    const offsets = new Map<number, PartitionOffsets>(description.partitions.map((p) => [p.partition, p]))
    if (partition !== undefined && !offsets.has(partition)) {
      throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${partition} (it has ${offsets.size})`)
    }
    const consumer = opts.group === undefined
      ? assignedConsumer(sluice, topic, partition === undefined ? [...offsets.keys()] : [partition], spec, offsets)
      : await groupConsumer(sluice, topic, opts.group, spec, offsets)
    await printRecords(ctx, consumer, { topic, format, countMax, follow: opts.follow === true, offsets, isGroup: opts.group !== undefined })
  })
}

/** A consumer on fixed partitions, each positioned by the offset spec. */
function assignedConsumer(sluice: Sluice, topic: string, partitions: number[], spec: OffsetSpec, offsets: Map<number, PartitionOffsets>): Consumer {
  return sluice.consumer({}).assign(partitions.map((partition) => ({ topic, partition, offset: toSeekTarget(spec, offsets.get(partition)!) })))
}

/**
 * A group member: partitions with a committed offset resume there; the others start per the spec
 * (start/end through auto offset reset, the rest by seeking when the partition is assigned).
 */
async function groupConsumer(sluice: Sluice, topic: string, group: string, spec: OffsetSpec, offsets: Map<number, PartitionOffsets>): Promise<Consumer> {
  const committed = await committedPartitions(sluice, group, topic)
  const consumer: Consumer = sluice.consumer({
    group,
    autoOffsetReset: spec.kind === 'end' ? 'latest' : 'earliest',
    autoCommit: false,
    onAssigned: (assigned: TopicPartition[]) => {
      if (spec.kind === 'start' || spec.kind === 'end') return
      for (const tp of assigned) {
        if (tp.topic === topic && !committed.has(tp.partition)) consumer.seek(topic, tp.partition, toSeekTarget(spec, offsets.get(tp.partition)!))
      }
    },
  })
  consumer.subscribe(topic)
  return consumer
}

/** Partitions of `topic` where the group has a committed offset (none for a group not seen before). */
async function committedPartitions(sluice: Sluice, group: string, topic: string): Promise<Set<number>> {
  try {
    const { offsets } = await sluice.admin.describeGroup(group)
    return new Set(offsets.filter((o) => o.topic === topic && o.committedOffset >= 0).map((o) => o.partition))
  } catch (error) {
    // A new group is the common case of -g, not an error: it simply has nothing committed.
    if (isSluiceError(error, 'GROUP_ID_NOT_FOUND')) return new Set()
    throw error
  }
}

interface PrintOptions {
  topic: string
  format: RecordFormatter
  countMax: number
  follow: boolean
  /** Offsets when the command started: without --follow, reaching these high watermarks is the end. */
  offsets: Map<number, PartitionOffsets>
  isGroup: boolean
}

async function printRecords(ctx: CliContext, consumer: Consumer, options: PrintOptions): Promise<void> {
  const stop = new AbortController()
  const onStop = (): void => stop.abort()
  ctx.stopSignal.addEventListener('abort', onStop, { once: true })
  const output = new Output(ctx.stdout, onStop)
  // What a group commit stores per partition: the consumer's position, except where a poll
  // returned records that were not printed (-n reached, or stopped): there, the first unprinted
  // record's offset, so the next run starts exactly after the last line this one printed.
  const printed = new Map<number, number>()
  const cutAt = new Map<number, number>()
  let count = 0
  let lastCommitMs = ctx.clock.monotonic()
  const commit = async (): Promise<void> => {
    if (!options.isGroup) return
    const offsets = []
    for (const { topic, partition } of consumer.assignment()) {
      const offset = cutAt.get(partition) ?? consumer.position(topic, partition) ?? printed.get(partition)
      if (offset !== undefined) offsets.push({ topic, partition, offset })
    }
    if (offsets.length > 0) await consumer.commit(offsets)
    lastCommitMs = ctx.clock.monotonic()
  }
  try {
    while (!stop.signal.aborted && count < options.countMax) {
      const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS })
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!
        if (count >= options.countMax || stop.signal.aborted) {
          for (let j = i; j < records.length; j++) {
            const { partition, offset } = records[j]!
            if (!cutAt.has(partition)) cutAt.set(partition, offset)
          }
          break
        }
        const pending = output.write(options.format(record))
        printed.set(record.partition, record.offset + 1)
        count++
        if (pending !== undefined) await pending
      }
      // Out with each poll's records: a follower's lines must not wait for a full chunk.
      if (records.length > 0) await output.flush()
      if (!options.follow && isCaughtUp(consumer, options.offsets)) break
      if (ctx.clock.monotonic() - lastCommitMs >= COMMIT_INTERVAL_MS) await commit()
    }
    await output.flush()
    await commit()
  } finally {
    ctx.stopSignal.removeEventListener('abort', onStop)
    output.detach()
    await consumer.close()
  }
}

/** True when every assigned partition's position reached the high watermark seen at start. */
function isCaughtUp(consumer: Consumer, offsets: Map<number, PartitionOffsets>): boolean {
  const assigned = consumer.assignment()
  if (assigned.length === 0) return false
  return assigned.every((tp) => {
    const position = consumer.position(tp.topic, tp.partition)
    return position !== undefined && position >= (offsets.get(tp.partition)?.highWatermark ?? 0)
  })
}

/** Adds `sluice consume` to the program. */
export function registerConsumeCommand(program: Command, actions: Actions): void {
  program.command('consume').description('print records of a topic (stops at the end unless -f)')
    .argument('<topic>', 'topic to consume')
    .option('-o, --offset <spec>', 'start: start | end | N (offset) | -N (N before the end of each partition) | @ms-epoch | @ISO-date | @-10m', 'start')
    .option('-n, --count <n>', 'exit after N records')
    .option('-f, --follow', 'keep waiting for new records (like tail -f)')
    .option('-g, --group <group>', 'join this consumer group and commit offsets; -o applies only where nothing is committed')
    .option('-p, --partition <n>', 'read only this partition')
    .option('-K, --print-key', 'print key<separator>value (text format)')
    .option('--key-separator <sep>', 'separator for --print-key (\\t for a tab)', '\\t')
    .option('-F, --template <format>', `kcat-style output format: ${TEMPLATE_HELP}`)
    .addOption(new Option('--encoding <encoding>', 'how keys, values and headers are printed').choices(['utf8', 'base64', 'hex']).default('utf8'))
    .action(actions(consume))
}
