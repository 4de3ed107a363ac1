// DescribeLogDirs (key 35), v0-4: the one log dir of this broker (the data dir) with the size of
// each partition's log; offsetLag is 0 (there are no future logs being moved between dirs, and the
// leader's own log has no lag). Versions: v1 nothing new on the wire; v2 flexible; v3 a top-level
// errorCode; v4 the volume's total and usable bytes (statfs of the data dir; -1 when that fails, as
// on the tests' in-memory file system). `topics: null` means every topic; unknown topics and
// partitions are left out, and offline partitions too (their size is not known), as Kafka does.
import { statfs } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { DescribeLogDirsRequest, DescribeLogDirsResponse, DescribeLogDirsResponseTopic } from '../../protocol/messages/index.ts'
import type { ApiHandler, RequestContext } from '../handler.ts'

/** The DescribeLogDirs handler. */
export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 4,
  async handle(context, request, version) {
    const logDir = resolve(context.coordinator.dataDir)
    const volume = version >= 4 ? await volumeBytes(logDir) : { totalBytes: -1, usableBytes: -1 }
    return { throttleTimeMs: 0, errorCode: 0, results: [{ errorCode: 0, logDir, topics: describeTopics(context, request.topics), ...volume }] }
  },
}

function describeTopics(context: RequestContext, wanted: DescribeLogDirsRequest['topics']): DescribeLogDirsResponseTopic[] {
  const registry = context.coordinator.topics
  const asked = wanted ?? registry.list({ includeInternal: true }).map((t) => ({ topic: t.name, partitions: null }))
  const topics: DescribeLogDirsResponseTopic[] = []
  for (const { topic, partitions: indexes } of asked) {
    if (!registry.has(topic)) continue
    const wantedIndexes = indexes === null ? null : new Set(indexes)
    const partitions = registry.describe(topic).partitions
      .filter((p) => p.offline === undefined && (wantedIndexes === null || wantedIndexes.has(p.partition)))
      .map((p) => ({ partitionIndex: p.partition, partitionSize: p.sizeBytes, offsetLag: 0, isFutureKey: false }))
    if (partitions.length > 0) topics.push({ name: topic, partitions })
  }
  return topics
}

async function volumeBytes(dir: string): Promise<{ totalBytes: number; usableBytes: number }> {
  try {
    const stats = await statfs(dir)
    return { totalBytes: stats.blocks * stats.bsize, usableBytes: stats.bavail * stats.bsize }
  } catch {
    // Not a directory on a real file system (an in-memory Fs in tests): Kafka's "unknown".
    return { totalBytes: -1, usableBytes: -1 }
  }
}
