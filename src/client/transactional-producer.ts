// The transactional producer (Kafka's transactional.id): records sent inside a transaction are
// staged in memory, per partition, and reach the log only at commitTransaction, together with any
// offsets given to sendOffsets, as one atomic commit through the transport (the embedded
// coordinator's redo log, coordinator/transactions/); abortTransaction drops them. Batches are built
// at commit by RecordBatchBuilder with the producer id, epoch and each partition's next sequence,
// which advance only when a commit succeeds. producer.ts is the non-transactional producer.
//
// States: uninitialized → (initTransactions) ready → (begin) in-transaction → (commit/abort) ready;
// PRODUCER_FENCED makes the producer fenced for good; any other failed commit ends the transaction
// and re-initializes (epoch bump, sequences from 0) before the next one.
import type { Clock } from '../base/clock.ts'
import { SluiceError, isSluiceError } from '../base/errors.ts'
import { CompressionCodec } from '../protocol/records/batch-header.ts'
import { RecordBatchBuilder } from '../protocol/records/record-batch-builder.ts'
import type { RecordInput } from '../protocol/records/record.ts'
import { TRANSACTION_BATCHES_PER_PARTITION_MAX } from '../coordinator/transactions/transaction-coordinator.ts'
import { partitionKey } from './assignors/assignor.ts'
import type { DefaultPartitioner } from './partitioner.ts'
import { partitionOf, toBytes, toRecordInput } from './serialize.ts'
import type { TransactionCommitRequest, Transport } from './transport.ts'
import type { CompressionName, ProducerRecord, RecordMetadata, TransactionOffsetsInput, TransactionalProducerOptions } from './types.ts'

const CODECS: Record<CompressionName, CompressionCodec> = {
  none: CompressionCodec.None, gzip: CompressionCodec.Gzip, snappy: CompressionCodec.Snappy, lz4: CompressionCodec.Lz4, zstd: CompressionCodec.Zstd,
}

type State = 'uninitialized' | 'ready' | 'in-transaction' | 'committing' | 'fenced' | 'closed'

/** The records of one partition staged in the open transaction. */
interface Staged {
  topic: string
  partition: number
  records: RecordInput[]
}

/**
 * A producer whose sends commit atomically with consumer offsets.
 * @example
 * const producer = sluice.producer({ transactionalId: 'enricher-0' })
 * await producer.initTransactions()
 * producer.beginTransaction()
 * await producer.send('out', [{ key: 'k', value: 'v' }])
 * await producer.sendOffsets({ consumer, offsets: [{ topic: 'in', partition: 0, offset: 42 }] })
 * const metadata = await producer.commitTransaction()
 */
export class TransactionalProducer {
  readonly transactionalId: string
  readonly #transport: Transport
  readonly #partitioner: DefaultPartitioner
  readonly #clock: Clock
  readonly #codec: CompressionCodec
  readonly #batchBytes: number
  #state: State = 'uninitialized'
  #identity = { producerId: -1, producerEpoch: -1 }
  #initializing: Promise<void> | null = null
  #needsInit = false
  #abortAllowed = false
  readonly #nextSequence = new Map<string, number>()
  #staged = new Map<string, Staged>()
  /** Per send() call of the transaction: where its records sit, to answer the commit. */
  #placements: Array<{ key: string; index: number; timestamp: number }> = []
  #offsets: TransactionCommitRequest['offsets'] | undefined
  readonly #staging = new Set<Promise<unknown>>()

  constructor(transport: Transport, partitioner: DefaultPartitioner, clock: Clock, options: TransactionalProducerOptions) {
    if (typeof options.transactionalId !== 'string' || options.transactionalId === '') {
      throw new SluiceError('INVALID_ARGUMENT', 'transactionalId must be a non-empty string')
    }
    const codec = CODECS[options.compression ?? 'none']
    if (codec === undefined) throw new SluiceError('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression '${String(options.compression)}' (none, gzip, snappy, lz4, zstd)`)
    this.transactionalId = options.transactionalId
    this.#transport = transport
    this.#partitioner = partitioner
    this.#clock = clock
    this.#codec = codec
    this.#batchBytes = options.batchBytes ?? 1024 * 1024
  }

  /** The producer id and epoch once initialized, else -1 / -1. */
  get identity(): { producerId: number; producerEpoch: number } {
    return { ...this.#identity }
  }

  /** Registers the transactional id: fences any older producer with it; sequences start at 0. */
  initTransactions(): Promise<void> {
    this.#checkUsable()
    if (this.#state === 'in-transaction' || this.#state === 'committing') {
      return Promise.reject(new SluiceError('INVALID_TXN_STATE', 'initTransactions() cannot run inside a transaction: commit or abort it first'))
    }
    return this.#init()
  }

  #init(): Promise<void> {
    this.#initializing ??= (async () => {
      const init = this.#transport.initTransactions
      if (init === undefined) throw new SluiceError('UNSUPPORTED_VERSION', "this transport does not support transactions; use Sluice.open (embedded) or guarantee 'at-least-once'")
      try {
        this.#identity = await init.call(this.#transport, this.transactionalId)
      } catch (error) {
        if (isSluiceError(error, 'PRODUCER_FENCED')) this.#state = 'fenced'
        throw error
      }
      this.#nextSequence.clear()
      this.#needsInit = false
      if (this.#state === 'uninitialized') this.#state = 'ready'
    })().finally(() => { this.#initializing = null })
    return this.#initializing
  }

  /** Opens a transaction (initializing first if needed: its failure shows on the next send or commit). */
  beginTransaction(): void {
    this.#checkUsable()
    if (this.#state === 'in-transaction' || this.#state === 'committing') {
      throw new SluiceError('INVALID_TXN_STATE', 'a transaction is already open: commit or abort it before beginning another')
    }
    if ((this.#state === 'uninitialized' || this.#needsInit) && this.#initializing === null) {
      // The caller learns of a failure from send/commit, which await this.
      this.#init().catch(() => undefined)
    }
    this.#state = 'in-transaction'
    this.#abortAllowed = false
  }

  /** Stages records in the open transaction; resolves once staged (offsets come from commitTransaction). */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    this.#requireTransaction('send()')
    const staging = this.#stage(topic, records)
    this.#staging.add(staging)
    try {
      await staging
    } finally {
      this.#staging.delete(staging)
    }
  }

  async #stage(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    const partitionCount = await this.#transport.partitionCount(topic, { create: true })
    this.#requireTransaction('send()')
    const now = this.#clock.now()
    const inputs: Array<{ key: string; partition: number; input: RecordInput }> = []
    for (const record of records) {
      const key = toBytes(record.key)
      const partition = partitionOf(topic, record, key, this.#partitioner, partitionCount)
      const input = toRecordInput(record, key, now)
      inputs.push({ key: partitionKey(topic, partition), partition, input })
    }
    // All records checked: stage them together, so a bad record stages none of its call.
    for (const { key, partition, input } of inputs) {
      let staged = this.#staged.get(key)
      if (staged === undefined) this.#staged.set(key, (staged = { topic, partition, records: [] }))
      this.#placements.push({ key, index: staged.records.length, timestamp: input.timestamp! })
      staged.records.push(input)
    }
  }

  /** Adds a consumer group's offsets (the next offset to read per partition) to the open transaction. */
  async sendOffsets(input: TransactionOffsetsInput): Promise<void> {
    this.#requireTransaction('sendOffsets()')
    const identity = input.consumer?.groupMetadata() ?? { groupId: input.groupId, memberId: input.memberId ?? '', generationId: input.generationId ?? -1 }
    if (identity.groupId === undefined || identity.groupId === '') {
      throw new SluiceError('INVALID_ARGUMENT', 'sendOffsets() needs a consumer (with a group) or a groupId')
    }
    if (this.#offsets !== undefined && this.#offsets.groupId !== identity.groupId) {
      throw new SluiceError('INVALID_TXN_STATE', `this transaction already carries offsets of group '${this.#offsets.groupId}'; one group per transaction`)
    }
    const merged = new Map((this.#offsets?.offsets ?? []).map((o) => [partitionKey(o.topic, o.partition), o]))
    for (const o of input.offsets) merged.set(partitionKey(o.topic, o.partition), { ...o })
    this.#offsets = { groupId: identity.groupId, memberId: identity.memberId, generationId: identity.generationId, offsets: [...merged.values()] }
  }

  /**
   * Commits the staged records and offsets atomically; resolves with the metadata of every staged
   * record, in send order. On failure nothing of the transaction is visible (unless the error says
   * it is committed and completes later) and the transaction is over.
   */
  async commitTransaction(): Promise<RecordMetadata[]> {
    this.#requireTransaction('commitTransaction()')
    this.#state = 'committing'
    try {
      await Promise.all([...this.#staging])
      if (this.#initializing !== null) await this.#initializing
      if (this.#needsInit || this.#identity.producerId < 0) await this.#init()
      const commit = this.#transport.commitTransaction
      if (commit === undefined) throw new SluiceError('UNSUPPORTED_VERSION', "this transport does not support transactions; use Sluice.open (embedded) or guarantee 'at-least-once'")
      const { writes, sequences } = this.#buildWrites()
      const results = await commit.call(this.#transport, {
        transactionalId: this.transactionalId, ...this.#identity, writes, ...(this.#offsets !== undefined && { offsets: this.#offsets }),
      })
      for (const [key, sequence] of sequences) this.#nextSequence.set(key, sequence)
      const baseOffsets = new Map(results.map((r) => [partitionKey(r.topic, r.partition), r.baseOffset]))
      return this.#placements.map((p) => {
        const staged = this.#staged.get(p.key)!
        return { topic: staged.topic, partition: staged.partition, offset: baseOffsets.get(p.key)! + p.index, timestamp: p.timestamp }
      })
    } catch (error) {
      if (isSluiceError(error, 'PRODUCER_FENCED')) this.#state = 'fenced'
      // Sequences may be out of step with the logs: the next transaction starts a new epoch.
      else this.#needsInit = true
      this.#abortAllowed = true
      throw error
    } finally {
      this.#clear()
      if (this.#state === 'committing') this.#state = 'ready'
    }
  }

  /** Drops the staged records and offsets; nothing of the transaction reaches the log. */
  async abortTransaction(): Promise<void> {
    this.#checkUsable()
    if (this.#state === 'ready' && this.#abortAllowed) {
      this.#abortAllowed = false // the failed commit already ended it
      return
    }
    this.#requireTransaction('abortTransaction()')
    await Promise.allSettled([...this.#staging])
    this.#clear()
    this.#state = 'ready'
  }

  /** Nothing is sent outside commits; kept so producers can be flushed alike. */
  async flush(): Promise<void> {}

  /** Drops an open transaction (as abort) and refuses further calls. */
  async close(): Promise<void> {
    this.#clear()
    this.#state = 'closed'
  }

  /** Builds each partition's batches with the producer's identity and sequences; returns the sequences after them. */
  #buildWrites(): { writes: TransactionCommitRequest['writes']; sequences: Map<string, number> } {
    const writes: TransactionCommitRequest['writes'] = []
    const sequences = new Map<string, number>()
    for (const [key, staged] of this.#staged) {
      let sequence = this.#nextSequence.get(key) ?? 0
      const batches: Buffer[] = []
      let builder: RecordBatchBuilder | null = null
      const seal = (): void => {
        if (builder === null) return
        batches.push(builder.build())
        sequence = (sequence + builder.recordCount) % 0x80000000
        builder = null
      }
      for (const record of staged.records) {
        builder ??= new RecordBatchBuilder({ compression: this.#codec, ...this.#identity, baseSequence: sequence, batchBytesMax: this.#batchBytes })
        if (!builder.add(record)) {
          seal()
          builder = new RecordBatchBuilder({ compression: this.#codec, ...this.#identity, baseSequence: sequence, batchBytesMax: this.#batchBytes })
          builder.add(record)
        }
      }
      seal()
      if (batches.length > TRANSACTION_BATCHES_PER_PARTITION_MAX) {
        throw new SluiceError('RECORD_LIST_TOO_LARGE', `transaction stages ${batches.length} batches for ${staged.topic}/${staged.partition}, at most ${TRANSACTION_BATCHES_PER_PARTITION_MAX} (raise batchBytes or commit more often)`)
      }
      writes.push({ topic: staged.topic, partition: staged.partition, batches: batches.length === 1 ? batches[0]! : Buffer.concat(batches) })
      sequences.set(key, sequence)
    }
    return { writes, sequences }
  }

  #clear(): void {
    this.#staged = new Map()
    this.#placements = []
    this.#offsets = undefined
  }

  #requireTransaction(call: string): void {
    this.#checkUsable()
    if (this.#state !== 'in-transaction') {
      throw new SluiceError('INVALID_TXN_STATE', `${call} needs an open transaction on transactional producer '${this.transactionalId}': call beginTransaction() first`)
    }
  }

  #checkUsable(): void {
    if (this.#state === 'closed') throw new SluiceError('CLOSED', 'producer is closed')
    if (this.#state === 'fenced') {
      throw new SluiceError('PRODUCER_FENCED', `transactional id '${this.transactionalId}' was taken over by a newer producer; close this one`)
    }
  }
}
