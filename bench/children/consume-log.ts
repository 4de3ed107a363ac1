// Child of consume-rss.ts, so that the RSS measured is this process's alone. Mode 'idle' only loads
// the modules consuming needs (the static imports below) and reports its RSS: the baseline. Mode
// 'log' reads the whole log in argv[3] through log.read + forEachRecord (read-loop.ts). Mode
// 'client' consumes topic argv[4] of the Sluice data dir argv[3] through the consumer API
// (consume-client.ts). Peak RSS is the kernel's high-water mark of this program's memory (VmHWM in
// /proc/self/status), cross-checked by sampling process.memoryUsage().rss every 20 ms. Not
// process.resourceUsage().maxRSS: on Linux that survives exec and so counts the parent's RSS at the
// moment it forked this child (the benchmark parent holds over 1 GiB of buffers by then).
import { existsSync, readFileSync } from 'node:fs'
import { sendToParent } from '../child.ts'
import { consumeTopic } from '../consume-client.ts'
import { openLog } from '../fixtures.ts'
import { readWholeLog } from '../read-loop.ts'

const [mode, path, topic] = process.argv.slice(2)
let sampledPeakBytes = process.memoryUsage().rss
const sampler = setInterval(() => {
  sampledPeakBytes = Math.max(sampledPeakBytes, process.memoryUsage().rss)
}, 20)
const start = performance.now()
let records = 0
if (mode === 'log' && path !== undefined) {
  const log = await openLog(path, { flush: 'none' })
  records = (await readWholeLog(log, 1024 * 1024)).records
  await log.close()
} else if (mode === 'client' && path !== undefined && topic !== undefined) {
  records = await consumeTopic(path, topic)
} else if (mode === 'idle') {
  await new Promise((resolve) => setTimeout(resolve, 200)) // let the sampler and the GC run as they would
} else {
  throw new Error('usage: consume-log.ts idle | log <dir> | client <dataDir> <topic>')
}
const seconds = (performance.now() - start) / 1000
clearInterval(sampler)
sampledPeakBytes = Math.max(sampledPeakBytes, process.memoryUsage().rss)
sendToParent({ records, seconds, peakRssBytes: kernelPeakRssBytes() ?? sampledPeakBytes, sampledPeakBytes })

/** VmHWM (peak resident set of this program since exec), or null where /proc is absent. */
function kernelPeakRssBytes(): number | null {
  if (!existsSync('/proc/self/status')) return null
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
  return match === null ? null : Number(match[1]) * 1024
}
