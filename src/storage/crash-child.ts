// Child process of partition-log.crash.test.ts (not a test itself): opens the log in argv[2] on the
// real file system with flush=always and appends forever, several appends in flight, printing
// `ack <baseOffset> <lastOffset>` for each acknowledged append. Record values are `r<offset>`: the
// child numbers records from the log end offset in call order, which is the order offsets are
// assigned, so the parent can check every record after the kill without knowing what was written.
import { Random } from '../base/random.ts'
import { systemClock } from '../base/clock.ts'
import { buildRecordBatch } from '../protocol/records/record-batch-builder.ts'
import { NodeFs } from './fs.ts'
import { PartitionLog } from './partition-log.ts'

const dir = process.argv[2]
const random = new Random(Number(process.argv[3] ?? 1))
if (dir === undefined) throw new Error('usage: crash-child.ts <log dir> <seed>')

const log = await PartitionLog.open({
  fs: new NodeFs(),
  dir,
  clock: systemClock,
  config: { flush: 'always', segmentBytes: 32 * 1024, indexIntervalBytes: 512, checkpointIntervalMs: 50 },
})
let nextId = log.logEndOffset
process.stdout.write(`open ${nextId}\n`)

function nextBatch(): Buffer {
  const count = random.int(1, 20)
  const records = Array.from({ length: count }, () => ({ key: null, value: Buffer.from(`r${nextId++}`) }))
  return buildRecordBatch(records, { timestamp: systemClock.now() })
}

async function appender(): Promise<void> {
  for (;;) {
    // Sometimes two batches in one append: they must land contiguously too.
    const batches = random.chance(0.2) ? Buffer.concat([nextBatch(), nextBatch()]) : nextBatch()
    const result = await log.append(batches)
    process.stdout.write(`ack ${result.baseOffset} ${result.lastOffset}\n`)
  }
}

await Promise.all([appender(), appender(), appender(), appender()])
