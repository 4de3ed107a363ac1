// Child of the broker benchmark: drives a Kafka-protocol broker (the Sluice broker child) with
// @platformatic/kafka, in its own process so the generator and the broker never share an event
// loop. Runs the phases given as JSON in argv[3] against the broker at argv[2] and prints one
// JSON message per phase (phases.ts). Produce uses acks=1, no idempotence, no compression.
import { Consumer, ProduceAcks, Producer, type MessageToProduce } from '@platformatic/kafka'
import { sendToParent } from '../../child.ts'
import { pacedLoad } from '../paced-load.ts'
import { RECORD_BYTES, recordPool } from '../records.ts'
import { parsePhases, type ConsumePhase, type LatencyPhase, type ProducePhase, type ThroughputMessage } from './phases.ts'

const [address, phasesArg] = process.argv.slice(2)
if (address === undefined) throw new Error('usage: kafka-client.ts <host:port> <phases as JSON>')
const phases = parsePhases(phasesArg)
const pool = recordPool()

function messages(topic: string, from: number, count: number): MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] {
  const out: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = new Array(count)
  for (let i = 0; i < count; i++) out[i] = { topic, value: pool[(from + i) % pool.length] as Buffer }
  return out
}

function newProducer(): Producer {
  return new Producer({ clientId: 'sluice-bench-producer', bootstrapBrokers: [address as string], acks: ProduceAcks.LEADER, idempotent: false, autocreateTopics: true })
}

async function produce(phase: ProducePhase): Promise<ThroughputMessage> {
  const producer = newProducer()
  try {
    // One small send first: metadata and the connection are set up outside the timed region.
    await producer.send({ messages: messages(phase.target, 0, 1) })
    let next = 1
    const startMs = performance.now()
    // `inFlight` senders, each awaiting its own send before the next: that many requests outstanding.
    const sender = async (): Promise<void> => {
      while (next < phase.records) {
        const from = next
        const count = Math.min(phase.batch, phase.records - from)
        next += count
        await producer.send({ messages: messages(phase.target, from, count) })
      }
    }
    await Promise.all(Array.from({ length: phase.inFlight }, sender))
    const seconds = (performance.now() - startMs) / 1000
    return { op: 'produce', records: phase.records - 1, bytes: (phase.records - 1) * RECORD_BYTES, seconds }
  } finally {
    await producer.close()
  }
}

async function consume(phase: ConsumePhase): Promise<ThroughputMessage> {
  // maxBytes 1 MiB: this client's time to take in one Fetch response grows faster than its size
  // (measured here: 0.1 s for 1 MiB, 0.7 s for 10 MiB, 10 s of client CPU for 64 MiB, with the
  // broker busy ~0.1 s), so small responses are its fastest setting; 256 KiB to 4 MiB all give
  // the same ~200 k records/s, bound by the client's per-record decoding.
  const consumer = new Consumer({
    clientId: 'sluice-bench-consumer', groupId: `sluice-bench-${process.pid}-${phase.target}`, bootstrapBrokers: [address as string],
    autocommit: false, maxBytes: 1024 * 1024, maxWaitTime: 100, highWaterMark: phase.batch,
  })
  try {
    const stream = await consumer.consume({ topics: [phase.target], mode: 'earliest', autocommit: false })
    // Timed from the first record, so the group join (FindCoordinator, JoinGroup, SyncGroup) is not.
    let startMs = 0
    let records = 0
    let bytes = 0
    for await (const message of stream) {
      if (records === 0) startMs = performance.now()
      records++
      bytes += message.value?.length ?? 0
      if (records === phase.records) break
    }
    const seconds = (performance.now() - startMs) / 1000
    await stream.close()
    // The first record started the clock, so records - 1 arrived in the timed region.
    return { op: 'consume', records: records - 1, bytes: bytes - RECORD_BYTES, seconds }
  } finally {
    await consumer.close(true)
  }
}

async function latency(phase: LatencyPhase): Promise<Record<string, unknown>> {
  const producer = newProducer()
  try {
    await producer.send({ messages: messages(phase.target, 0, 1) })
    const send = async (from: number, count: number): Promise<void> => {
      await producer.send({ messages: messages(phase.target, from, count) })
    }
    await pacedLoad(phase.ratePerSecond, phase.warmupSeconds, send)
    return { op: 'latency', ...(await pacedLoad(phase.ratePerSecond, phase.seconds, send)) }
  } finally {
    await producer.close()
  }
}

for (const phase of phases) {
  if (phase.op === 'produce') sendToParent({ ...(await produce(phase)) })
  else if (phase.op === 'consume') sendToParent({ ...(await consume(phase)) })
  else sendToParent(await latency(phase))
}
