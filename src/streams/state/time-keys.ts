// The binary keys of window and session stores: a record key plus times, laid out so that memcmp
// order (the order of every store) is (record key, then times ascending). These bytes are also the
// keys of the stores' changelog topics, so the layout is a format: change it only with a version.
//
//   window key   escape(key) 00 00 | start (8)                   window-store.ts
//                escape(key) 00 00 | start (8) | seq (4)         (retainDuplicates)
//   session key  escape(key) 00 00 | end (8)   | start (8)       session-store.ts
//
// escape(key) writes each 00 byte of the record key as 00 01 and leaves other bytes alone, and
// 00 00 ends it. That keeps record-key order (a key sorts before any key it prefixes, because the
// terminator 00 00 is below both 00 01 and any other byte) and makes the key unambiguous: no record
// key's encoding is a prefix of another's, so a range over one key never catches another key, and
// times compare only between entries of the same key. Keys without a 00 byte (strings, JSON) are
// copied as they are.
//
// Times are milliseconds as a signed 64-bit integer, big-endian, with the sign bit flipped, so that
// memcmp orders them numerically, negatives first. `seq` (u32 big-endian) tells apart duplicates
// of one key and window when the store retains duplicates (stream-stream joins).
import { SluiceError } from '../../base/errors.ts'

const TWO_32 = 2 ** 32
/** Bytes of one encoded time. */
export const TIME_BYTES = 8
/** Bytes of a duplicate's sequence number. */
export const SEQ_BYTES = 4

/** Throws INVALID_ARGUMENT unless `ms` is a safe integer (a time the layout can hold exactly). */
export function checkTime(what: string, ms: number): void {
  if (!Number.isSafeInteger(ms)) throw new SluiceError('INVALID_ARGUMENT', `${what} must be a whole number of milliseconds, got ${String(ms)}`)
}

/** Writes `ms` at `position` as a sign-flipped big-endian int64. */
export function writeTime(out: Buffer, position: number, ms: number): void {
  const high = Math.floor(ms / TWO_32)
  out.writeUInt32BE((high ^ 0x80000000) >>> 0, position)
  out.writeUInt32BE(ms - high * TWO_32, position + 4)
}

/** Reads a time written by writeTime. */
export function readTime(bytes: Buffer, position: number): number {
  const high = (bytes.readUInt32BE(position) ^ 0x80000000) | 0
  return high * TWO_32 + bytes.readUInt32BE(position + 4)
}

/** The record key escaped and terminated, followed by `suffixBytes` bytes left for the caller to fill. */
export function escapedKeyWithRoom(key: Buffer, suffixBytes: number): { out: Buffer; position: number } {
  // Fast path: most keys have no 00 byte (indexOf is native), so a plain copy is the encoding.
  let zeros = 0
  for (let at = key.indexOf(0); at !== -1; at = key.indexOf(0, at + 1)) zeros++
  const out = Buffer.allocUnsafe(key.length + zeros + 2 + suffixBytes)
  let position: number
  if (zeros === 0) {
    key.copy(out, 0)
    position = key.length
  } else {
    position = 0
    for (let i = 0; i < key.length; i++) {
      const byte = key[i] as number
      out[position++] = byte
      if (byte === 0) out[position++] = 1
    }
  }
  out[position++] = 0
  out[position++] = 0
  return { out, position }
}

/** The record key of an encoded key whose fixed-size suffix is `suffixBytes` long. */
export function recordKeyOf(encoded: Buffer, suffixBytes: number, what: string): Buffer {
  const end = encoded.length - suffixBytes - 2
  if (end < 0 || encoded[end] !== 0 || encoded[end + 1] !== 0) throw corruptKey(what, encoded, 'no 00 00 terminator where the layout puts it')
  let zeros = 0
  for (let at = encoded.indexOf(0); at !== -1 && at < end; at = encoded.indexOf(0, at + 2)) {
    if (encoded[at + 1] !== 1 || at + 1 >= end) throw corruptKey(what, encoded, `a 00 byte at ${at} is not escaped`)
    zeros++
  }
  if (zeros === 0) return encoded.subarray(0, end)
  const key = Buffer.allocUnsafe(end - zeros)
  let position = 0
  for (let i = 0; i < end; i++) {
    const byte = encoded[i] as number
    key[position++] = byte
    if (byte === 0) i++ // skip the 01 of the escape
  }
  return key
}

/** The CORRUPT_MESSAGE error of a stored or changelog key that does not follow the layout. */
export function corruptKey(what: string, encoded: Buffer, problem: string): SluiceError {
  return new SluiceError('CORRUPT_MESSAGE', `corrupt ${what} key (${encoded.length} bytes, ${encoded.subarray(0, 24).toString('hex')}): ${problem}`, { retriable: false })
}

/** Encodes a window key; `seq` only when the store retains duplicates. */
export function encodeWindowKey(key: Buffer, startMs: number, seq?: number): Buffer {
  const { out, position } = escapedKeyWithRoom(key, TIME_BYTES + (seq === undefined ? 0 : SEQ_BYTES))
  writeTime(out, position, startMs)
  if (seq !== undefined) out.writeUInt32BE(seq, position + TIME_BYTES)
  return out
}

/** The window start of an encoded window key (what places it in a time segment). */
export function windowStartOf(encoded: Buffer, hasSeq: boolean): number {
  const suffix = TIME_BYTES + (hasSeq ? SEQ_BYTES : 0)
  if (encoded.length < suffix + 2) throw corruptKey('window', encoded, `shorter than the ${suffix + 2} bytes of terminator and suffix`)
  return readTime(encoded, encoded.length - suffix)
}

/** The parts of an encoded window key. */
export function decodeWindowKey(encoded: Buffer, hasSeq: boolean): { key: Buffer; startMs: number; seq: number } {
  const suffix = TIME_BYTES + (hasSeq ? SEQ_BYTES : 0)
  const startMs = windowStartOf(encoded, hasSeq)
  return { key: recordKeyOf(encoded, suffix, 'window'), startMs, seq: hasSeq ? encoded.readUInt32BE(encoded.length - SEQ_BYTES) : 0 }
}

/** Encodes a session key: the end before the start, so a key's sessions sort by end time. */
export function encodeSessionKey(key: Buffer, startMs: number, endMs: number): Buffer {
  const { out, position } = escapedKeyWithRoom(key, 2 * TIME_BYTES)
  writeTime(out, position, endMs)
  writeTime(out, position + TIME_BYTES, startMs)
  return out
}

/** The end of an encoded session key (what places it in a time segment). */
export function sessionEndOf(encoded: Buffer): number {
  if (encoded.length < 2 * TIME_BYTES + 2) throw corruptKey('session', encoded, `shorter than the ${2 * TIME_BYTES + 2} bytes of terminator and times`)
  return readTime(encoded, encoded.length - 2 * TIME_BYTES)
}

/** The parts of an encoded session key. */
export function decodeSessionKey(encoded: Buffer): { key: Buffer; startMs: number; endMs: number } {
  const endMs = sessionEndOf(encoded)
  return { key: recordKeyOf(encoded, 2 * TIME_BYTES, 'session'), startMs: readTime(encoded, encoded.length - TIME_BYTES), endMs }
}
