// Topic ids on the wire. The registry keeps each topic's id as a UUID string
// ("3f2c5e1a-…", crypto.randomUUID's form); the generated codecs carry uuids as Kafka's text form,
// 22 characters of unpadded base64url over the same 16 bytes. This file converts between the two
// and finds a topic by its wire id (Fetch v13+, Metadata v10+, DeleteTopics v6+ name topics by id).
import type { TopicRegistry } from '../coordinator/topics/topic-registry.ts'
import { ZERO_UUID } from '../protocol/primitives/reader.ts'

/** Kafka's text form (unpadded base64url of the 16 bytes) of a registry UUID string. */
export function wireTopicId(uuid: string): string {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url')
}

/** The registry's UUID string of a wire topic id, or null when it is not 16 bytes of base64url. */
export function registryTopicId(wireId: string): string | null {
  const bytes = Buffer.from(wireId, 'base64url')
  if (bytes.length !== 16 || wireId.length !== 22) return null
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

// Wire id → topic name, per registry. An entry is trusted only after checking the registry still
// maps that name to that id (a topic deleted and recreated gets a new id); on a miss the map is
// rebuilt from one listing, so a lookup costs a Map get in the steady state.
const byRegistry = new WeakMap<TopicRegistry, Map<string, string>>()

/** The name of the topic with this wire id, or null when no topic has it (UNKNOWN_TOPIC_ID). */
export function topicNameById(registry: TopicRegistry, wireId: string): string | null {
  if (wireId === ZERO_UUID) return null
  let names = byRegistry.get(registry)
  const cached = names?.get(wireId)
  if (cached !== undefined && registry.has(cached) && wireTopicId(registry.topicId(cached)) === wireId) return cached
  names = new Map()
  for (const topic of registry.list({ includeInternal: true })) names.set(wireTopicId(topic.topicId), topic.name)
  byRegistry.set(registry, names)
  return names.get(wireId) ?? null
}
