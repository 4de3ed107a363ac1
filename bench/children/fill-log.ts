// Child of big-log.ts: appends batches of 1,000 records (100-byte values) to a PartitionLog in
// argv[2] with flush 'interval' until it holds argv[3] bytes, reports that on stdout, and goes on
// appending until the parent kills it with SIGKILL, so the kill lands mid-write like a real crash.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { RECORDS_PER_BATCH, openLog, prebuiltBatches } from '../fixtures.ts'
import { sendToParent } from '../child.ts'

const [dir, targetArg] = process.argv.slice(2)
if (dir === undefined || targetArg === undefined) throw new Error('usage: fill-log.ts <dir> <bytes>')
const targetBytes = Number(targetArg)
// 100 distinct batches, appended round-robin; each append gets a fresh copy (offsets are patched in place).
const batches = prebuiltBatches(100)
const log = await openLog(dir, { flush: 'interval', flushIntervalMs: 1000 })
let appendedBytes = 0
let records = 0
for (let i = 0; ; i++) {
  const batch = batches[i % batches.length] as Buffer
  await log.append(Buffer.from(batch))
  appendedBytes += batch.length
  records += RECORDS_PER_BATCH
  // Appends under flush 'interval' resolve without I/O; yield now and then so the flush and
  // checkpoint timers run as they would between a real producer's requests.
  if (i % 16 === 15) await yieldToEventLoop()
  if (appendedBytes >= targetBytes && appendedBytes - batch.length < targetBytes) sendToParent({ records, bytes: appendedBytes })
}
