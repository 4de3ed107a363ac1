// The records every broker benchmark sends: 100-byte values of printable ASCII (so the same bytes
// can be lines in kcat's input file and fields in Redis and NATS, none of which may hold a
// newline), drawn from a fixed seed. A pool of distinct values is cycled: without compression only
// their size matters, not whether a value repeats 20 records later.
import { closeSync, openSync, writeSync } from 'node:fs'
import { Random } from '../../src/base/random.ts'

/** Value size of every broker benchmark record (the "100-byte records"). */
export const RECORD_BYTES = 100
/** Distinct values in the pool that the generators cycle through. */
export const POOL_RECORDS = 100_000

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')

/** POOL_RECORDS values of RECORD_BYTES printable bytes, each a view into one Buffer. */
export function recordPool(seed = 7): Buffer[] {
  const random = new Random(seed)
  const bytes = Buffer.allocUnsafe(POOL_RECORDS * RECORD_BYTES)
  // Four alphabet letters per random word: 64 letters, 6 bits each.
  for (let i = 0; i < bytes.length; i += 4) {
    const word = random.uint32()
    bytes[i] = ALPHABET[word & 63] as number
    bytes[i + 1] = ALPHABET[(word >>> 6) & 63] as number
    bytes[i + 2] = ALPHABET[(word >>> 12) & 63] as number
    bytes[i + 3] = ALPHABET[(word >>> 18) & 63] as number
  }
  const pool: Buffer[] = new Array(POOL_RECORDS)
  for (let i = 0; i < POOL_RECORDS; i++) pool[i] = bytes.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES)
  return pool
}

/** Bytes of one record as a line of kcat's input: the value and '\n'. */
export const LINE_BYTES = RECORD_BYTES + 1

/** The pool as lines (value + '\n' each), one Buffer: kcat -P's input. */
export function poolLines(): Buffer {
  const pool = recordPool()
  const block = Buffer.allocUnsafe(POOL_RECORDS * LINE_BYTES)
  for (let i = 0; i < POOL_RECORDS; i++) {
    ;(pool[i] as Buffer).copy(block, i * LINE_BYTES)
    block[i * LINE_BYTES + RECORD_BYTES] = 0x0a
  }
  return block
}

/** Writes `count` records, one per line, to `path` (the pool's lines, repeated as often as needed). */
export function writeLinesFile(path: string, count: number): void {
  const block = poolLines()
  const fd = openSync(path, 'w')
  try {
    for (let written = 0; written < count; written += POOL_RECORDS) {
      const length = Math.min(POOL_RECORDS, count - written) * LINE_BYTES
      const bytes = writeSync(fd, block, 0, length)
      if (bytes !== length) throw new Error(`short write to ${path}: ${bytes} of ${length} bytes`)
    }
  } finally {
    closeSync(fd)
  }
}
