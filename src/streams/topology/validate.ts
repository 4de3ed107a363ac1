// Checks a topology before anything runs it. The DSL builds valid graphs, but a topology is plain
// data (built by hand, or changed between versions of an app), so the runtime trusts only what
// passed here: every edge points at a node and is recorded on both ends, the graph has no cycle
// and no node unreachable from a source, each node has the inputs its kind needs, stores and
// topics are not claimed twice, no sub-topology writes a topic it reads, and co-partitioned
// topics agree on known partition counts. All problems are reported at once.
import { SluiceError } from '../../base/errors.ts'
import { copartitionProblems, knownPartitions } from './copartition.ts'
import { splitSubTopologies } from './sub-topologies.ts'
import type { Topology, TopologyNode } from './topology.ts'
import { downstreamOf } from './topology.ts'

/** How many inputs each kind takes: [min, max]. */
function inputArity(node: TopologyNode): [number, number] {
  switch (node.kind) {
    case 'source': return [0, 0]
    case 'merge': return [2, Infinity]
    case 'stream-stream-join': case 'table-table-join': return [2, 2]
    default: return [1, 1]
  }
}

function isTerminal(node: TopologyNode): boolean {
  return node.kind === 'sink' || node.kind === 'foreach'
}

/** Every problem of `topology`, as sentences naming the nodes, stores and topics involved; [] when valid. */
export function topologyProblems(topology: Topology): string[] {
  const problems: string[] = []
  const byId = new Map<string, TopologyNode>()
  for (const node of topology.nodes) {
    if (byId.has(node.id)) problems.push(`node id '${node.id}' is used by more than one node`)
    byId.set(node.id, node)
  }
  if (!topology.nodes.some((n) => n.kind === 'source')) problems.push('the topology has no source: call app.stream() or app.table()')

  // Edges: both ends exist and both ends record the edge.
  for (const node of topology.nodes) {
    for (const id of node.inputs) {
      const from = byId.get(id)
      if (from === undefined) problems.push(`node '${node.id}' reads from '${id}', which is not in the topology`)
      else if (!downstreamOf(from).includes(node.id)) problems.push(`node '${node.id}' reads from '${id}', but '${id}' does not forward to it`)
    }
    for (const id of downstreamOf(node)) {
      const to = byId.get(id)
      if (to === undefined) problems.push(`node '${node.id}' forwards to '${id}', which is not in the topology`)
      else if (!to.inputs.includes(node.id)) problems.push(`node '${node.id}' forwards to '${id}', but '${id}' does not read from it`)
    }
    const [min, max] = inputArity(node)
    if (node.inputs.length < min || node.inputs.length > max) {
      const wanted = min === max ? String(min) : max === Infinity ? `at least ${min}` : `${min} to ${max}`
      problems.push(`node '${node.id}' (${node.kind}) has ${node.inputs.length} inputs, wants ${wanted}`)
    }
    if (new Set(node.inputs).size !== node.inputs.length) problems.push(`node '${node.id}' reads the same node twice`)
    if (isTerminal(node) && downstreamOf(node).length > 0) problems.push(`node '${node.id}' (${node.kind}) is terminal but forwards to ${downstreamOf(node).join(', ')}`)
    if (node.kind === 'split') {
      const branchOutputs = node.branches.map((b) => b.output)
      if (branchOutputs.join() !== node.outputs.join()) problems.push(`split '${node.id}' outputs [${node.outputs.join(', ')}] differ from its branches [${branchOutputs.join(', ')}]`)
    }
    if (node.kind === 'aggregate') {
      for (const id of node.lateOutputs) if (byId.get(id)?.kind !== 'late-records') problems.push(`aggregate '${node.id}' sends late records to '${id}', which is not a late-records node`)
      if (node.lateOutputs.length > 0 && node.window === undefined) problems.push(`aggregate '${node.id}' has late records but no window`)
    }
    if (node.kind === 'stream-table-join' && !byId.has(node.table)) problems.push(`join '${node.id}' reads table '${node.table}', which is not in the topology`)
  }

  // Reachability from sources, and no cycle (Kahn's algorithm over the recorded edges).
  const pending = new Map<string, number>()
  for (const node of topology.nodes) pending.set(node.id, node.inputs.filter((id) => byId.has(id)).length)
  const ready = topology.nodes.filter((n) => n.kind === 'source').map((n) => n.id)
  const reached = new Set(ready)
  while (ready.length > 0) {
    const node = byId.get(ready.pop()!)!
    for (const id of downstreamOf(node)) {
      const left = pending.get(id)
      if (left === undefined) continue
      pending.set(id, left - 1)
      if (left - 1 === 0 && !reached.has(id)) {
        reached.add(id)
        ready.push(id)
      }
    }
  }
  const unreached = topology.nodes.filter((n) => !reached.has(n.id)).map((n) => n.id)
  if (unreached.length > 0) problems.push(`nodes not fed from any source, or in a cycle: ${unreached.join(', ')}`)

  // Stores: each declared once, owned by a node that lists it, referenced only if declared.
  const storeNames = new Set<string>()
  for (const store of topology.stores) {
    if (storeNames.has(store.name)) problems.push(`store name '${store.name}' is used by more than one store`)
    storeNames.add(store.name)
    if (!byId.get(store.owner)?.stores.includes(store.name)) problems.push(`store '${store.name}' is owned by '${store.owner}', which does not list it`)
  }
  for (const node of topology.nodes) {
    for (const store of node.stores) if (!storeNames.has(store)) problems.push(`node '${node.id}' uses store '${store}', which is not declared`)
  }

  // Topics: one source per topic; internal topics named once, read and written by this app only.
  const sourceOf = new Map<string, string>()
  for (const node of topology.nodes) {
    if (node.kind !== 'source') continue
    const other = sourceOf.get(node.topic)
    if (other !== undefined) problems.push(`topic '${node.topic}' is read by both '${other}' and '${node.id}': read it once and share the stream`)
    sourceOf.set(node.topic, node.id)
  }
  const internalNames = new Set<string>()
  for (const topic of topology.internalTopics) {
    if (internalNames.has(topic.name)) problems.push(`internal topic '${topic.name}' is declared twice`)
    internalNames.add(topic.name)
  }
  for (const node of topology.nodes) {
    if (node.kind !== 'source' && node.kind !== 'sink') continue
    if (node.isInternal && !internalNames.has(node.topic)) problems.push(`node '${node.id}' uses internal topic '${node.topic}', which is not declared`)
    if (!node.isInternal && internalNames.has(node.topic)) problems.push(`node '${node.id}' uses '${node.topic}' as a user topic, but the app creates it as an internal topic`)
  }
  for (const topic of topology.internalTopics) {
    if (topic.kind !== 'repartition') continue
    const readers = topology.nodes.filter((n) => n.kind === 'source' && n.topic === topic.name).length
    const writers = topology.nodes.filter((n) => n.kind === 'sink' && n.topic === topic.name).length
    if (readers === 0 || writers === 0) problems.push(`repartition topic '${topic.name}' has ${writers} writers and ${readers} readers, wants both`)
  }
  for (const sub of splitSubTopologies(topology.nodes)) {
    for (const topic of sub.sinkTopics) {
      if (sub.sourceTopics.includes(topic)) problems.push(`sub-topology ${sub.id} writes topic '${topic}', which it also reads: each record would loop back into the same task`)
    }
  }

  const known = knownPartitions(topology.nodes, topology.internalTopics)
  for (const group of topology.copartitionGroups) {
    for (const topic of group.topics) if (!sourceOf.has(topic)) problems.push(`co-partition group of ${group.nodes.join(', ')} names topic '${topic}', which no source reads`)
    problems.push(...copartitionProblems(group, known))
  }
  return problems
}

/**
 * Throws one INVALID_ARGUMENT SluiceError listing every problem of `topology`, or returns it.
 * @example
 * const topology = validateTopology(app.build())
 */
export function validateTopology(topology: Topology): Topology {
  const problems = topologyProblems(topology)
  if (problems.length > 0) throw topologyError(topology.application, problems)
  return topology
}

/** The error for an invalid topology: one line per problem. */
export function topologyError(application: string, problems: readonly string[]): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', `streams app '${application}': invalid topology:\n  - ${problems.join('\n  - ')}`)
}
