// Co-partitioning: topics read together by key (a join's two sides, merged inputs of an
// aggregation) must have the same partition count, or one key's records land in different tasks
// and the answer is silently wrong. Counts are often unknown until the app starts, so the
// requirement is recorded as a CopartitionGroup in the topology and checked twice: here, when the
// topology is built, against the counts the app declared (`partitions` on app.stream/app.table,
// `repartition({ partitions })`), and by the runtime against real metadata before it starts.
// Repartition topics without a declared count follow their group (as Kafka Streams sizes them),
// else the largest count of the topics that feed them.
import type { CopartitionGroup, InternalTopic, TopologyNode } from './topology.ts'

/** Partition counts known before start: each external source topic as declared, each internal topic as set. */
export function knownPartitions(nodes: readonly TopologyNode[], internalTopics: readonly InternalTopic[]): Map<string, number> {
  const known = new Map<string, number>()
  for (const node of nodes) if (node.kind === 'source' && !node.isInternal && node.partitions !== undefined) known.set(node.topic, node.partitions)
  for (const topic of internalTopics) if (topic.partitions !== undefined) known.set(topic.name, topic.partitions)
  return known
}

/** Problems of one group against known counts: every pair of topics whose known counts differ, named. */
export function copartitionProblems(group: CopartitionGroup, known: ReadonlyMap<string, number>): string[] {
  const counted = group.topics.filter((topic) => known.has(topic))
  const first = counted[0]
  if (first === undefined) return []
  const n = known.get(first)!
  const problems: string[] = []
  for (const topic of counted.slice(1)) {
    const m = known.get(topic)!
    if (m !== n) {
      problems.push(
        `${group.nodes.join(', ')} reads topics '${first}' (${n} partitions) and '${topic}' (${m} partitions) by key, ` +
        `so they must have the same partition count: repartition one side (stream.repartition({ partitions: ${n} })) or recreate the topic`,
      )
    }
  }
  if (group.partitions !== undefined && group.partitions !== n && problems.length === 0) {
    problems.push(`co-partition group of ${group.nodes.join(', ')} says ${group.partitions} partitions but '${first}' has ${n}`)
  }
  return problems
}

/**
 * Gives repartition topics without a declared count the count of their co-partition group, or of
 * the topics that feed them, where known; fills each group's count; reports groups whose known
 * counts disagree. Groups are resolved in order, so a topic sized by one group counts in the next.
 */
export function resolvePartitions(
  nodes: readonly TopologyNode[],
  internalTopics: readonly InternalTopic[],
  groups: readonly CopartitionGroup[],
): { internalTopics: InternalTopic[]; copartitionGroups: CopartitionGroup[]; problems: string[] } {
  const topics = new Map(internalTopics.map((t) => [t.name, t]))
  const known = knownPartitions(nodes, internalTopics)
  const problems: string[] = []
  const resolvedGroups = groups.map((group) => {
    const found = copartitionProblems({ ...group, partitions: undefined }, known)
    problems.push(...found)
    const counted = group.topics.find((topic) => known.has(topic))
    const n = found.length === 0 && counted !== undefined ? known.get(counted) : undefined
    if (n !== undefined) {
      for (const name of group.topics) {
        const topic = topics.get(name)
        if (topic !== undefined && topic.kind === 'repartition' && topic.partitions === undefined) {
          topics.set(name, { ...topic, partitions: n })
          known.set(name, n)
        }
      }
    }
    return { ...group, partitions: n }
  })
  // Topics in no group follow the largest of their feeders, when all of those are known (one in a
  // group waits for the group's count at start). A feeder may itself be a repartition topic sized
  // on an earlier pass, so repeat until nothing changes.
  const grouped = new Set(groups.flatMap((g) => g.topics))
  for (let changed = true; changed;) {
    changed = false
    for (const [name, topic] of topics) {
      if (topic.partitions !== undefined || topic.partitionsFrom.length === 0 || grouped.has(name)) continue
      const counts = topic.partitionsFrom.map((from) => known.get(from))
      if (counts.some((c) => c === undefined)) continue
      const n = Math.max(...(counts as number[]))
      topics.set(name, { ...topic, partitions: n })
      known.set(name, n)
      changed = true
    }
  }
  return { internalTopics: internalTopics.map((t) => topics.get(t.name)!), copartitionGroups: resolvedGroups, problems }
}
