// Child process of limits.test.ts (not a test itself): a broker of its own, so the memory the test
// measures is the broker's alone. Opens a Coordinator over a temp data dir (argv[2]), serves it on
// 127.0.0.1 and a free port, prints `{"port":…}` as one JSON line, then answers each `measure` line
// on stdin with `{"rssBytes":…,"heapUsedBytes":…,"connections":…}` after a full GC (run it with
// --expose-gc). Exits when stdin closes.
import { createInterface } from 'node:readline'
import { Coordinator } from '../coordinator/coordinator.ts'
import { startBroker } from './listener.ts'

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: limits-child.ts <data dir>')
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('limits-child.ts needs --expose-gc')

const coordinator = await Coordinator.open({ dataDir })
const broker = await startBroker({ coordinator, host: '127.0.0.1', port: 0 })
process.stdout.write(`${JSON.stringify({ port: broker.port })}\n`)

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() !== 'measure') return
  gc()
  const usage = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, connections: broker.connectionCount })}\n`)
})
lines.on('close', () => {
  broker.close().then(() => coordinator.close()).then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`limits-child: shutdown failed: ${String(error)}\n`)
    process.exit(1)
  })
})
