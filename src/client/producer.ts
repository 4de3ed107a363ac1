// The producer: turns records into record batches v2 per partition and hands them to a transport.
// Batching follows Kafka's producer: one open batch per partition, sealed when full (batchBytes),
// when lingerMs has passed, or at the end of send() when lingerMs is 0. Idempotence follows KIP-98:
// one producer id + epoch, and per partition a sequence number that each batch advances by its
// record count; a retried batch carries the same sequence, so the log answers a duplicate with the
// original offset instead of writing it twice.
//
// Concurrency: batches of one partition are handed to the transport in seal order and the log
// applies appends in call order, so sequences arrive in order without waiting for each ack.
//
// A batch that fails for good (say MESSAGE_TOO_LARGE) leaves a hole in its partition's sequence
// that the log would refuse every later batch over. As Kafka's producer does (KIP-360), the
// producer then bumps its epoch, sequences restart at 0, and batches stamped with the old epoch are
// re-stamped (epoch, base sequence, CRC) before they are sent or retried.
import type { Clock, TimerHandle } from '../base/clock.ts'
import { SluiceError, isSluiceError } from '../base/errors.ts'
import { CompressionCodec, OFFSET_BASE_SEQUENCE, OFFSET_PRODUCER_EPOCH, writeCrc } from '../protocol/records/batch-header.ts'
import { RecordBatchBuilder } from '../protocol/records/record-batch-builder.ts'
import { partitionKey } from './assignors/assignor.ts'
import type { DefaultPartitioner } from './partitioner.ts'
import { partitionOf, toBytes, toRecordInput } from './serialize.ts'
import type { Acks, Transport } from './transport.ts'
import type { CompressionName, ProducerOptions, ProducerRecord, RecordMetadata } from './types.ts'

const CODECS: Record<CompressionName, CompressionCodec> = {
  none: CompressionCodec.None,
  gzip: CompressionCodec.Gzip,
  snappy: CompressionCodec.Snappy,
  lz4: CompressionCodec.Lz4,
  zstd: CompressionCodec.Zstd,
}

/** An open or sealed batch of one partition and the promise of its base offset. */
interface PendingBatch {
  topic: string
  partition: number
  builder: RecordBatchBuilder
  /** Epoch and base sequence the batch carries (stamped by the builder, re-stamped after a bump). */
  producerEpoch: number
  baseSequence: number
  result: Promise<number>
  resolve: (baseOffset: number) => void
  reject: (error: unknown) => void
  lingerTimer: TimerHandle | undefined
}

/** Where one record of a send() went: its batch and place in it. */
interface Placement {
  batch: PendingBatch
  offsetDelta: number
  /** The record's own timestamp, if it had one (else the send's now). */
  timestamp: number | undefined
  partition: number
}

/** Producer settings with every default filled in. */
interface ResolvedOptions {
  idempotent: boolean
  acks: Acks
  lingerMs: number
  batchBytes: number
  codec: CompressionCodec
  retries: number
  retryBackoffMs: number
}

function resolveOptions(options: ProducerOptions): ResolvedOptions {
  const acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new SluiceError('INVALID_REQUIRED_ACKS', `acks must be 0, 1 or 'all', not ${String(options.acks)}`)
  const compression = options.compression ?? 'none'
  const codec = CODECS[compression]
  if (codec === undefined) throw new SluiceError('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression '${compression}' (none, gzip, snappy, lz4, zstd)`)
  const idempotent = options.idempotent ?? true
  if (idempotent && acks !== -1) throw new SluiceError('INVALID_ARGUMENT', "an idempotent producer needs acks 'all' (set idempotent: false to use acks 0 or 1)")
  return {
    idempotent,
    acks,
    lingerMs: options.lingerMs ?? 0,
    batchBytes: options.batchBytes ?? 1024 * 1024,
    codec,
    retries: options.retries ?? 5,
    retryBackoffMs: options.retryBackoffMs ?? 100,
  }
}

/**
 * Sends records to topics, batching per partition.
 * @example
 * const producer = sluice.producer({ lingerMs: 5 })
 * const [meta] = await producer.send('payments', [{ key: 'card-42', value: { amount: 120 } }])
 */
export class Producer {
  readonly #transport: Transport
  readonly #partitioner: DefaultPartitioner
  readonly #clock: Clock
  readonly #options: ResolvedOptions
  readonly #open = new Map<string, PendingBatch>()
  readonly #inFlight = new Set<Promise<unknown>>()
  readonly #nextSequence = new Map<string, number>()
  #producerId: Promise<{ producerId: number; producerEpoch: number }> | undefined
  #identity = { producerId: -1, producerEpoch: -1 }
  /** An epoch bump in progress after a batch failed for good. */
  #bumping: Promise<void> | undefined
  #closed = false

  constructor(transport: Transport, partitioner: DefaultPartitioner, clock: Clock, options: ProducerOptions = {}) {
    this.#transport = transport
    this.#partitioner = partitioner
    this.#clock = clock
    this.#options = resolveOptions(options)
  }

  /** The producer id and epoch once an idempotent producer has sent, else -1 / -1. */
  get identity(): { producerId: number; producerEpoch: number } {
    return { ...this.#identity }
  }

  /** Sends records to `topic`; resolves with where each landed, in the order given. */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    const placements: Placement[] = []
    const { touched, now } = await this.#enqueue(topic, records, placements)
    if (this.#options.acks === 0) {
      // acks=0: like Kafka, don't wait and don't know the offsets; flush() still waits for the sends.
      return placements.map((p) => ({ topic, partition: p.partition, offset: -1, timestamp: p.timestamp ?? now }))
    }
    const baseOffsets = new Map<PendingBatch, number>()
    for (const batch of touched) baseOffsets.set(batch, await batch.result)
    return placements.map((p) => ({
      topic,
      partition: p.partition,
      offset: (baseOffsets.get(p.batch) as number) + p.offsetDelta,
      timestamp: p.timestamp ?? now,
    }))
  }

  /**
   * Like send, but resolves with nothing once every record is acknowledged: for pipelines (the
   * streams runtime) that need the acknowledgement, not where each record landed, and would
   * otherwise pay two objects per record for metadata they drop.
   * @example await producer.write('out', records)
   */
  async write(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    const { touched } = await this.#enqueue(topic, records, undefined)
    if (this.#options.acks === 0) return
    for (const batch of touched) await batch.result
  }

  /** Adds records to their partitions' open batches (sealing what fills or, at linger 0, all). */
  async #enqueue(topic: string, records: readonly ProducerRecord[], placements: Placement[] | undefined): Promise<{ touched: Set<PendingBatch>; now: number }> {
    if (this.#closed) throw new SluiceError('CLOSED', 'producer is closed')
    if (this.#options.idempotent) await this.#ensureProducerId()
    const partitionCount = await this.#transport.partitionCount(topic, { create: true })
    const now = this.#clock.now()
    const touched = new Set<PendingBatch>()
    // Consecutive records of one partition (most of a batch, all of it on one-partition topics)
    // reuse the batch found for the previous one instead of a string key and a Map lookup each.
    let batch: PendingBatch | undefined
    let batchPartition = -1
    for (const record of records) {
      const key = toBytes(record.key)
      const partition = partitionOf(topic, record, key, this.#partitioner, partitionCount)
      const input = toRecordInput(record, key, now)
      if (batch === undefined || partition !== batchPartition) {
        batch = this.#openBatch(topic, partition)
        batchPartition = partition
      }
      if (!batch.builder.add(input)) {
        this.#seal(batch)
        batch = this.#openBatch(topic, partition)
        batch.builder.add(input)
      }
      // Only batches holding this send's records: a full batch sealed here may fail on its own.
      touched.add(batch)
      placements?.push({ batch, offsetDelta: batch.builder.recordCount - 1, timestamp: record.timestamp, partition })
    }
    for (const open of touched) {
      if (this.#options.lingerMs === 0) this.#seal(open)
      else if (open.lingerTimer === undefined && this.#open.get(partitionKey(open.topic, open.partition)) === open) {
        // A pending send is real work: its timer keeps the process alive until the batch is sent.
        open.lingerTimer = this.#clock.setTimeout(() => this.#seal(open), this.#options.lingerMs, { keepAlive: true })
      }
    }
    return { touched, now }
  }

  /** Seals every open batch and waits until all sent batches are acknowledged. */
  async flush(): Promise<void> {
    for (const batch of [...this.#open.values()]) this.#seal(batch)
    await Promise.allSettled([...this.#inFlight])
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
  }

  async #ensureProducerId(): Promise<void> {
    if (this.#producerId === undefined) {
      this.#producerId = this.#transport.initProducerId()
      this.#identity = await this.#producerId
    } else {
      // Later sends wait for the first InitProducerId, but keep any epoch bumped since.
      await this.#producerId
      await this.#bumping
    }
  }

  #openBatch(topic: string, partition: number): PendingBatch {
    const key = partitionKey(topic, partition)
    const existing = this.#open.get(key)
    if (existing !== undefined) return existing
    const idempotent = this.#options.idempotent
    const baseSequence = idempotent ? (this.#nextSequence.get(key) ?? 0) : -1
    let resolve!: (baseOffset: number) => void
    let reject!: (error: unknown) => void
    const result = new Promise<number>((res, rej) => { resolve = res; reject = rej })
    // A batch whose send() caller went away must not surface as an unhandled rejection; the caller
    // that awaits it still sees the error.
    result.catch(() => {})
    const batch: PendingBatch = {
      topic,
      partition,
      builder: new RecordBatchBuilder({
        compression: this.#options.codec,
        producerId: idempotent ? this.#identity.producerId : -1,
        producerEpoch: idempotent ? this.#identity.producerEpoch : -1,
        baseSequence,
        batchBytesMax: this.#options.batchBytes,
      }),
      producerEpoch: idempotent ? this.#identity.producerEpoch : -1,
      baseSequence,
      result,
      resolve,
      reject,
      lingerTimer: undefined,
    }
    this.#open.set(key, batch)
    return batch
  }

  /** Closes a batch to new records and hands it to the transport. */
  #seal(batch: PendingBatch): void {
    const key = partitionKey(batch.topic, batch.partition)
    if (this.#open.get(key) !== batch) return
    this.#open.delete(key)
    batch.lingerTimer?.cancel()
    this.#partitioner.onNewBatch(batch.topic, batch.partition)
    let bytes: Buffer
    try {
      bytes = batch.builder.build()
    } catch (error) {
      batch.reject(error)
      return
    }
    // An epoch bump since the batch opened restarted the sequences: take the current ones.
    if (this.#options.idempotent) this.#stamp(batch, bytes)
    const sent = this.#sendWithRetries(batch, bytes).then(batch.resolve, batch.reject)
    this.#inFlight.add(sent)
    void sent.finally(() => this.#inFlight.delete(sent))
  }

  /**
   * Gives the batch the current epoch and its partition's next sequence if it does not carry them
   * yet (re-stamping its header and CRC), and advances that sequence past its records.
   */
  #stamp(batch: PendingBatch, bytes: Buffer): void {
    const key = partitionKey(batch.topic, batch.partition)
    const sequence = this.#nextSequence.get(key) ?? 0
    const epoch = this.#identity.producerEpoch
    if (batch.producerEpoch !== epoch || batch.baseSequence !== sequence) {
      bytes.writeInt16BE(epoch, OFFSET_PRODUCER_EPOCH)
      bytes.writeInt32BE(sequence, OFFSET_BASE_SEQUENCE)
      writeCrc(bytes)
      batch.producerEpoch = epoch
      batch.baseSequence = sequence
    }
    // Sequences wrap at int32 max, as Kafka's do.
    this.#nextSequence.set(key, (sequence + batch.builder.recordCount) % 0x80000000)
  }

  /** Bumps the epoch once for every batch that failed under the current one; sequences restart. */
  #bumpEpoch(failedEpoch: number): Promise<void> {
    if (failedEpoch !== this.#identity.producerEpoch) return this.#bumping ?? Promise.resolve()
    this.#bumping ??= (async () => {
      try {
        this.#identity = await this.#transport.initProducerId(this.#identity)
        this.#nextSequence.clear()
      } finally {
        this.#bumping = undefined
      }
    })()
    return this.#bumping
  }

  async #sendWithRetries(batch: PendingBatch, bytes: Buffer): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        // The log patches baseOffset into these bytes; that field is outside the CRC and is
        // patched again on a retry, so the same Buffer can be sent each time.
        const result = await this.#transport.produce(batch.topic, batch.partition, bytes, this.#options.acks)
        return result.baseOffset
      } catch (error) {
        if (!isSluiceError(error)) throw error
        if (this.#options.idempotent) {
          const isSequenceError = error.code === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || error.code === 'INVALID_PRODUCER_EPOCH'
          if (isSequenceError && attempt < this.#options.retries) {
            // The hole a failed predecessor left (or an epoch bumped meanwhile): after the bump,
            // sequences restart, so re-stamp and send again.
            await this.#bumpEpoch(batch.producerEpoch)
            this.#stamp(batch, bytes)
            continue
          }
          if (!error.retriable || attempt >= this.#options.retries) {
            // Bump so the batches behind this one are not refused over its hole. This batch's error
            // is what its caller must see; a failed bump shows up on the next send.
            await this.#bumpEpoch(batch.producerEpoch).catch(() => {})
            throw error
          }
        } else if (!error.retriable || attempt >= this.#options.retries) {
          throw error
        }
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, this.#options.retryBackoffMs, { keepAlive: true }))
      }
    }
  }
}

