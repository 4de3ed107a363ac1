// The topology rewrite behind a replay (replay.ts): every topic the app writes that is not its own
// internal topic (`T`) becomes a shadow topic (`T + suffix`), so a changed version of an app can run
// over the retained input without touching what the live app wrote. A source that reads one of
// those topics (an app reading its own output downstream), and a store restored from one, follow
// it to the shadow. Internal topics keep their names: the replay app has its own name, hence its
// own `<app>-…-repartition/-changelog` topics. A Topology is frozen plain data, so this builds a
// transformed copy and validates it.
import { SluiceError } from '../../base/errors.ts'
import { checkName } from '../dsl/graph-builder.ts'
import { validateTopology, type Topology, type TopologyNode } from '../topology/index.ts'

/** A topology whose external sinks write shadow topics, and the live → shadow topic names. */
export interface ShadowTopology {
  topology: Topology
  /** Live sink topic → its shadow, in the order the sinks were recorded. */
  shadows: Map<string, string>
}

/**
 * Rewrites `topology` so each non-internal sink topic T is written as `T + suffix`; sources and
 * store changelogs on those topics follow. The input is left untouched; the copy is validated.
 * @example
 * const { topology, shadows } = shadowTopology(app.build(), '.replay')
 * shadows.get('page-counts')   // 'page-counts.replay'
 */
export function shadowTopology(topology: Topology, suffix: string): ShadowTopology {
  if (typeof suffix !== 'string' || suffix.length === 0 || !/^[A-Za-z0-9._-]+$/.test(suffix)) {
    throw new SluiceError('INVALID_ARGUMENT', `shadowSuffix must be 1 or more of A-Z a-z 0-9 . _ -, got ${JSON.stringify(suffix)}`)
  }
  const shadows = new Map<string, string>()
  for (const node of topology.nodes) {
    if (node.kind === 'sink' && !node.isInternal && !shadows.has(node.topic)) {
      shadows.set(node.topic, checkName(`shadow topic of '${node.topic}'`, node.topic + suffix))
    }
  }
  const sources = new Set(topology.nodes.flatMap((n) => (n.kind === 'source' ? [n.topic] : [])))
  for (const [topic, shadow] of shadows) {
    // Reading the shadow name as input while writing it would feed the replay its own output.
    if (sources.has(shadow)) throw new SluiceError('INVALID_ARGUMENT', `the app reads '${shadow}', the shadow topic a replay would write for '${topic}': choose another shadowSuffix`)
  }
  const rename = (topic: string): string => shadows.get(topic) ?? topic
  const renameAll = (topics: readonly string[]): readonly string[] => Object.freeze(topics.map(rename))

  const nodes = topology.nodes.map((node): TopologyNode => {
    if ((node.kind === 'sink' || node.kind === 'source') && shadows.has(node.topic)) return Object.freeze({ ...node, topic: rename(node.topic) })
    return node
  })
  const rewritten: Topology = Object.freeze({
    application: topology.application,
    nodes: Object.freeze(nodes),
    stores: Object.freeze(topology.stores.map((s) => (shadows.has(s.changelogTopic) ? Object.freeze({ ...s, changelogTopic: rename(s.changelogTopic) }) : s))),
    internalTopics: Object.freeze(topology.internalTopics.map((t) => Object.freeze({ ...t, partitionsFrom: renameAll(t.partitionsFrom) }))),
    copartitionGroups: Object.freeze(topology.copartitionGroups.map((g) => Object.freeze({ ...g, topics: renameAll(g.topics) }))),
    subTopologies: Object.freeze(topology.subTopologies.map((s) => Object.freeze({ ...s, sourceTopics: renameAll(s.sourceTopics), sinkTopics: renameAll(s.sinkTopics) }))),
  })
  return { topology: validateTopology(rewritten), shadows }
}
