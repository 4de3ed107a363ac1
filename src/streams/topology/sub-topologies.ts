// Splits a topology's nodes into sub-topologies, as Kafka Streams does: nodes joined by an edge,
// or by a store they share (a join reading a table's store), belong together; pieces meet only
// through topics (a repartition sink in one, the source reading it in another). The runtime runs
// one task per sub-topology and input partition. Validation (validate.ts) uses the same split to
// catch a sub-topology that writes the topic it reads.
import type { SubTopology, TopologyNode } from './topology.ts'
import { downstreamOf } from './topology.ts'

/** The connected pieces of `nodes`, numbered by their earliest recorded node; unknown ids are ignored. */
export function splitSubTopologies(nodes: readonly TopologyNode[]): SubTopology[] {
  const index = new Map<string, number>()
  nodes.forEach((node, i) => index.set(node.id, i))
  const parent = nodes.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!
      i = parent[i]!
    }
    return i
  }
  // Union by smaller root so each root is its piece's earliest node: pieces come out in recorded order.
  const union = (a: number, b: number): void => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  const storeHolder = new Map<string, number>()
  nodes.forEach((node, i) => {
    for (const id of [...node.inputs, ...downstreamOf(node)]) {
      const j = index.get(id)
      if (j !== undefined) union(i, j)
    }
    for (const store of node.stores) {
      const j = storeHolder.get(store)
      if (j === undefined) storeHolder.set(store, i)
      else union(i, j)
    }
  })
  const pieces = new Map<number, TopologyNode[]>()
  nodes.forEach((node, i) => {
    const root = find(i)
    const piece = pieces.get(root)
    if (piece === undefined) pieces.set(root, [node])
    else piece.push(node)
  })
  return [...pieces.keys()].sort((a, b) => a - b).map((root, id) => {
    const members = pieces.get(root)!
    const sourceTopics: string[] = []
    const sinkTopics: string[] = []
    const stores = new Set<string>()
    for (const node of members) {
      if (node.kind === 'source') sourceTopics.push(node.topic)
      if (node.kind === 'sink') sinkTopics.push(node.topic)
      for (const store of node.stores) stores.add(store)
    }
    return { id, nodes: members.map((n) => n.id), sourceTopics, sinkTopics, stores: [...stores] }
  })
}
