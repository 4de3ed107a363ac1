// Kafka's rules for topic names (org.apache.kafka.common.internals.Topic): 1 to 249 characters of
// [a-zA-Z0-9._-], not "." or "..". 249 leaves room for a partition directory name
// (`<topic>-<partition>` and a deletion suffix) within the 255-byte limit of file names. Kafka also
// refuses a topic whose name equals an existing one once '.' is replaced by '_' (both become '_' in
// metric names); `findCollision` finds that clash. The registry (topic-registry.ts) applies these.
import { SluiceError } from '../../base/errors.ts'

/** Longest legal topic name, as Kafka's Topic.MAX_NAME_LENGTH. */
export const TOPIC_NAME_LENGTH_MAX = 249

/** Prefix of internal topics (`__consumer_offsets`, `__transaction_state`). */
export const INTERNAL_TOPIC_PREFIX = '__'

const LEGAL = /^[a-zA-Z0-9._-]+$/

/** Throws INVALID_TOPIC_EXCEPTION, saying which rule `name` breaks, unless it is a legal topic name. */
export function validateTopicName(name: string): void {
  const fail = (why: string): never => {
    throw new SluiceError('INVALID_TOPIC_EXCEPTION', `invalid topic name '${name}': ${why}`)
  }
  if (name.length === 0) fail('it is empty')
  if (name === '.' || name === '..') fail("'.' and '..' are not allowed")
  if (name.length > TOPIC_NAME_LENGTH_MAX) fail(`it is ${name.length} characters long, the limit is ${TOPIC_NAME_LENGTH_MAX}`)
  if (!LEGAL.test(name)) {
    const bad = [...new Set([...name].filter((c) => !LEGAL.test(c)))].map((c) => JSON.stringify(c)).join(', ')
    fail(`it contains ${bad}; only ASCII letters, digits, '.', '_' and '-' are allowed`)
  }
}

/** True if `name` contains '.' or '_', the characters that can make two names collide. */
export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_')
}

/** The name with '.' replaced by '_': two topics with equal keys would collide in metric names. */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_')
}

/** The existing topic `name` collides with ('.' vs '_'), or undefined; an identical name is not a collision. */
export function findCollision(name: string, existing: Iterable<string>): string | undefined {
  if (!hasCollisionChars(name)) return undefined
  const key = collisionKey(name)
  for (const other of existing) {
    if (other !== name && collisionKey(other) === key) return other
  }
  return undefined
}

/** True for Sluice's and Kafka's internal topics, whose names start with `__`. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith(INTERNAL_TOPIC_PREFIX)
}
