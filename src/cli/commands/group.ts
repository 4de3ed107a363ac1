// `sluice group …`: list, describe (state, members, committed offsets and lag), seek (reset a
// group's offsets, like kafka-consumer-groups --reset-offsets --execute: only while the group has
// no members) and delete. Lag is log end offset minus committed offset, per partition and in total.
import type { Command } from 'commander'
import { SluiceError } from '../../base/errors.ts'
import { parseNonNegativeInt } from '../args.ts'
import { printJson, withClient } from '../context.ts'
import type { CliContext } from '../context.ts'
import { formatFields, formatTable } from '../format/table.ts'
import { describeOffsetSpec, parseOffsetSpec, toSeekTarget } from '../offset-spec.ts'
import type { Actions } from '../program.ts'

async function list(ctx: CliContext): Promise<void> {
  const groups = await withClient(ctx, (sluice) => sluice.admin.listGroups())
  const sorted = [...groups].sort((a, b) => a.groupId.localeCompare(b.groupId))
  if (ctx.options.format === 'json') return printJson(ctx, sorted)
  ctx.stdout.write(formatTable(['group', 'state'], sorted.map((g) => [g.groupId, g.state])))
}

async function describe(ctx: CliContext, group: string): Promise<void> {
  const description = await withClient(ctx, (sluice) => sluice.admin.describeGroup(group))
  if (ctx.options.format === 'json') return printJson(ctx, description)
  ctx.stdout.write(formatFields([
    ['group', description.groupId],
    ['state', description.state],
    ['members', description.members.length],
    ['total lag', description.totalLag],
  ]))
  if (description.members.length > 0) {
    ctx.stdout.write('\n' + formatTable(['member', 'client', 'host', 'partitions'], description.members.map((m) => [
      m.memberId, m.clientId, m.clientHost, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || null,
    ])))
  }
  ctx.stdout.write('\n' + formatTable(['topic', 'partition', 'committed-offset', 'log-end-offset', 'lag'],
    description.offsets.map((o) => [o.topic, o.partition, o.committedOffset < 0 ? null : o.committedOffset, o.logEndOffset, o.lag])))
}

async function seek(ctx: CliContext, group: string, opts: { topic?: string; to?: string; partition?: string }): Promise<void> {
  if (opts.topic === undefined || opts.to === undefined) {
    throw new SluiceError('INVALID_ARGUMENT', 'give the topic and the position: --topic <topic> --to <start|end|N|-N|@time>')
  }
  const topic = opts.topic
  const spec = parseOffsetSpec(opts.to, ctx.clock.now())
  const only = parseNonNegativeInt(opts.partition, 'partition')
  const offsets = await withClient(ctx, async (sluice) => {
    const description = await sluice.admin.describeTopic(topic)
    const partitions = description.partitions.filter((p) => only === undefined || p.partition === only)
    if (partitions.length === 0) {
      throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${only} (it has ${description.partitions.length})`)
    }
    // -N and N differ per partition, so each partition is moved with its own target; the admin
    // refuses (NON_EMPTY_GROUP) while the group has members, as Kafka's tool does.
    const resolved = []
    for (const p of partitions) {
      resolved.push(...await sluice.admin.resetGroupOffsets(group, topic, toSeekTarget(spec, p), [p.partition]))
    }
    return resolved
  })
  if (ctx.options.format === 'json') return printJson(ctx, { group, topic, to: describeOffsetSpec(spec), offsets })
  ctx.stdout.write(`moved group '${group}' on '${topic}' to ${describeOffsetSpec(spec)}\n`)
  ctx.stdout.write(formatTable(['topic', 'partition', 'new-offset'], offsets.map((o) => [o.topic, o.partition, o.offset])))
}

async function remove(ctx: CliContext, group: string): Promise<void> {
  await withClient(ctx, (sluice) => sluice.admin.deleteGroup(group))
  if (ctx.options.format === 'json') printJson(ctx, { deleted: group })
  else ctx.stdout.write(`deleted group '${group}'\n`)
}

/** Adds `sluice group` and its subcommands to the program. */
export function registerGroupCommands(program: Command, actions: Actions): void {
  const group = program.command('group').description('list, describe, seek and delete consumer groups')
  group.command('list').description('list consumer groups and their states').action(actions(list))
  group.command('describe').description('show a group: state, members, committed offsets and lag')
    .argument('<group>', 'group id')
    .action(actions(describe))
  group.command('seek').description("move a group's committed offsets (the group must have no members)")
    .argument('<group>', 'group id')
    .requiredOption('--topic <topic>', 'topic whose offsets move')
    .requiredOption('--to <spec>', 'start | end | N | -N (N before the end) | @ms-epoch | @ISO-date | @-10m')
    .option('-p, --partition <n>', 'only this partition')
    .action(actions(seek))
  group.command('delete').description('delete a group and its committed offsets (the group must have no members)')
    .argument('<group>', 'group id')
    .action(actions(remove))
}
