// Unit tests of what `sluice start` prints: the status line and the recovery summary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { RecoveryReport } from '../context.ts'
import { recoverySummary, statusLine } from './start.ts'
import type { TopicTotals } from './start.ts'

const CLEAN: RecoveryReport = {
  created: false, producerSnapshotOffset: null, cleanShutdown: true, truncatedBytes: 0, truncatedFromOffset: null, problem: null, segmentsScanned: 0,
  bytesValidated: 0, indexesRebuilt: 0, swapsCompleted: 0, checkpointCorrupt: false, durationMs: 0.4,
}

function totals(name: string, logEndOffsetSum: number, sizeBytes: number): TopicTotals {
  return { name, partitions: 1, logEndOffsetSum, records: logEndOffsetSum, sizeBytes }
}

test('the status line shows append rates of the topics that grew and the total size', () => {
  const before = [totals('a', 100, 1024), totals('b', 50, 1024)]
  const after = [totals('a', 600, 2048), totals('b', 50, 1024), totals('c', 10, 1024)]
  assert.equal(statusLine(before, after, 5000, 'T'), 'T 3 topics, 4.0 KiB; a 100 records/s, c 2 records/s\n')
  assert.equal(statusLine(after, after, 5000, 'T'), 'T 3 topics, 4.0 KiB; idle\n')
})

test('a clean recovery or a new log prints nothing and a torn tail says what was cut and why', () => {
  assert.equal(recoverySummary(CLEAN), null)
  assert.equal(recoverySummary({ ...CLEAN, created: true, cleanShutdown: false }), null)
  const torn = { ...CLEAN, cleanShutdown: false, truncatedBytes: 300, truncatedFromOffset: 41, problem: 'bad CRC at position 9000', segmentsScanned: 1, bytesValidated: 9300, indexesRebuilt: 2, durationMs: 12.3 }
  assert.equal(recoverySummary(torn), 'unclean shutdown, validated 9.1 KiB in 1 segment; truncated 300 B from offset 41 (bad CRC at position 9000); rebuilt 2 indexes (12 ms)')
})
