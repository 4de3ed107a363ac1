// Test support for the group and offset tests (imported only by *.test.ts files): the partitions of
// __consumer_offsets as real PartitionLogs on a MemoryFs, an OffsetStore over them and a
// GroupCoordinator on a ManualClock; reopening them over the same (or a crashed) file system shows
// what survives a restart. Also `settle`, which lets promise callbacks run after a ManualClock
// advance fired timers synchronously.
import type { Clock } from '../../base/clock.ts'
import { PartitionLog } from '../../storage/partition-log.ts'
import type { LogConfig } from '../../storage/log-config.ts'
import { ManualClock } from '../../testing/manual-clock.ts'
import { MemoryFs } from '../../testing/memory-fs.ts'
import { OffsetStore } from '../offsets/offset-store.ts'
import { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator.ts'

/** __consumer_offsets as its Coordinator configures it: compacted, and acknowledged once fsynced. */
const OFFSETS_LOG_CONFIG: Partial<LogConfig> = { cleanupPolicy: 'compact', flush: 'always' }

/** The partitions of __consumer_offsets on a MemoryFs. */
export class TestOffsetsLogs {
  readonly fs: MemoryFs
  readonly partitionCount: number
  logs: PartitionLog[] = []

  constructor(partitionCount = 3, fs = new MemoryFs()) {
    this.partitionCount = partitionCount
    this.fs = fs
  }

  /** Opens (or reopens) the logs and an OffsetStore that loads them. */
  async openStore(clock: Clock): Promise<OffsetStore> {
    await this.close()
    this.logs = []
    if (!(await this.fs.exists('/data'))) {
      // The data dir exists (durably) before the Coordinator creates topics in it.
      await this.fs.mkdir('/data')
      await this.fs.fsyncDir('/')
    }
    for (let p = 0; p < this.partitionCount; p++) {
      this.logs.push(await PartitionLog.open({ fs: this.fs, dir: `/data/__consumer_offsets-${p}`, clock, config: OFFSETS_LOG_CONFIG }))
    }
    return OffsetStore.open({ logs: this.logs, clock })
  }

  /** The same partitions on what the disk holds after a power loss (unsynced writes dropped). */
  crashed(): TestOffsetsLogs {
    return new TestOffsetsLogs(this.partitionCount, this.fs.crash({ mode: 'drop-unsynced' }))
  }

  async close(): Promise<void> {
    for (const log of this.logs) await log.close()
  }
}

/** A coordinator on a ManualClock over __consumer_offsets logs. */
export interface TestGroups {
  clock: ManualClock
  logs: TestOffsetsLogs
  store: OffsetStore
  groups: GroupCoordinator
  /** Closes the coordinator and the logs (after which the clock holds no timer of theirs). */
  close(): Promise<void>
}

/** Opens a GroupCoordinator for tests (initial delay 0 unless given, min session timeout 1 s). */
export async function openTestGroups(
  options: Partial<Omit<GroupCoordinatorOptions, 'clock' | 'offsets'>> = {},
  existing?: { clock: ManualClock; logs: TestOffsetsLogs },
): Promise<TestGroups> {
  const clock = existing?.clock ?? new ManualClock()
  const logs = existing?.logs ?? new TestOffsetsLogs()
  const store = await logs.openStore(clock)
  let next = 0
  const groups = new GroupCoordinator({
    clock,
    offsets: store,
    initialRebalanceDelayMs: 0,
    minSessionTimeoutMs: 1000,
    newMemberId: (clientId) => `${clientId}-${String(next++).padStart(4, '0')}`,
    ...options,
  })
  return {
    clock, logs, store, groups,
    close: async () => {
      await groups.close()
      await logs.close()
    },
  }
}

/** Lets pending promise callbacks (and what they trigger, such as MemoryFs fsyncs) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
