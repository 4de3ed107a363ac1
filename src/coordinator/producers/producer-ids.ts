// Producer ids and epochs for idempotent producers (InitProducerId). Ids come from blocks reserved
// on disk before use, as Kafka's ProducerIdManager reserves blocks from the controller: the file
// records the start of the next unreserved block, so after a crash the ids of a half-used block
// are skipped, never handed out twice. Each id's current epoch (and the one before, to answer a
// retried bump) is persisted too, so fencing survives a restart; ids unused for
// `expirationMs` are forgotten, as Kafka's producer.id.expiration.ms does.
//
// Epoch bumps follow Kafka's TransactionCoordinator (KIP-360): a request carrying the current
// producer id and epoch gets epoch + 1; one carrying the previous epoch is a retry and gets the
// current epoch again; any other epoch is a zombie and gets PRODUCER_FENCED. An exhausted epoch
// (32766) moves the producer to a new id with epoch 0. Per-partition sequence checks live in
// storage/producer-state.ts.
//
// Transactional ids map to a producer id in __transaction_state, owned by ../transactions/: it
// calls `allocateProducerId()` and keeps its own epochs there.
//
// File `<dataDir>/__cluster/producer-ids.json` (replaced atomically through Fs.writeFile):
//   { "version": 1, "nextBlockStart": 2000,
//     "producers": { "<producerId>": { "epoch": 3, "lastEpoch": 2, "updatedMs": 1700000000000 } } }
import { join } from 'node:path'
import { assert } from '../../base/assert.ts'
import type { Clock } from '../../base/clock.ts'
import { SluiceError } from '../../base/errors.ts'
import type { Fs } from '../../storage/fs.ts'
import { ensureDurableDir } from '../durable-dir.ts'

/** Ids reserved on disk at a time (Kafka's ProducerIdManager block size). */
export const PRODUCER_ID_BLOCK_SIZE = 1000
/** Forget a producer id's epoch after this long unused: Kafka's producer.id.expiration.ms default. */
export const PRODUCER_ID_EXPIRATION_MS_DEFAULT = 86_400_000
/** An epoch at or past this cannot be bumped: the producer gets a new id (Kafka: Short.MAX_VALUE - 1). */
export const PRODUCER_EPOCH_EXHAUSTED = 32766
/** No producer epoch (a request asking for a fresh id). */
export const NO_PRODUCER_EPOCH = -1
/** No producer id. */
export const NO_PRODUCER_ID = -1

const FILE_NAME = 'producer-ids.json'

/** What InitProducerId asks: nothing for a fresh id, or the id and epoch the producer holds (to bump it). */
export interface InitProducerIdRequest {
  producerId?: number
  producerEpoch?: number
}

/** A producer id and epoch granted by InitProducerId. */
export interface ProducerIdAndEpoch {
  producerId: number
  producerEpoch: number
}

/** Options of ProducerIds.open. */
export interface ProducerIdsOptions {
  fs: Fs
  /** Directory for the state file (`<dataDir>/__cluster`). */
  dir: string
  clock: Clock
  expirationMs?: number
}

interface EpochState {
  epoch: number
  /** The epoch before the last bump, or -1: a retried bump carrying it gets `epoch` again. */
  lastEpoch: number
  updatedMs: number
}

interface FileContent {
  version: 1
  nextBlockStart: number
  producers: Record<string, EpochState>
}

/** Allocates producer ids and bumps epochs for idempotent producers, persisted in the data dir. */
export class ProducerIds {
  readonly #fs: Fs
  readonly #path: string
  readonly #clock: Clock
  readonly #expirationMs: number
  readonly #producers: Map<number, EpochState>
  #nextId: number
  /** End (exclusive) of the reserved block; `#nextBlockStart` on disk equals it. */
  #blockEnd: number
  /** Serializes state changes: each runs, persists, then the next starts. */
  #tail: Promise<unknown> = Promise.resolve()

  private constructor(options: ProducerIdsOptions, content: FileContent) {
    this.#fs = options.fs
    this.#path = join(options.dir, FILE_NAME)
    this.#clock = options.clock
    this.#expirationMs = options.expirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT
    this.#nextId = content.nextBlockStart
    this.#blockEnd = content.nextBlockStart
    this.#producers = new Map(Object.entries(content.producers).map(([id, state]) => [Number(id), state]))
  }

  /** Loads the state file (or starts fresh at id 0). */
  static async open(options: ProducerIdsOptions): Promise<ProducerIds> {
    await ensureDurableDir(options.fs, options.dir)
    const path = join(options.dir, FILE_NAME)
    let content: FileContent = { version: 1, nextBlockStart: 0, producers: {} }
    if (await options.fs.exists(path)) content = parseFile(await options.fs.readFile(path), path)
    return new ProducerIds(options, content)
  }

  /**
   * InitProducerId for an idempotent producer: a fresh id with epoch 0, or, given the id and epoch
   * the producer holds, the bumped epoch. Throws PRODUCER_FENCED for a stale epoch,
   * INVALID_PRODUCER_ID_MAPPING for an id this data dir never granted or has forgotten.
   */
  initProducerId(request: InitProducerIdRequest = {}): Promise<ProducerIdAndEpoch> {
    const producerId = request.producerId ?? NO_PRODUCER_ID
    const producerEpoch = request.producerEpoch ?? NO_PRODUCER_EPOCH
    if ((producerId === NO_PRODUCER_ID) !== (producerEpoch === NO_PRODUCER_EPOCH)) {
      return Promise.reject(new SluiceError('INVALID_REQUEST', `producerId (${producerId}) and producerEpoch (${producerEpoch}) must both be set or both be -1`))
    }
    return this.#serialized(async () => {
      const now = this.#clock.now()
      if (producerId === NO_PRODUCER_ID) return this.#fresh(now)
      const state = this.#producers.get(producerId)
      if (state === undefined) {
        throw new SluiceError('INVALID_PRODUCER_ID_MAPPING', `producer id ${producerId} is unknown: it was never granted here or expired after ${this.#expirationMs} ms unused; ask for a new one`)
      }
      if (producerEpoch === state.lastEpoch && producerEpoch !== state.epoch) {
        // A retry of a bump whose answer was lost: the same answer again, nothing to persist.
        state.updatedMs = now
        return { producerId, producerEpoch: state.epoch }
      }
      if (producerEpoch !== state.epoch) {
        throw new SluiceError('PRODUCER_FENCED', `producer id ${producerId} epoch ${producerEpoch} is fenced: epoch ${state.epoch} is current`)
      }
      if (state.epoch >= PRODUCER_EPOCH_EXHAUSTED) {
        this.#producers.delete(producerId)
        return this.#fresh(now)
      }
      await this.#saveWith(producerId, { epoch: state.epoch + 1, lastEpoch: state.epoch, updatedMs: now })
      return { producerId, producerEpoch: state.epoch + 1 }
    })
  }

  /** A new producer id, unique for the life of the data dir (the seam for transactional ids). */
  allocateProducerId(): Promise<number> {
    return this.#serialized(() => this.#allocate())
  }

  /** The current epoch of a known producer id, or undefined. */
  epochOf(producerId: number): number | undefined {
    return this.#producers.get(producerId)?.epoch
  }

  /** Waits for pending state writes. */
  async close(): Promise<void> {
    await this.#tail.catch(() => undefined)
  }

  async #fresh(now: number): Promise<ProducerIdAndEpoch> {
    const producerId = await this.#allocate()
    await this.#saveWith(producerId, { epoch: 0, lastEpoch: NO_PRODUCER_EPOCH, updatedMs: now })
    return { producerId, producerEpoch: 0 }
  }

  async #allocate(): Promise<number> {
    if (this.#nextId >= this.#blockEnd) {
      // Reserve the next block on disk before handing out any id of it.
      const previousEnd = this.#blockEnd
      this.#blockEnd = this.#nextId + PRODUCER_ID_BLOCK_SIZE
      try {
        await this.#save(this.#clock.now())
      } catch (error) {
        this.#blockEnd = previousEnd // not reserved: the next call tries again
        throw error
      }
    }
    assert(this.#nextId < this.#blockEnd && Number.isSafeInteger(this.#nextId), 'producer id within the reserved block')
    return this.#nextId++
  }

  /** Sets one producer's state and persists it; on failure memory goes back to what disk holds. */
  async #saveWith(producerId: number, state: EpochState): Promise<void> {
    const previous = this.#producers.get(producerId)
    this.#producers.set(producerId, state)
    try {
      await this.#save(state.updatedMs)
    } catch (error) {
      if (previous === undefined) this.#producers.delete(producerId)
      else this.#producers.set(producerId, previous)
      throw error
    }
  }

  async #save(now: number): Promise<void> {
    for (const [id, state] of this.#producers) {
      if (now - state.updatedMs > this.#expirationMs) this.#producers.delete(id)
    }
    const content: FileContent = { version: 1, nextBlockStart: this.#blockEnd, producers: Object.fromEntries(this.#producers) }
    try {
      await this.#fs.writeFile(this.#path, Buffer.from(`${JSON.stringify(content)}\n`))
    } catch (error) {
      throw new SluiceError('KAFKA_STORAGE_ERROR', `cannot write ${this.#path}: ${(error as Error).message}`, { cause: error })
    }
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn)
    // The chain only orders calls; each caller sees its own outcome through `run`.
    this.#tail = run.catch(() => undefined)
    return run
  }
}

function parseFile(data: Buffer, path: string): FileContent {
  let parsed: Partial<FileContent>
  try {
    parsed = JSON.parse(data.toString('utf8')) as Partial<FileContent>
  } catch (error) {
    throw new SluiceError('KAFKA_STORAGE_ERROR', `${path} is not valid JSON; it was written atomically, so the file was damaged outside Sluice`, { cause: error })
  }
  if (parsed.version !== 1 || !Number.isSafeInteger(parsed.nextBlockStart) || typeof parsed.producers !== 'object' || parsed.producers === null) {
    throw new SluiceError('KAFKA_STORAGE_ERROR', `${path} does not hold producer id state (version 1)`)
  }
  return parsed as FileContent
}
