// Kafka's default partitioner: a keyed record goes to `toPositive(murmur2(keyBytes)) % partitions`,
// the same partition the Java client (`BuiltInPartitioner.partitionForKey`) and librdkafka's
// `murmur2_random` partitioner pick for the same key bytes, so Sluice producers and third-party
// producers agree on where a key lives. A record without a key is "sticky" (KIP-480): it goes to
// the topic's current sticky partition until the producer completes a batch there and calls
// `onNewBatch`, then a new one is drawn at random. Batching and sending live in producer.ts.
import { assert } from '../base/assert.ts'
import { Random } from '../base/random.ts'

/** Kafka's murmur2 seed (Utils.murmur2). */
const SEED = 0x9747b28c
/** Murmur2's mixing constant. */
const M = 0x5bd1e995

/**
 * Murmur2 of `data[start, end)` as Kafka's Java `Utils.murmur2` computes it: a signed 32-bit int.
 *
 * Shaped for the produce hot path: no allocation, no DataView, only `Math.imul` (32-bit
 * multiplication that wraps like Java's int) and indexed byte loads, which V8 compiles to plain
 * loads on a Buffer; the 4-byte little-endian words are assembled by hand because
 * `readInt32LE` adds a bounds check per call and a range would need a subarray (an allocation).
 */
export function murmur2(data: Uint8Array, start = 0, end = data.length): number {
  const length = end - start
  let h = SEED ^ length
  const wordsEnd = start + (length & ~3)
  for (let i = start; i < wordsEnd; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // The 1-3 tail bytes (Java's switch that falls through from case 3 to case 1).
  const tail = length & 3
  if (tail >= 3) h ^= data[wordsEnd + 2]! << 16
  if (tail >= 2) h ^= data[wordsEnd + 1]! << 8
  if (tail >= 1) {
    h ^= data[wordsEnd]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, so MIN_VALUE maps to 0). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** The partition Kafka's default partitioner gives a key: `toPositive(murmur2(key)) % numPartitions`. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  assert(Number.isInteger(numPartitions) && numPartitions >= 1, `numPartitions must be >= 1, got ${numPartitions}`)
  return toPositive(murmur2(key)) % numPartitions
}

/** Options of a DefaultPartitioner. */
export interface PartitionerOptions {
  /** Source of the sticky partition draws; inject a seeded one in tests. */
  random?: Random
}

/** Kafka's default partitioner: murmur2 for keyed records, sticky partitions (KIP-480) for null keys. */
export class DefaultPartitioner {
  readonly #random: Random
  /** topic → its current sticky partition for records without a key. */
  readonly #sticky = new Map<string, number>()
  /** topic → the sticky partition a completed batch just left, which the next draw avoids. */
  readonly #left = new Map<string, number>()

  constructor(options: PartitionerOptions = {}) {
    this.#random = options.random ?? new Random()
  }

  /** The partition for a record with `key` (null: no key) on a topic of `numPartitions` partitions. */
  partition(topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions)
    const current = this.#sticky.get(topic)
    // A topic that shrank (deleted and recreated) leaves a stale choice behind: draw again.
    if (current !== undefined && current < numPartitions) return current
    const next = this.#draw(numPartitions, this.#left.get(topic) ?? -1)
    this.#sticky.set(topic, next)
    this.#left.delete(topic)
    return next
  }

  /**
   * Tells the partitioner a batch for `topic` was completed (on `prevPartition`, if given): the
   * next null-key record moves to another partition, drawn at random. As in Kafka's
   * StickyPartitionCache, a batch completing on a partition other than the sticky one (a batch of
   * keyed records) changes nothing.
   */
  onNewBatch(topic: string, prevPartition?: number): void {
    const current = this.#sticky.get(topic)
    if (prevPartition !== undefined && current !== undefined && current !== prevPartition) return
    this.#sticky.delete(topic)
    const left = current ?? prevPartition
    if (left !== undefined) this.#left.set(topic, left)
  }

  /** A uniform partition, other than `previous` when there is a choice. */
  #draw(numPartitions: number, previous: number): number {
    assert(Number.isInteger(numPartitions) && numPartitions >= 1, `numPartitions must be >= 1, got ${numPartitions}`)
    if (numPartitions > 1 && previous >= 0 && previous < numPartitions) {
      // Uniform over the other numPartitions - 1 partitions: skip over `previous`.
      const next = this.#random.int(0, numPartitions - 1)
      return next >= previous ? next + 1 : next
    }
    return this.#random.int(0, numPartitions)
  }
}
