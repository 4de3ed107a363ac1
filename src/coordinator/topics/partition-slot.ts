// A partition's place in the registry (its open log, or why it is offline) and the bounded
// parallelism used to open many logs at once: opening runs recovery, which reads the tail of each
// log, so a data dir with thousands of partitions opens `limit` at a time rather than all at once
// (file descriptors, memory) or one by one (startup time).
import type { PartitionLog } from '../../storage/partition-log.ts'

/** An open partition log, or the error that keeps the partition offline. */
export type PartitionSlot = { log: PartitionLog; error: null } | { log: null; error: unknown }

/** Runs `fn(0) … fn(count - 1)` with at most `limit` running at once; rejects with the first failure after all settle. */
export async function runBounded(count: number, limit: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  const failures: unknown[] = []
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++
      try {
        await fn(index)
      } catch (error) {
        // Keep going: the other jobs' outcomes are needed too; the first failure is rethrown below.
        failures.push(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker))
  if (failures.length > 0) throw failures[0]
}
