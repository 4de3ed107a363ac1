// `sluice cluster info`: what the CLI is talking to. With --brokers: the cluster id, the controller,
// every broker (id, host:port, rack), the topics with their partition counts and each partition's
// leader, and the API versions the answering broker serves next to the version this client uses.
// Without: the embedded log of the data dir, described as the one node it is (no wire protocol, so
// no API versions). --format json prints Admin.describeCluster's answer as it is.
import type { Command } from 'commander'
import type { ClusterDescription } from '../../client/transport.ts'
import { printJson, withClient } from '../context.ts'
import type { CliContext } from '../context.ts'
import { formatFields, formatTable } from '../format/table.ts'
import type { Actions } from '../program.ts'

/** Leaders in partition order, runs of one leader compressed: '0' for all on node 0, else '0,1,2,0'. */
function leaders(partitions: ClusterDescription['topics'][number]['partitions']): string {
  const ids = partitions.map((p) => (p.leaderId < 0 ? 'none' : String(p.leaderId)))
  return ids.length > 0 && ids.every((id) => id === ids[0]) ? `${ids[0]} (all)` : ids.join(',')
}

async function info(ctx: CliContext): Promise<void> {
  const cluster = await withClient(ctx, (sluice) => sluice.admin.describeCluster())
  if (ctx.options.format === 'json') return printJson(ctx, cluster)
  ctx.stdout.write(formatFields([
    ['mode', cluster.mode === 'embedded' ? `embedded (data dir ${cluster.dataDir ?? ctx.options.dataDir})` : `kafka (bootstrap ${ctx.options.brokers?.join(',') ?? ''})`],
    ['cluster id', cluster.clusterId],
    ['controller', cluster.controllerId < 0 ? null : cluster.controllerId],
    ['brokers', cluster.brokers.length],
    ['topics', cluster.topics.filter((t) => !t.isInternal).length],
  ]))
  ctx.stdout.write('\n' + formatTable(['broker', 'address', 'rack'], cluster.brokers.map((b) => [
    b.nodeId, cluster.mode === 'embedded' ? 'in-process' : `${b.host}:${b.port}`, b.rack,
  ])))
  ctx.stdout.write('\n' + formatTable(['topic', 'partitions', 'leaders', 'internal'], cluster.topics.map((t) => [
    t.name, t.partitions.length, leaders(t.partitions), t.isInternal ? 'yes' : null,
  ])))
  if (cluster.apiVersionsFrom === null) {
    ctx.stdout.write('\napi versions: none (the embedded log is reached in-process, not over the Kafka protocol)\n')
    return
  }
  ctx.stdout.write(`\napi versions of ${cluster.apiVersionsFrom}:\n`)
  ctx.stdout.write(formatTable(['api', 'key', 'broker', 'client uses'], cluster.apiVersions.map((a) => [
    a.name, a.apiKey, a.minVersion === a.maxVersion ? `v${a.minVersion}` : `v${a.minVersion}-${a.maxVersion}`, a.clientVersion < 0 ? null : `v${a.clientVersion}`,
  ])))
}

/** Adds `sluice cluster` and its subcommands to the program. */
export function registerClusterCommands(program: Command, actions: Actions): void {
  const cluster = program.command('cluster').description('describe the cluster (--brokers) or the embedded log')
  cluster.command('info').description('cluster id, controller, brokers, topics with their leaders, and the API versions served')
    .action(actions(info))
}
