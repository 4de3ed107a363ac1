// What every command receives: the global options (data dir or brokers, output format), the
// process's streams and environment, a clock, and a signal that fires on SIGINT/SIGTERM. This file
// alone decides how the CLI reaches Sluice: the global options are declared and read here, and
// `openClient` opens the client — an embedded data dir (--data-dir), or with --brokers /
// SLUICE_BROKERS a Kafka-protocol cluster over the network (Sluice.connect). Commands reach the
// client only through openClient/withClient, so each works against either.
import type { Readable } from 'node:stream'
import { Option } from 'commander'
import type { Command } from 'commander'
import type { Clock } from '../base/clock.ts'
import { SluiceError } from '../base/errors.ts'
import { Sluice, type RecoveryReport } from '../client/sluice.ts'

export type { RecoveryReport }

/** Output formats of every command. */
export type OutputFormat = 'text' | 'json'

/** The options the `sluice` program takes before or after any command. */
export interface GlobalOptions {
  dataDir: string
  /** Bootstrap brokers ('host:port'): when given, commands talk to that cluster instead of the data dir. */
  brokers?: string[]
  format: OutputFormat
}

/** A running Kafka-protocol listener, as `sluice start` sees it. */
export interface Listening {
  host: string
  port: number
  close(): Promise<void>
}

/**
 * Serves a Sluice's log over Kafka's protocol. The CLI may not import the broker (DESIGN.md: only
 * main.ts wires it), so main.ts hands this in; without it `sluice start` runs with no listener.
 */
export type Serve = (sluice: Sluice, options: { host: string; port: number; advertisedHost?: string; onWarning: (message: string) => void }) => Promise<Listening>

/** The process around a command: streams, environment, time, and the stop signal. */
export interface CliEnvironment {
  /** Starts the Kafka listener for `sluice start` (wired by main.ts). */
  serve?: Serve
  stdin: Readable
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  clock: Clock
  /** Aborted on SIGINT or SIGTERM: long-running commands stop cleanly when it fires. */
  stopSignal: AbortSignal
}

/** A command's view of the world: its global options plus the process environment. */
export interface CliContext extends CliEnvironment {
  options: GlobalOptions
}

/** Default data directory when neither --data-dir nor SLUICE_DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = './sluice-data'

/** Declares the global options on the program (SLUICE_* environment variables as their fallbacks). */
export function addGlobalOptions(program: Command): void {
  program
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded log').env('SLUICE_DATA_DIR').default(DEFAULT_DATA_DIR))
    .addOption(new Option('--brokers <list>', 'talk to a Kafka-protocol cluster instead: bootstrap brokers, host:port[,host:port…]').env('SLUICE_BROKERS'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
}

/** Reads the global options from a command (commander merges the program's options in). */
export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<{ dataDir?: string; brokers?: string; format?: string }>()
  const format = opts.format ?? 'text'
  if (format !== 'text' && format !== 'json') {
    throw new SluiceError('INVALID_ARGUMENT', `invalid format '${format}' (expected text or json)`)
  }
  const brokers = parseBrokers(opts.brokers)
  return { dataDir: opts.dataDir ?? DEFAULT_DATA_DIR, ...(brokers !== undefined && { brokers }), format }
}

/** Splits a --brokers list ('a:9092,b:9092'); an empty value (SLUICE_BROKERS='') means none. Sluice.connect checks each address. */
export function parseBrokers(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined
  const brokers = list.split(',').map((b) => b.trim()).filter((b) => b !== '')
  return brokers.length === 0 ? undefined : brokers
}

/** What a command may want to hear while the client opens (only the embedded log reports these). */
export interface OpenHooks {
  /** A partition log opened; `recovery` says what recovery found and did. */
  onPartitionOpened?: (topic: string, partition: number, recovery: RecoveryReport) => void
  /** A partition could not be opened and stays offline. */
  onPartitionOffline?: (topic: string, partition: number, error: unknown) => void
}

/** The client id the CLI sends to a cluster (it shows in group descriptions and broker logs). */
export const CLI_CLIENT_ID = 'sluice-cli'

/**
 * Opens the Sluice the command talks to: the cluster of --brokers, else the data dir. Topics are
 * never auto-created from the CLI: a typo in `sluice produce paymnets` should say the topic is
 * unknown, not make a new one. Warnings (a stale lock taken over, a partition that could not be
 * opened) go to stderr as `sluice: warning:` lines.
 */
export async function openClient(ctx: CliContext, hooks: OpenHooks = {}): Promise<Sluice> {
  if (ctx.options.brokers !== undefined) {
    // A cluster that cannot be reached fails here with one clear line (NETWORK_EXCEPTION).
    return Sluice.connect({ brokers: ctx.options.brokers, clientId: CLI_CLIENT_ID, autoCreateTopics: false, clock: ctx.clock })
  }
  return Sluice.open({
    dataDir: ctx.options.dataDir,
    autoCreateTopics: false,
    coordinator: {
      onWarning: (message) => ctx.stderr.write(`sluice: warning: ${message}\n`),
      onEvent: (event) => {
        if (event.type === 'partition-opened') hooks.onPartitionOpened?.(event.topic, event.partition, event.recovery)
        else if (event.type === 'partition-offline') hooks.onPartitionOffline?.(event.topic, event.partition, event.error)
      },
    },
  })
}

/** Opens the client, runs `body`, and closes the client whatever happens (a body's error wins). */
export async function withClient<T>(ctx: CliContext, body: (sluice: Sluice) => Promise<T>): Promise<T> {
  const sluice = await openClient(ctx)
  let result: T
  try {
    result = await body(sluice)
  } catch (error) {
    // The body's error is what the user needs to see; a failure to close after it is secondary.
    await sluice.close().catch(() => undefined)
    throw error
  }
  await sluice.close()
  return result
}

/** Writes a JSON document (admin commands' --format json). */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
