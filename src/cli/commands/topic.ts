// `sluice topic …`: create, list, describe, delete, alter-config, add-partitions — rpk's verbs over
// the client's Admin API. Each prints a short text confirmation or table, or with --format json the
// data as one JSON document. Topic names and config keys/values are validated by Sluice itself;
// its SluiceError messages reach the user as they are.
import type { Command } from 'commander'
import { SluiceError } from '../../base/errors.ts'
import { formatBytes } from '../../base/units.ts'
import { collect, parseKeyValue, parsePositiveInt } from '../args.ts'
import { printJson, withClient } from '../context.ts'
import type { CliContext } from '../context.ts'
import { formatFields, formatTable } from '../format/table.ts'
import type { Actions } from '../program.ts'

function toConfig(pairs: string[] | undefined): Record<string, string> {
  const config: Record<string, string> = {}
  for (const pair of pairs ?? []) {
    const [key, value] = parseKeyValue(pair, 'config')
    config[key] = value
  }
  return config
}

async function create(ctx: CliContext, name: string, opts: { partitions?: string; config?: string[] }): Promise<void> {
  const partitions = parsePositiveInt(opts.partitions, 'partition count') ?? 1
  const config = toConfig(opts.config)
  await withClient(ctx, (sluice) => sluice.admin.createTopic(name, { partitions, config }))
  if (ctx.options.format === 'json') printJson(ctx, { topic: name, partitions, config })
  else ctx.stdout.write(`created topic '${name}' with ${partitions} partition${partitions === 1 ? '' : 's'}\n`)
}

async function list(ctx: CliContext): Promise<void> {
  const topics = await withClient(ctx, async (sluice) => {
    const described = []
    for (const { name } of await sluice.admin.listTopics()) described.push(await sluice.admin.describeTopic(name))
    return described.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  })
  const rows = topics.map((t) => ({
    topic: t.name,
    partitions: t.partitions.length,
    records: t.partitions.reduce((sum, p) => sum + (p.logEndOffset - p.logStartOffset), 0),
    sizeBytes: t.partitions.reduce((sum, p) => sum + p.sizeBytes, 0),
  }))
  if (ctx.options.format === 'json') return printJson(ctx, rows)
  ctx.stdout.write(formatTable(['topic', 'partitions', 'records', 'size'], rows.map((r) => [r.topic, r.partitions, r.records, formatBytes(r.sizeBytes)])))
}

/**
 * Kafka's config sources in plain words: 'set' on the topic, the 'data-dir' default (a cluster's
 * broker-level value with --brokers: 'broker'), or the built-in 'default'.
 */
function configSource(ctx: CliContext, source: string): string {
  return source === 'topic' ? 'set' : source === 'broker' ? (ctx.options.brokers === undefined ? 'data-dir' : 'broker') : source
}

async function describe(ctx: CliContext, name: string): Promise<void> {
  const topic = await withClient(ctx, (sluice) => sluice.admin.describeTopic(name))
  if (ctx.options.format === 'json') return printJson(ctx, { ...topic, config: topic.config.map((c) => ({ ...c, source: configSource(ctx, c.source) })) })
  const sizeBytes = topic.partitions.reduce((sum, p) => sum + p.sizeBytes, 0)
  ctx.stdout.write(formatFields([
    ['name', topic.name],
    ['topic id', topic.topicId],
    ['partitions', topic.partitions.length],
    ['size', formatBytes(sizeBytes)],
  ]))
  const isAnyOffline = topic.partitions.some((p) => p.offline !== undefined)
  ctx.stdout.write('\n' + formatTable(
    ['partition', 'log-start-offset', 'log-end-offset', 'high-watermark', 'size', ...(isAnyOffline ? ['offline'] : [])],
    topic.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.highWatermark, formatBytes(p.sizeBytes), ...(isAnyOffline ? [p.offline ?? null] : [])]),
  ))
  ctx.stdout.write('\n' + formatTable(['config', 'value', 'source'], topic.config.map((c) => [c.name, c.value, configSource(ctx, c.source)])))
}

async function remove(ctx: CliContext, names: string[]): Promise<void> {
  // All or nothing is not promised by Kafka either; deleting one at a time lets the message say
  // exactly which ones went before a failure.
  const deleted: string[] = []
  try {
    await withClient(ctx, async (sluice) => {
      for (const name of names) {
        await sluice.admin.deleteTopic(name)
        deleted.push(name)
      }
    })
  } finally {
    if (ctx.options.format === 'json') printJson(ctx, { deleted })
    else for (const name of deleted) ctx.stdout.write(`deleted topic '${name}'\n`)
  }
}

async function alterConfig(ctx: CliContext, name: string, opts: { set?: string[]; delete?: string[] }): Promise<void> {
  const set = toConfig(opts.set)
  const deleteKeys = opts.delete ?? []
  if (Object.keys(set).length === 0 && deleteKeys.length === 0) {
    throw new SluiceError('INVALID_ARGUMENT', 'nothing to alter: give --set key=value and/or --delete key')
  }
  await withClient(ctx, (sluice) => sluice.admin.alterTopicConfig(name, { set, delete: deleteKeys }))
  if (ctx.options.format === 'json') return printJson(ctx, { topic: name, set, deleted: deleteKeys })
  for (const [key, value] of Object.entries(set)) ctx.stdout.write(`set ${key}=${value} on '${name}'\n`)
  for (const key of deleteKeys) ctx.stdout.write(`reset ${key} to its default on '${name}'\n`)
}

async function addPartitions(ctx: CliContext, name: string, opts: { total?: string }): Promise<void> {
  const total = parsePositiveInt(opts.total, 'partition total')
  if (total === undefined) throw new SluiceError('INVALID_ARGUMENT', 'give the new partition count with --total N')
  await withClient(ctx, (sluice) => sluice.admin.addPartitions(name, total))
  if (ctx.options.format === 'json') printJson(ctx, { topic: name, partitions: total })
  else ctx.stdout.write(`topic '${name}' now has ${total} partitions\n`)
}

/** Adds `sluice topic` and its subcommands to the program. */
export function registerTopicCommands(program: Command, actions: Actions): void {
  const topic = program.command('topic').description('create, list, describe, delete and alter topics')
  topic.command('create').description('create a topic')
    .argument('<name>', 'topic name')
    .option('-p, --partitions <count>', 'number of partitions', '1')
    .option('-c, --config <key=value>', 'topic config, e.g. retention.ms=86400000 (repeatable)', collect)
    .action(actions(create))
  topic.command('list').description('list topics with their partition counts, records and sizes')
    .action(actions(list))
  topic.command('describe').description('show a topic: partitions with offsets and sizes, configs with their source')
    .argument('<name>', 'topic name')
    .action(actions(describe))
  topic.command('delete').description('delete topics and their data')
    .argument('<names...>', 'topic names')
    .action(actions(remove))
  topic.command('alter-config').description('set or reset topic configs')
    .argument('<name>', 'topic name')
    .option('--set <key=value>', 'set a config (repeatable)', collect)
    .option('--delete <key>', 'reset a config to its default (repeatable)', collect)
    .action(actions(alterConfig))
  topic.command('add-partitions').description('grow a topic to a total number of partitions')
    .argument('<name>', 'topic name')
    .option('-n, --total <count>', 'the partition count after the change')
    .action(actions(addPartitions))
}
