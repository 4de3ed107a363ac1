// OffsetCommit called directly over a real Coordinator: simple commits (v0, generation -1), member
// commits checked against the generation, and per-partition errors, read back with OffsetFetch.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { OffsetCommitRequest } from '../../protocol/messages/index.ts'
import { joinGroupHandler } from './11-join-group.ts'
import { offsetCommitHandler } from './08-offset-commit.ts'
import { openTestBed, settle } from './handler-test-kit.ts'

function commit(version: number, partitions: Array<[string, number, number]>, options: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  const topics = [...new Set(partitions.map(([t]) => t))].map((name) => ({
    name,
    partitions: partitions.filter(([t]) => t === name).map(([, p, offset]) => ({
      partitionIndex: p, committedOffset: offset, committedLeaderEpoch: version >= 6 ? 0 : -1, commitTimestamp: version === 1 ? 1_600_000_000_000 : -1, committedMetadata: 'm',
    })),
  }))
  return { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics, ...options }
}

test('offset commit v0-v9 stores simple commits, answering per partition in request order', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t', { partitions: 2 })
    for (const version of [0, 1, 2, 5, 6, 8, 9]) {
      const extra = version >= 2 && version <= 4 ? { retentionTimeMs: 60_000 } : {}
      const response = await bed.call(offsetCommitHandler, version, commit(version, [['t', 0, 10 + version], ['t', 1, 20], ['missing', 0, 1], ['t', 5, 1]], extra))
      assert.deepEqual(response.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]), [['t', [[0, 0], [1, 0], [5, 3]]], ['missing', [[0, 3]]]], `v${version}`)
      const stored = bed.coordinator.groups.fetchOffsets('g', [{ topic: 't', partition: 0 }]).offsets[0]!
      assert.deepEqual([stored.offset, stored.metadata, stored.leaderEpoch], [10 + version, 'm', version >= 6 ? 0 : -1])
    }
  } finally {
    await bed.close()
  }
})

test('offset commit v1+ checks the member and generation of a group in use', async () => {
  const bed = await openTestBed()
  try {
    await bed.coordinator.topics.create('t')
    const pending = bed.call(joinGroupHandler, 1, {
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
    })
    await settle()
    bed.clock.advance(1)
    const joined = await pending
    const code = async (version: number, generation: number, memberId: string): Promise<number> =>
      (await bed.call(offsetCommitHandler, version, commit(version, [['t', 0, 5]], { generationIdOrMemberEpoch: generation, memberId }))).topics[0]!.partitions[0]!.errorCode
    // Completing: no assignment yet; after a SyncGroup the commit would pass.
    assert.equal(await code(7, joined.generationId, joined.memberId), 27)
    // A generation named for a group that does not exist comes from a member of a group long gone.
    const gone = await bed.call(offsetCommitHandler, 2, commit(2, [['t', 0, 5]], { groupId: 'gone', generationIdOrMemberEpoch: 4, memberId: 'm' }))
    assert.equal(gone.topics[0]!.partitions[0]!.errorCode, 22)
  } finally {
    await bed.close()
  }
})
