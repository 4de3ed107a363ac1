// Before an app starts: resolve every topic's partition count against the real cluster, check
// co-partitioning, and create the internal topics that are missing. Source topics must exist
// (auto-created by the cluster if it allows that). A repartition topic without a set count takes
// its co-partition group's count, else the largest count of the topics feeding it; a changelog
// takes the task count of the sub-topology that owns its store (the largest count of its sources).
// An existing internal topic with another count is an error, never silently used.
import { SluiceError } from '../../base/errors.ts'
import type { Sluice } from '../../client/sluice.ts'
import type { Topology } from '../topology/index.ts'

/** Partition counts of every topic the app reads or owns, and per sub-topology its task count. */
export interface ResolvedTopics {
  partitions: Map<string, number>
  tasksPerSubTopology: Map<number, number>
}

async function countOf(sluice: Sluice, topic: string): Promise<number | undefined> {
  try {
    const description = await sluice.admin.describeTopic(topic)
    return description.partitions.length
  } catch (error) {
    if (error instanceof SluiceError && error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined
    throw error
  }
}

/**
 * Resolves partition counts, checks co-partitioning and creates missing internal topics.
 * @example const { partitions } = await prepareTopics(sluice, app.build())
 */
export async function prepareTopics(sluice: Sluice, topology: Topology): Promise<ResolvedTopics> {
  const partitions = new Map<string, number>()
  const internal = new Map(topology.internalTopics.map((t) => [t.name, t]))
  const sourceTopics = new Set<string>()
  for (const node of topology.nodes) if (node.kind === 'source' && !node.isInternal) sourceTopics.add(node.topic)
  for (const topic of [...sourceTopics].sort()) {
    let n = await countOf(sluice, topic)
    if (n === undefined) {
      // Kafka Streams refuses to start without its source topics; an embedded log creates them as a produce would.
      await sluice.admin.createTopic(topic).catch((error: unknown) => {
        if (!(error instanceof SluiceError && error.code === 'TOPIC_ALREADY_EXISTS')) throw error
      })
      n = await countOf(sluice, topic)
    }
    if (n === undefined) throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `source topic '${topic}' does not exist; create it first`)
    const declared = topology.nodes.find((x) => x.kind === 'source' && x.topic === topic && x.partitions !== undefined)
    if (declared?.kind === 'source' && declared.partitions !== n) {
      throw new SluiceError('INVALID_ARGUMENT', `app.stream('${topic}') declares ${declared.partitions} partitions but the topic has ${n}`)
    }
    partitions.set(topic, n)
  }
  // Repartition topics in the order recorded: each depends only on topics recorded before it.
  for (const topic of topology.internalTopics) {
    if (topic.kind !== 'repartition') continue
    const group = topology.copartitionGroups.find((g) => g.topics.includes(topic.name))
    const groupCount = group?.partitions ?? group?.topics.map((t) => (internal.has(t) ? internal.get(t)!.partitions : partitions.get(t))).find((c) => c !== undefined)
    const fromCount = Math.max(1, ...topic.partitionsFrom.map((t) => partitions.get(t) ?? 1))
    partitions.set(topic.name, topic.partitions ?? groupCount ?? fromCount)
  }
  for (const group of topology.copartitionGroups) {
    const counts = group.topics.map((t) => [t, partitions.get(t)] as const).filter((e): e is readonly [string, number] => e[1] !== undefined)
    const first = counts[0]
    const mismatch = counts.find(([, c]) => c !== first?.[1])
    if (first !== undefined && mismatch !== undefined) {
      throw new SluiceError('INVALID_ARGUMENT',
        `${group.nodes.join(', ')} reads '${first[0]}' (${first[1]} partitions) and '${mismatch[0]}' (${mismatch[1]} partitions) by key: ` +
        'they must have the same partition count; repartition one side with .repartition({ partitions })')
    }
  }
  const tasksPerSubTopology = new Map<number, number>()
  for (const sub of topology.subTopologies) {
    tasksPerSubTopology.set(sub.id, Math.max(...sub.sourceTopics.map((t) => partitions.get(t) ?? 1)))
  }
  for (const topic of topology.internalTopics) {
    if (topic.kind !== 'changelog') continue
    const store = topology.stores.find((s) => s.changelogTopic === topic.name)
    const sub = topology.subTopologies.find((s) => store !== undefined && s.stores.includes(store.name))
    partitions.set(topic.name, topic.partitions ?? (sub === undefined ? 1 : tasksPerSubTopology.get(sub.id)!))
  }
  for (const topic of topology.internalTopics) {
    const want = partitions.get(topic.name)!
    const have = await countOf(sluice, topic.name)
    if (have === undefined) {
      await sluice.admin.createTopic(topic.name, { partitions: want, config: { ...topic.config } }).catch((error: unknown) => {
        if (!(error instanceof SluiceError && error.code === 'TOPIC_ALREADY_EXISTS')) throw error
      })
    } else if (have !== want) {
      throw new SluiceError('INVALID_ARGUMENT', `internal topic '${topic.name}' has ${have} partitions, the app needs ${want}; reset the app (sluice streams reset ${topology.application}) after changing input partitions`)
    }
  }
  return { partitions, tasksPerSubTopology }
}
