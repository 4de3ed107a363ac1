// A tiny RESP2 client over node:net, for the Redis compatibility test and the HyperLogLog benchmark
// only: commands go out as arrays of bulk strings, replies come back in order (pipelining works:
// send several, await them all). No reconnects, no pub/sub. Not for production use.
import { connect, type Socket } from 'node:net'

/** A decoded RESP2 reply: simple and bulk strings come back as Buffers, errors as Error values. */
export type RespValue = Buffer | number | null | Error | RespValue[]

/** Where the tests and benchmarks look for Redis: REDIS_URL-free, just host and port. */
export const REDIS_ADDRESS = { host: process.env['REDIS_HOST'] ?? '127.0.0.1', port: Number(process.env['REDIS_PORT'] ?? 6379) }

/** One connection to Redis, answering commands in order. */
export class RespConnection {
  readonly #socket: Socket
  readonly #waiting: { resolve: (value: RespValue) => void; reject: (error: Error) => void }[] = []
  #input: Buffer = Buffer.alloc(0)
  #failure: Error | null = null

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk])
      this.#drain()
    })
    const fail = (error: Error): void => {
      this.#failure = error
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error)
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('Redis connection closed')))
  }

  /** Connects, or resolves null (with the reason) when nothing answers within `timeoutMs`. */
  static async open(host = REDIS_ADDRESS.host, port = REDIS_ADDRESS.port, timeoutMs = 1000): Promise<{ connection: RespConnection } | { reason: string }> {
    return new Promise((resolve) => {
      const socket = connect({ host, port })
      const timer = setTimeout(() => {
        socket.destroy()
        resolve({ reason: `no answer from ${host}:${port} within ${timeoutMs} ms` })
      }, timeoutMs)
      socket.once('error', (error) => {
        clearTimeout(timer)
        resolve({ reason: `cannot connect to ${host}:${port}: ${error.message}` })
      })
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        socket.setNoDelay(true)
        resolve({ connection: new RespConnection(socket) })
      })
    })
  }

  /** Sends one command; resolves with its reply (a Redis error reply resolves as an Error value). */
  command(...args: (string | Uint8Array | number)[]): Promise<RespValue> {
    if (this.#failure !== null) return Promise.reject(this.#failure)
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
    for (const arg of args) {
      const bytes = typeof arg === 'string' || typeof arg === 'number' ? Buffer.from(String(arg), 'utf8') : Buffer.from(arg)
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'))
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
      this.#socket.write(Buffer.concat(parts))
    })
  }

  /** Like command(), but rejects on a Redis error reply. */
  async ok(...args: (string | Uint8Array | number)[]): Promise<RespValue> {
    const reply = await this.command(...args)
    if (reply instanceof Error) throw reply
    return reply
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.end()
    this.#socket.destroy()
  }

  #drain(): void {
    for (;;) {
      const parsed = parse(this.#input, 0)
      if (parsed === null) return
      this.#input = this.#input.subarray(parsed.end)
      this.#waiting.shift()?.resolve(parsed.value)
    }
  }
}

/** Parses one reply at `start`, or returns null when the buffer holds only part of it. */
function parse(input: Buffer, start: number): { value: RespValue; end: number } | null {
  const lineEnd = input.indexOf('\r\n', start)
  if (lineEnd < 0) return null
  const type = String.fromCharCode(input[start]!)
  const line = input.toString('latin1', start + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case '+':
      return { value: Buffer.from(line, 'latin1'), end: next }
    case '-':
      return { value: new Error(line), end: next }
    case ':':
      return { value: Number(line), end: next }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, end: next }
      if (input.length < next + length + 2) return null
      return { value: Buffer.from(input.subarray(next, next + length)), end: next + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items: RespValue[] = []
      let position = next
      for (let i = 0; i < count; i++) {
        const item = parse(input, position)
        if (item === null) return null
        items.push(item.value)
        position = item.end
      }
      return { value: items, end: position }
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`)
  }
}
