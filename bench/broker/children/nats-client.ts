// Child of the broker benchmark: drives NATS JetStream with the `nats` client in its own process.
// Runs the phases given as JSON in argv[3] against NATS at argv[2] (host:port) and prints one JSON
// message per phase (phases.ts). A phase's target names a stream (file storage, one replica,
// subject `<target>.data`), created by the first phase that needs it; the parent deletes it.
// Produce is async JetStream publish (each acknowledged by the server's PubAck, sent once the
// stream stored the message) with `inFlight` x `batch` publishes outstanding; consume is a pull consumer
// without acks (as a Kafka consumer, which acks nothing per record) fetched `batch` at a time.
import { AckPolicy, DeliverPolicy, StorageType, connect, createInbox, type JetStreamClient, type JetStreamManager } from 'nats'
import { sendToParent } from '../../child.ts'
import { pacedLoad } from '../paced-load.ts'
import { RECORD_BYTES, recordPool } from '../records.ts'
import { parsePhases, type ConsumePhase, type LatencyPhase, type ProducePhase, type ThroughputMessage } from './phases.ts'

const [address, phasesArg] = process.argv.slice(2)
if (address === undefined) throw new Error('usage: nats-client.ts <host:port> <phases as JSON>')
const phases = parsePhases(phasesArg)
const pool = recordPool()
const nc = await connect({ servers: address, maxReconnectAttempts: 0 })
const jsm: JetStreamManager = await nc.jetstreamManager()
const js: JetStreamClient = nc.jetstream()
const ready = new Set<string>()

async function ensureStream(name: string): Promise<string> {
  const subject = `${name}.data`
  if (!ready.has(name)) {
    await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File, num_replicas: 1 })
    ready.add(name)
  }
  return subject
}

// JetStream's asynchronous publish, as natscli's `nats bench --js` does it (Go's PublishAsync):
// a core publish with a reply subject, the stream's PubAck arriving on one wildcard subscription.
// js.publish() would do a request per message, with its own inbox subscription and timer each,
// which here caps the client at ~20 k messages/s, far below what the server takes. The reply
// subject carries the number of the send (one call of publishAll) the message belongs to.
const inbox = createInbox()
const pending = new Map<number, { remaining: number; resolve: () => void; reject: (error: Error) => void }>()
let sends = 0
nc.subscribe(`${inbox}.*`, {
  callback: (error, message) => {
    const id = Number(message.subject.slice(inbox.length + 1))
    const waiter = pending.get(id)
    if (waiter === undefined) return
    // A PubAck is `{"stream":…,"seq":…}`; anything else (`{"error":…}`) is a refusal.
    if (error !== null || message.data[2] !== 0x73) {
      pending.delete(id)
      waiter.reject(new Error(`publish refused: ${error?.message ?? new TextDecoder().decode(message.data)}`))
    } else if (--waiter.remaining === 0) {
      pending.delete(id)
      waiter.resolve()
    }
  },
})

// `count` publishes at once; resolves when every PubAck is in.
function publishAll(subject: string, from: number, count: number): Promise<void> {
  const id = sends++
  const reply = `${inbox}.${id}`
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { remaining: count, resolve, reject })
    for (let i = 0; i < count; i++) nc.publish(subject, pool[(from + i) % pool.length] as Buffer, { reply })
  })
}

async function produce(phase: ProducePhase): Promise<ThroughputMessage> {
  const subject = await ensureStream(phase.target)
  let next = 0
  const startMs = performance.now()
  const sender = async (): Promise<void> => {
    while (next < phase.records) {
      const from = next
      const count = Math.min(phase.batch, phase.records - from)
      next += count
      await publishAll(subject, from, count)
    }
  }
  await Promise.all(Array.from({ length: phase.inFlight }, sender))
  const seconds = (performance.now() - startMs) / 1000
  return { op: 'produce', records: phase.records, bytes: phase.records * RECORD_BYTES, seconds }
}

async function consume(phase: ConsumePhase): Promise<ThroughputMessage> {
  await ensureStream(phase.target)
  const name = 'bench-reader'
  await jsm.consumers.add(phase.target, { durable_name: name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All })
  const consumer = await js.consumers.get(phase.target, name)
  let records = 0
  let bytes = 0
  const startMs = performance.now()
  while (records < phase.records) {
    const batch = await consumer.fetch({ max_messages: Math.min(phase.batch, phase.records - records), expires: 2000 })
    let got = 0
    for await (const message of batch) {
      bytes += message.data.length
      got++
    }
    if (got === 0) throw new Error(`stream ${phase.target} ended after ${records} of ${phase.records} messages`)
    records += got
  }
  const seconds = (performance.now() - startMs) / 1000
  await jsm.consumers.delete(phase.target, name)
  return { op: 'consume', records, bytes, seconds }
}

async function latency(phase: LatencyPhase): Promise<Record<string, unknown>> {
  const subject = await ensureStream(phase.target)
  const send = (from: number, count: number): Promise<void> => publishAll(subject, from, count)
  await pacedLoad(phase.ratePerSecond, phase.warmupSeconds, send)
  return { op: 'latency', ...(await pacedLoad(phase.ratePerSecond, phase.seconds, send)) }
}

try {
  for (const phase of phases) {
    if (phase.op === 'produce') sendToParent({ ...(await produce(phase)) })
    else if (phase.op === 'consume') sendToParent({ ...(await consume(phase)) })
    else sendToParent(await latency(phase))
  }
} finally {
  await nc.close()
}
