// StreamsApp: a streams app bound to a Sluice, as `sluice.streams(name, options)` returns it. It
// is the DSL's App (record the topology first) plus the runtime: start() builds the topology,
// prepares topics and runs a StreamsRuntime instance; store(name) reads state by key (interactive
// queries); close() commits and leaves the group. Several processes running the same app name
// against the same cluster share its partitions through the consumer group.
import { rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SluiceError } from '../../base/errors.ts'
import type { Sluice } from '../../client/sluice.ts'
import { App } from '../dsl/app.ts'
import { durationOption } from '../dsl/graph-builder.ts'
import type { AppOptions } from '../dsl/types.ts'
import { InMemoryStoreProvider, LmdbEnvironment, type BytesStoreProvider } from '../state/index.ts'
import { appStateDir, defaultStateDir } from './app-resources.ts'
import { resolveErrorHandler } from './error-handler.ts'
import { StreamsRuntime, type RuntimeState } from './streams-runtime.ts'

/** A streams app on a Sluice: record its topology, then start it. */
export class StreamsApp extends App {
  readonly #sluice: Sluice
  #runtime: StreamsRuntime | undefined
  #provider: BytesStoreProvider | undefined
  #lmdbDir: string | undefined

  constructor(sluice: Sluice, name: string, options: AppOptions = {}) {
    super(name, options)
    this.#sluice = sluice
    resolveErrorHandler(options.onError)
    if (options.stateStore !== undefined && options.stateStore !== 'memory' && options.stateStore !== 'lmdb') {
      throw new SluiceError('INVALID_ARGUMENT', `stateStore must be 'memory' or 'lmdb', got ${String(options.stateStore)}`)
    }
  }

  /** 'created' until start(), then 'running'; 'error' after a fatal error (see `failure`), 'closed' after close(). */
  get state(): RuntimeState {
    return this.#runtime?.state ?? 'created'
  }

  /** Why the app stopped, when state is 'error'. */
  get failure(): unknown {
    return this.#runtime?.failure
  }

  /** Resolves when the app stops: closed, or failed (then `failure` says why). */
  get stopped(): Promise<void> {
    if (this.#runtime === undefined) throw new SluiceError('INVALID_ARGUMENT', 'the app has not started')
    return this.#runtime.stopped
  }

  /**
   * Builds the topology, creates internal topics, joins the app's group and starts processing.
   * @example await app.start()
   */
  async start(): Promise<void> {
    if (this.#runtime !== undefined) throw new SluiceError('INVALID_ARGUMENT', `streams app '${this.name}' was already started`)
    const topology = this.build()
    const options = this.options
    const guarantee = options.guarantee ?? 'at-least-once'
    const commitIntervalMs = options.commitInterval === undefined ? (guarantee === 'exactly-once' ? 100 : 1000) : durationOption('commitInterval', options.commitInterval)
    const idleTimeoutMs = options.idleTimeout === undefined ? 10_000 : durationOption('idleTimeout', options.idleTimeout)
    const sessionTimeoutMs = options.sessionTimeout === undefined ? 45_000 : durationOption('sessionTimeout', options.sessionTimeout)
    const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
    // LMDB keeps state off the heap; it is rebuilt from the changelogs at each start (a task may have
    // moved), so each instance has its own directory, removed when it closes.
    this.#lmdbDir = options.stateStore === 'lmdb' ? join(appStateDir(this.#stateDir(), this.name), instanceId) : undefined
    const provider = this.#lmdbDir !== undefined ? LmdbEnvironment.open({ path: this.#lmdbDir }) : new InMemoryStoreProvider()
    this.#provider = provider
    this.#runtime = new StreamsRuntime({
      sluice: this.#sluice, topology, guarantee, commitIntervalMs, idleTimeoutMs, onError: resolveErrorHandler(options.onError),
      storeProvider: provider, instanceId, sessionTimeoutMs, log: (message) => process.emitWarning(message, 'SluiceStreams'),
    })
    await this.#runtime.start()
  }

  #stateDir(): string {
    if (this.options.stateDir !== undefined) return this.options.stateDir
    return this.#sluice.isConnected ? defaultStateDir({ brokers: [] }) : defaultStateDir({ dataDir: this.#sluice.coordinator.dataDir })
  }

  /**
   * Reads a store by key: a table's row or an aggregate's result, or for a windowed aggregate the
   * key's open windows `[{ start, end, value }]`. Only tasks running in this process answer.
   * @example app.store<string, number>('page-counts').get('home')
   */
  store<K, V>(name: string): { get(key: K): V | undefined } {
    return { get: (key) => this.#running().query(name, key) as V | undefined }
  }

  /** Counters: processed, skipped, dead-lettered, dropped and late records, tasks, commits. */
  metrics(): ReturnType<StreamsRuntime['metrics']> {
    return this.#running().metrics()
  }

  /** Commits what was processed, leaves the group, releases local state. */
  async close(): Promise<void> {
    await this.#runtime?.close()
    await this.#provider?.close()
    if (this.#lmdbDir !== undefined) await rm(this.#lmdbDir, { recursive: true, force: true })
  }

  #running(): StreamsRuntime {
    if (this.#runtime === undefined) throw new SluiceError('INVALID_ARGUMENT', `streams app '${this.name}' has not started: call start() first`)
    return this.#runtime
  }
}
