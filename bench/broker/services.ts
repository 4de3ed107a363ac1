// The comparison systems as the parent sees them: is Redis (6379) or NATS with JetStream (4222) on
// this machine, how long is a stream, and removing what the benchmark made. The measuring is done
// by the children and redis-benchmark; this file only administers. Every stream and key the run
// makes is named here (with the run's pid), so the clean-up in `finally` can remove exactly those,
// and a later run can remove those of a run that was interrupted (its pid no longer exists).
import { Redis } from 'ioredis'
import { connect, type NatsConnection } from 'nats'
import { probePort } from './processes.ts'

/** Where a comparison system listens. */
export interface Endpoint {
  host: string
  port: number
  /** host:port */
  address: string
}

export const REDIS: Endpoint = { host: '127.0.0.1', port: 6379, address: '127.0.0.1:6379' }
export const NATS: Endpoint = { host: '127.0.0.1', port: 4222, address: '127.0.0.1:4222' }

const PREFIX = 'sluice-bench-'

/** A name for a key or stream of this run (NATS stream names allow letters, digits, `-` and `_`). */
export function runName(label: string): string {
  return `${PREFIX}${process.pid}-${label}`
}

// Whether `name` belongs to a run whose process is gone (one interrupted before its clean-up ran).
// Another run going on at the same time on this machine keeps its data: its pid is alive.
function isLeftover(name: string): boolean {
  if (!name.startsWith(PREFIX)) return false
  const pid = Number(name.slice(PREFIX.length).split('-')[0])
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (someone else's): not ours to clean.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Redis admin: reachability, XLEN, DEL of this run's keys. */
export class RedisAdmin {
  readonly #redis: Redis
  readonly #keys = new Set<string>()

  /** Version and persistence, for the log: Redis acks XADD before any disk write unless AOF is on with appendfsync always. */
  readonly description: string

  private constructor(redis: Redis, description: string) {
    this.#redis = redis
    this.description = description
  }

  /** Connects, or returns the reason Redis cannot be used. */
  static async open(): Promise<RedisAdmin | string> {
    const unreachable = await probePort(REDIS.host, REDIS.port)
    if (unreachable !== null) return unreachable
    const redis = new Redis({ host: REDIS.host, port: REDIS.port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false })
    try {
      await redis.connect()
      const info = await redis.info('server')
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?'
      if (Number(version.split('.')[0]) < 5) {
        redis.disconnect()
        return `Redis ${version} has no streams (5.0+)`
      }
      const isAof = /aof_enabled:1/.test(await redis.info('persistence'))
      return new RedisAdmin(redis, `Redis ${version} at ${REDIS.address}, append-only file ${isAof ? 'on' : 'off'}`)
    } catch (error) {
      redis.disconnect()
      return `Redis at ${REDIS.address}: ${error instanceof Error ? error.message : String(error)}`
    }
  }

  /** Deletes the keys of earlier runs that were interrupted (Ctrl-C exits before the async clean-up); returns how many. */
  async removeLeftovers(): Promise<number> {
    const stale: string[] = []
    for (let cursor = '0'; ;) {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000)
      stale.push(...keys.filter(isLeftover))
      cursor = next
      if (cursor === '0') break
    }
    if (stale.length > 0) await this.#redis.del(...stale)
    return stale.length
  }

  /** Remembers `key` for removal and removes any leftover of that name. */
  async claim(key: string): Promise<string> {
    this.#keys.add(key)
    await this.#redis.del(key)
    return key
  }

  async length(key: string): Promise<number> {
    return this.#redis.xlen(key)
  }

  /** Deletes `key` now (Redis holds streams in memory: one 2 M-entry stream is ~250 MB). */
  async drop(key: string): Promise<void> {
    await this.#redis.del(key)
    this.#keys.delete(key)
  }

  /** Deletes every key claimed and not yet dropped, and disconnects. */
  async close(): Promise<void> {
    try {
      if (this.#keys.size > 0) await this.#redis.del(...this.#keys)
      this.#keys.clear()
    } finally {
      this.#redis.disconnect()
    }
  }
}

/** NATS admin: JetStream present, stream deletion. */
export class NatsAdmin {
  readonly #nc: NatsConnection
  readonly #streams = new Set<string>()

  /** Server version, for the log. */
  readonly description: string

  private constructor(nc: NatsConnection) {
    this.#nc = nc
    this.description = `NATS ${nc.info?.version ?? '?'} at ${NATS.address}, JetStream file storage`
  }

  /** Connects and checks JetStream, or returns the reason NATS JetStream cannot be used. */
  static async open(): Promise<NatsAdmin | string> {
    const unreachable = await probePort(NATS.host, NATS.port)
    if (unreachable !== null) return unreachable
    let nc: NatsConnection
    try {
      nc = await connect({ servers: NATS.address, maxReconnectAttempts: 0, timeout: 2000 })
    } catch (error) {
      return `NATS at ${NATS.address}: ${error instanceof Error ? error.message : String(error)}`
    }
    try {
      const jsm = await nc.jetstreamManager()
      const info = await jsm.getAccountInfo()
      if (info.limits.max_storage === 0) return `NATS at ${NATS.address}: JetStream has no file storage`
      return new NatsAdmin(nc)
    } catch (error) {
      await nc.close()
      return `NATS at ${NATS.address} without JetStream (${error instanceof Error ? error.message : String(error)})`
    }
  }

  /** Deletes the streams of earlier runs that were interrupted; returns how many. */
  async removeLeftovers(): Promise<number> {
    const jsm = await this.#nc.jetstreamManager()
    const stale: string[] = []
    for await (const stream of jsm.streams.list()) if (isLeftover(stream.config.name)) stale.push(stream.config.name)
    for (const name of stale) await this.#delete(name)
    return stale.length
  }

  /** Remembers stream `name` for removal and removes any leftover of that name. */
  async claim(name: string): Promise<string> {
    this.#streams.add(name)
    await this.#delete(name)
    return name
  }

  /** Deletes stream `name` now (its files under the server's store dir go with it). */
  async drop(name: string): Promise<void> {
    await this.#delete(name)
    this.#streams.delete(name)
  }

  async #delete(name: string): Promise<void> {
    const jsm = await this.#nc.jetstreamManager()
    try {
      await jsm.streams.delete(name)
    } catch (error) {
      // "stream not found" is the normal answer for a name never created; anything else is real.
      if (!(error instanceof Error && /not found/i.test(error.message))) throw error
    }
  }

  /** Deletes every stream claimed and not yet dropped, and closes the connection. */
  async close(): Promise<void> {
    try {
      for (const name of [...this.#streams]) await this.drop(name)
    } finally {
      await this.#nc.close()
    }
  }
}
