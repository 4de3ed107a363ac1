// The phases a client child runs, in the order given on its command line (one JSON array), and the
// message it sends back after each. One child per system runs several phases, so the Node and
// client start-up (about a second under tsx) is paid once, not per measurement.

/** Produce `records` records as fast as the client goes, keeping `inFlight` sends of `batch` records outstanding. */
export interface ProducePhase {
  op: 'produce'
  /** Topic, stream key or subject. */
  target: string
  records: number
  batch: number
  inFlight: number
}

/** Read `records` records from the start of `target`, `batch` per request where the client lets us say. */
export interface ConsumePhase {
  op: 'consume'
  target: string
  records: number
  batch: number
}

/** Offer `ratePerSecond` for `seconds` after `warmupSeconds` unmeasured, and report per-record send-to-ack latency. */
export interface LatencyPhase {
  op: 'latency'
  target: string
  ratePerSecond: number
  seconds: number
  warmupSeconds: number
}

export type Phase = ProducePhase | ConsumePhase | LatencyPhase

/** What a child sends after a produce or consume phase. */
export interface ThroughputMessage {
  op: 'produce' | 'consume'
  records: number
  bytes: number
  seconds: number
}

/** Parses the phases argument of a client child. */
export function parsePhases(text: string | undefined): Phase[] {
  if (text === undefined) throw new Error('usage: <client-child>.ts <address> <phases as JSON>')
  const phases = JSON.parse(text) as Phase[]
  if (!Array.isArray(phases)) throw new Error('phases must be a JSON array')
  return phases
}
