// `sluice produce <topic>`: one record per input line (stdin or -f file), kcat style — a fixed key
// (-k), or key<sep>value lines (-K sep), headers (-H), a partition (-p), compression and acks.
// Input is read as a stream and sent in bounded batches: one batch is in flight while the next is
// being read, so memory stays flat for any input size and reading overlaps the log's appends.
// The summary (records, partitions, elapsed) goes to stderr, or stdout with --format json.
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import type { Command } from 'commander'
import { Option } from 'commander'
import { SluiceError } from '../../base/errors.ts'
import type { CompressionName, ProducerRecord, RecordMetadata } from '../../client/types.ts'
import { collect, parseKeyValue, parseNonNegativeInt, unescapeSeparator } from '../args.ts'
import { printJson, withClient } from '../context.ts'
import type { CliContext } from '../context.ts'
import { lineBatches } from '../line-batches.ts'
import type { Actions } from '../program.ts'

/** Lines per producer.send call; with ~100-byte lines a batch is about 1.6 MB. */
const BATCH_LINES_MAX = 16_384
/** Bytes of line data per producer.send call. */
const BATCH_BYTES_MAX = 4 * 1024 * 1024
/** Longest accepted line (Kafka's default max.message.bytes is about 1 MiB; this leaves room). */
const LINE_BYTES_MAX = 16 * 1024 * 1024

interface ProduceOptions {
  file?: string
  key?: string
  keySeparator?: string
  header?: string[]
  partition?: string
  compression: CompressionName
  acks: '0' | '1' | 'all'
}

/** What one `sluice produce` run did. */
export interface ProduceSummary {
  topic: string
  records: number
  partitions: number[]
  elapsedMs: number
}

/** Builds a record from one line; the per-line work of a 10-million-line run, so kept minimal. */
type LineToRecord = (line: Buffer) => ProducerRecord

function recordBuilder(opts: ProduceOptions, partition: number | undefined): LineToRecord {
  const headers: Array<[string, string]> | undefined = opts.header?.map((h) => parseKeyValue(h, 'header'))
  const base = { ...(headers === undefined ? {} : { headers }), ...(partition === undefined ? {} : { partition }) }
  if (opts.keySeparator !== undefined) {
    const separator = Buffer.from(unescapeSeparator(opts.keySeparator), 'utf8')
    if (separator.length === 0) throw new SluiceError('INVALID_ARGUMENT', 'the key separator (-K) must not be empty')
    // kcat's rule: the key is everything before the first separator; a line without one has no key.
    return (line) => {
      const at = line.indexOf(separator)
      return at === -1
        ? { ...base, key: null, value: line }
        : { ...base, key: line.subarray(0, at), value: line.subarray(at + separator.length) }
    }
  }
  const key = opts.key ?? null
  return (line) => ({ ...base, key, value: line })
}

async function produce(ctx: CliContext, topic: string, opts: ProduceOptions): Promise<void> {
  if (opts.key !== undefined && opts.keySeparator !== undefined) {
    throw new SluiceError('INVALID_ARGUMENT', '-k (fixed key) and -K (key separator) exclude each other')
  }
  const partition = parseNonNegativeInt(opts.partition, 'partition')
  const toRecord = recordBuilder(opts, partition)
  const acks = opts.acks === 'all' ? 'all' : opts.acks === '1' ? 1 : 0
  const input: Readable = opts.file === undefined ? ctx.stdin : await openFile(opts.file)
  const startedMs = ctx.clock.monotonic()

  const summary = await withClient(ctx, async (sluice) => {
    // Fail before reading any input if the topic (or partition) does not exist.
    const description = await sluice.admin.describeTopic(topic)
    if (partition !== undefined && partition >= description.partitions.length) {
      throw new SluiceError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${partition} (it has ${description.partitions.length})`)
    }
    // Idempotence needs acks=all; with 0 or 1 it is off, as Kafka's clients turn it off by default.
    const producer = sluice.producer({ acks, idempotent: acks === 'all', compression: opts.compression, lingerMs: 0 })
    const partitions = new Set<number>()
    let records = 0
    let inFlight: Promise<void> = Promise.resolve()
    // Ctrl-C while waiting for input (a terminal, a quiet pipe): end the input so the loop ends;
    // lines already read are still sent, and what is in flight is waited for.
    const endInput = (): void => { input.destroy() }
    ctx.stopSignal.addEventListener('abort', endInput, { once: true })
    try {
      for await (const lines of lineBatches(input, {
        linesMax: BATCH_LINES_MAX, bytesMax: BATCH_BYTES_MAX, lineBytesMax: LINE_BYTES_MAX, isDrained: () => input.readableLength === 0,
      })) {
        const batch = lines.map(toRecord)
        // Awaiting the previous send before issuing this one keeps order and bounds memory to two batches.
        await inFlight
        inFlight = producer.send(topic, batch).then((metas: RecordMetadata[]) => {
          for (const meta of metas) partitions.add(meta.partition)
          records += metas.length
        })
        // Without a handler a rejection would surface as unhandled before we await it next turn.
        inFlight.catch(() => {})
      }
      await inFlight
    } catch (error) {
      // A destroyed stream ends its iteration with ERR_STREAM_PREMATURE_CLOSE: expected after Ctrl-C.
      if (!ctx.stopSignal.aborted) throw error
      await inFlight
    } finally {
      ctx.stopSignal.removeEventListener('abort', endInput)
      await producer.close()
    }
    return { topic, records, partitions: [...partitions].sort((a, b) => a - b), elapsedMs: Math.round(ctx.clock.monotonic() - startedMs) }
  })
  printSummary(ctx, summary)
}

async function openFile(path: string): Promise<Readable> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 })
  // Surface ENOENT/EACCES before anything is opened, as one clear error.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (cause: NodeJS.ErrnoException) =>
      reject(new SluiceError('INVALID_ARGUMENT', `cannot read '${path}': ${cause.code === 'ENOENT' ? 'no such file' : cause.message}`, { cause })))
  })
  return stream
}

function printSummary(ctx: CliContext, summary: ProduceSummary): void {
  if (ctx.options.format === 'json') return printJson(ctx, summary)
  const seconds = summary.elapsedMs / 1000
  const rate = seconds > 0 ? ` (${Math.round(summary.records / seconds).toLocaleString('en-US')} records/s)` : ''
  const partitions = summary.partitions.length === 0 ? 'no partitions' : `partition${summary.partitions.length === 1 ? '' : 's'} ${summary.partitions.join(',')}`
  ctx.stderr.write(`produced ${summary.records} records to '${summary.topic}' ${partitions} in ${seconds.toFixed(2)} s${rate}\n`)
}

/** Adds `sluice produce` to the program. */
export function registerProduceCommand(program: Command, actions: Actions): void {
  program.command('produce').description('produce one record per input line (stdin, or -f file)')
    .argument('<topic>', 'topic to produce to')
    .option('-f, --file <path>', 'read lines from a file instead of stdin')
    .option('-k, --key <key>', 'the same key for every record')
    .option('-K, --key-separator <sep>', "each line is key<sep>value (\\t for a tab); a line without <sep> has no key")
    .option('-H, --header <name=value>', 'a header on every record (repeatable)', collect)
    .option('-p, --partition <n>', 'produce to this partition (default: the partitioner, murmur2 of the key)')
    .addOption(new Option('--compression <codec>', 'batch compression').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'))
    .addOption(new Option('--acks <acks>', 'wait for 0 (nothing), 1 or all').choices(['0', '1', 'all']).default('all'))
    .action(actions(produce))
}
