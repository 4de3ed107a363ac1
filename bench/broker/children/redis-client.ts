// Child of the broker benchmark: drives Redis Streams with ioredis in its own process. Runs the
// phases given as JSON in argv[3] against Redis at argv[2] (host:port) and prints one JSON message
// per phase (phases.ts). Produce is pipelined XADD (one field `f` holding the 100-byte value, id
// `*`); consume walks the stream with XREAD COUNT <batch> from id 0; latency offers pipelined XADDs.
import { Redis } from 'ioredis'
import { sendToParent } from '../../child.ts'
import { pacedLoad } from '../paced-load.ts'
import { RECORD_BYTES, recordPool } from '../records.ts'
import { parsePhases, type ConsumePhase, type LatencyPhase, type ProducePhase, type ThroughputMessage } from './phases.ts'

const [address, phasesArg] = process.argv.slice(2)
if (address === undefined) throw new Error('usage: redis-client.ts <host:port> <phases as JSON>')
const phases = parsePhases(phasesArg)
const pool = recordPool()
const [host, port] = address.split(':')
const redis = new Redis({ host: host as string, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false })

async function xadds(key: string, from: number, count: number): Promise<void> {
  const pipeline = redis.pipeline()
  for (let i = 0; i < count; i++) pipeline.xadd(key, '*', 'f', pool[(from + i) % pool.length] as Buffer)
  const results = await pipeline.exec()
  // exec resolves with [error, reply] per command rather than rejecting.
  const failed = results?.find(([error]) => error !== null)
  if (results === null || failed !== undefined) throw new Error(`XADD failed: ${failed?.[0]?.message ?? 'pipeline aborted'}`)
}

async function produce(phase: ProducePhase): Promise<ThroughputMessage> {
  let next = 0
  const startMs = performance.now()
  const sender = async (): Promise<void> => {
    while (next < phase.records) {
      const from = next
      const count = Math.min(phase.batch, phase.records - from)
      next += count
      await xadds(phase.target, from, count)
    }
  }
  await Promise.all(Array.from({ length: phase.inFlight }, sender))
  const seconds = (performance.now() - startMs) / 1000
  return { op: 'produce', records: phase.records, bytes: phase.records * RECORD_BYTES, seconds }
}

async function consume(phase: ConsumePhase): Promise<ThroughputMessage> {
  let lastId = '0'
  let records = 0
  let bytes = 0
  const startMs = performance.now()
  while (records < phase.records) {
    // Reply: [[key, [[id, [field, value]], …]]]; the Buffer variant skips decoding values to strings.
    const reply = await redis.xreadBuffer('COUNT', Math.min(phase.batch, phase.records - records), 'STREAMS', phase.target, lastId)
    const entries = reply?.[0]?.[1]
    if (entries === undefined || entries.length === 0) throw new Error(`stream ${phase.target} ended after ${records} of ${phase.records} entries`)
    for (const [, fields] of entries) bytes += (fields[1] as Buffer).length
    records += entries.length
    lastId = (entries[entries.length - 1] as [Buffer, Buffer[]])[0].toString()
  }
  const seconds = (performance.now() - startMs) / 1000
  return { op: 'consume', records, bytes, seconds }
}

async function latency(phase: LatencyPhase): Promise<Record<string, unknown>> {
  const send = (from: number, count: number): Promise<void> => xadds(phase.target, from, count)
  await pacedLoad(phase.ratePerSecond, phase.warmupSeconds, send)
  return { op: 'latency', ...(await pacedLoad(phase.ratePerSecond, phase.seconds, send)) }
}

await redis.connect()
try {
  for (const phase of phases) {
    if (phase.op === 'produce') sendToParent({ ...(await produce(phase)) })
    else if (phase.op === 'consume') sendToParent({ ...(await consume(phase)) })
    else sendToParent(await latency(phase))
  }
} finally {
  redis.disconnect()
}
