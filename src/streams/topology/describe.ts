// describe(): a topology as text, in the shape of Kafka Streams' TopologyDescription so that
// people who know it can read it at once: sub-topologies (split where records pass through a
// topic), then each node with what it forwards to (-->) and reads from (<--), then the stores,
// internal topics and co-partition groups the runtime will create or check. Output is
// deterministic (recorded order), so tests compare it as golden text.
import type { WindowDefinition } from '../windows/index.ts'
import type { InternalTopic, StoreSpec, Topology, TopologyNode } from './topology.ts'

const UNITS: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]

/** Milliseconds in the largest unit that divides them exactly: 600000 → '10m', 1500 → '1500ms'. */
export function formatMs(ms: number): string {
  if (ms === Infinity) return 'forever'
  for (const [unit, size] of UNITS) if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

/** A window definition in a few words: 'sliding 10m every 1s, grace 0ms'. */
export function describeWindow(window: WindowDefinition<unknown>): string {
  if (window.kind === 'count') return window.every === window.size ? `count ${window.size}` : `count ${window.size} every ${window.every}`
  let shape: string
  switch (window.kind) {
    case 'tumbling': shape = `tumbling ${formatMs(window.sizeMs)}`; break
    case 'sliding': shape = `sliding ${formatMs(window.sizeMs)} every ${formatMs(window.advanceMs)}`; break
    case 'session': shape = `session gap ${formatMs(window.gapMs)}`; break
    case 'punctuated': shape = `punctuated by ${[window.startsWith && 'start marker', window.endsWith && 'end marker'].filter(Boolean).join(' and ')}`; break
  }
  return `${shape}${window.time === 'processing' ? ' (processing time)' : ''}, grace ${formatMs(window.graceMs)}`
}

function details(node: TopologyNode): string[] {
  switch (node.kind) {
    case 'source': {
      const parts = [`topic: ${node.topic}`]
      if (node.partitions !== undefined) parts.push(`partitions: ${node.partitions}`)
      if (node.timestamp.extractor !== undefined) parts.push(`event time: extracted, max out of order ${formatMs(node.timestamp.maxOutOfOrderMs)}`)
      else if (node.timestamp.maxOutOfOrderMs > 0) parts.push(`event time: record timestamp, max out of order ${formatMs(node.timestamp.maxOutOfOrderMs)}`)
      if (node.shedding !== undefined) parts.push(`load shedding: above ${node.shedding.maxLag} records of lag, rate >= ${node.shedding.minRate}`)
      return parts
    }
    case 'sink': return [`topic: ${node.topic}`]
    case 'split': return [`branches: ${node.branches.map((b) => b.name).join(', ')}`]
    case 'dedupe': return [`dedupe ${node.withinMs === undefined ? 'forever' : `within ${formatMs(node.withinMs)}`} (bloom, fpr ${node.falsePositiveRate})`]
    case 'branch': return [`branch: ${node.name}`]
    case 'aggregate': {
      const parts: string[] = [node.operation]
      if (node.window !== undefined) parts.push(`window: ${describeWindow(node.window)}`, `emit: ${node.emit}`)
      return parts
    }
    case 'stream-table-join': return [`${node.joinType} join with table ${node.table}`]
    case 'stream-stream-join':
      return [`${node.joinType} join, other within -${formatMs(node.beforeMs)}/+${formatMs(node.afterMs)}, grace ${formatMs(node.graceMs)}`]
    case 'table-table-join': return [`${node.joinType} join`]
    default: return []
  }
}

function describeNode(node: TopologyNode): string[] {
  const role = node.kind === 'source' ? 'Source' : node.kind === 'sink' ? 'Sink' : 'Processor'
  const parts = details(node)
  if (node.stores.length > 0) parts.push(`stores: [${node.stores.join(', ')}]`)
  const lines = [`    ${role}: ${node.id}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`]
  if (node.outputs.length > 0) lines.push(`      --> ${node.outputs.join(', ')}`)
  if (node.kind === 'aggregate' && node.lateOutputs.length > 0) lines.push(`      --> late records: ${node.lateOutputs.join(', ')}`)
  if (node.inputs.length > 0) lines.push(`      <-- ${node.inputs.join(', ')}`)
  return lines
}

function describeStore(store: StoreSpec): string {
  const retention = store.retentionMs === undefined ? '' : `, retention ${formatMs(store.retentionMs)}`
  return `    ${store.name} (${store.kind}${retention}; owner ${store.owner}; changelog: ${store.changelogTopic})`
}

function describeInternalTopic(topic: InternalTopic): string {
  const partitions = topic.partitions !== undefined
    ? String(topic.partitions)
    : topic.partitionsFrom.length > 0 ? `at start, from ${topic.partitionsFrom.join(', ')}` : 'at start'
  const config = Object.entries(topic.config).map(([k, v]) => `${k}=${v}`).join(', ')
  return `    ${topic.name} (${topic.kind}; partitions: ${partitions}${config === '' ? '' : `; ${config}`})`
}

/**
 * The topology as text: sub-topologies with their sources, processors and sinks, then stores,
 * internal topics and co-partition groups.
 * @example
 * console.log(describeTopology(app.build()))
 */
export function describeTopology(topology: Topology): string {
  const byId = new Map(topology.nodes.map((n) => [n.id, n]))
  const lines = [`Topology: ${topology.application}`]
  for (const sub of topology.subTopologies) {
    lines.push(`  Sub-topology: ${sub.id}`)
    for (const id of sub.nodes) lines.push(...describeNode(byId.get(id)!))
  }
  lines.push('  Stores:')
  if (topology.stores.length === 0) lines.push('    none')
  for (const store of topology.stores) lines.push(describeStore(store))
  lines.push('  Internal topics:')
  if (topology.internalTopics.length === 0) lines.push('    none')
  for (const topic of topology.internalTopics) lines.push(describeInternalTopic(topic))
  lines.push('  Co-partition groups:')
  if (topology.copartitionGroups.length === 0) lines.push('    none')
  for (const group of topology.copartitionGroups) {
    const partitions = group.partitions === undefined ? 'checked at start' : String(group.partitions)
    lines.push(`    [${group.topics.join(', ')}] for ${group.nodes.join(', ')} (partitions: ${partitions})`)
  }
  return lines.join('\n') + '\n'
}
