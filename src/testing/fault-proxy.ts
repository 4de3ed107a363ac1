// Test kit: a TCP proxy between Kafka clients and a broker that loses answers on purpose. It reads
// Kafka's framing in both directions (requests: size, apiKey, apiVersion, correlationId; responses:
// size, correlationId), and when told to, swallows the response to the next requests of one API key
// and cuts the connection, as a network failure after the broker acted but before the client heard.
// That is what makes a client retry a produce the log already holds, so idempotence can be tested
// with real clients. Start the proxy first, then the broker with `advertisedPort: proxy.port`, so
// the clients' metadata sends every connection back through the proxy.
import { createServer, connect, type Server, type Socket } from 'node:net'

/** A running proxy. */
export interface FaultProxy {
  /** Port the proxy listens on (advertise this one). */
  port: number
  /** Where connections go; set before the first client connects. */
  targetPort: number
  /** Swallow the responses to the next `count` requests with `apiKey`, cutting each connection. */
  dropResponses(apiKey: number, count: number): void
  /** Responses swallowed so far. */
  readonly dropped: number
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1 and a free port. */
export async function startFaultProxy(): Promise<FaultProxy> {
  const sockets = new Set<Socket>()
  const toDrop = new Map<number, number>()
  let dropped = 0
  const proxy: FaultProxy = {
    port: 0,
    targetPort: 0,
    dropResponses(apiKey, count) {
      toDrop.set(apiKey, (toDrop.get(apiKey) ?? 0) + count)
    },
    get dropped() {
      return dropped
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer((client) => {
    const upstream = connect(proxy.targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    const cut = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', () => sockets.delete(client) && upstream.destroy())
    upstream.on('close', () => sockets.delete(upstream) && client.destroy())
    client.on('error', cut)
    upstream.on('error', cut)
    // Correlation ids of requests whose response is to be swallowed.
    const doomed = new Set<number>()
    splitFrames(client, (frame) => {
      const apiKey = frame.readInt16BE(4)
      const pending = toDrop.get(apiKey) ?? 0
      if (pending > 0) {
        toDrop.set(apiKey, pending - 1)
        doomed.add(frame.readInt32BE(8))
      }
      upstream.write(frame)
    })
    splitFrames(upstream, (frame) => {
      if (doomed.has(frame.readInt32BE(4))) {
        dropped++
        cut()
        return
      }
      client.write(frame)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  proxy.port = typeof address === 'object' && address !== null ? address.port : 0
  return proxy
}

/** Calls `onFrame` with each whole size-prefixed frame (size included) read from `socket`. */
function splitFrames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const end = 4 + pending.readInt32BE(0)
      if (pending.length < end) break
      onFrame(pending.subarray(0, end))
      pending = pending.subarray(end)
    }
  })
}
