// Redis's HyperLogLog string ("HYLL"), so a Sluice sketch can be written with SET and counted with
// PFCOUNT, and a string read with GET (dense or sparse) becomes registers again. Written from the
// format as Redis documents it in hyperloglog.c; no Redis code is used.
//
//   offset  size   field
//   0       4      magic 'HYLL'
//   4       1      encoding: 0 = dense, 1 = sparse (Redis's internal 'raw' = 255 is never stored)
//   5       3      unused, zero
//   8       8      cached cardinality, little-endian; the top bit of byte 15 set = cache invalid
//   16      …      dense: 12288 bytes, 16384 six-bit registers (layout in hll-registers.ts)
//                  sparse: opcodes covering exactly 16384 registers in order:
//                    00xxxxxx            ZERO:  xxxxxx+1 registers (1..64) are 0
//                    01xxxxxx yyyyyyyy   XZERO: (xxxxxx<<8 | yyyyyyyy)+1 registers (1..16384) are 0
//                    1vvvvvxx            VAL:   xx+1 registers (1..4) hold vvvvv+1 (1..32)
// Redis's element → register rule (hllPatLen): h = MurmurHash64A(element bytes, 0xadc83b19);
// register = h & 16383; value = (trailing zeros of (h >> 14 | 1 << 50)) + 1, at most 51. Sluice's
// HyperLogLog uses the same rule at every precision (hyperloglog.ts), so at p = 14 with Redis's
// seed its registers are Redis's.
import { SluiceError } from '../base/errors.ts'
import { packedRegisterBytes, packRegisters, unpackRegisters } from './hll-registers.ts'

/** Registers in a Redis HyperLogLog (p = 14). */
export const REDIS_HLL_REGISTERS = 16384
/** Largest register value Redis stores: 64 - 14 + 1. */
export const REDIS_HLL_MAX_RANK = 51
const HEADER_BYTES = 16
const DENSE_BYTES = HEADER_BYTES + packedRegisterBytes(REDIS_HLL_REGISTERS)
const MAGIC = Buffer.from('HYLL', 'latin1')

function invalidRedisHll(message: string): SluiceError {
  return new SluiceError('CORRUPT_MESSAGE', `not a Redis HyperLogLog string: ${message}`, { retriable: false })
}

/** Encodes 16384 registers as a dense Redis HYLL string with the cardinality cache marked invalid (PFCOUNT recomputes it). */
export function encodeRedisDense(registers: Uint8Array): Buffer {
  if (registers.length !== REDIS_HLL_REGISTERS) throw new SluiceError('INVALID_ARGUMENT', `Redis HyperLogLog needs ${REDIS_HLL_REGISTERS} registers, got ${registers.length}`)
  const out = Buffer.alloc(DENSE_BYTES)
  MAGIC.copy(out, 0)
  out[4] = 0
  out[15] = 0x80
  packRegisters(registers, out, HEADER_BYTES)
  return out
}

/** Decodes a Redis HYLL string, dense or sparse, into 16384 one-byte registers. */
export function decodeRedisHll(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER_BYTES || !MAGIC.equals(bytes.subarray(0, 4))) throw invalidRedisHll('no HYLL magic')
  const encoding = bytes[4]
  if (encoding === 0) {
    if (bytes.length !== DENSE_BYTES) throw invalidRedisHll(`dense string of ${bytes.length} bytes, expected ${DENSE_BYTES}`)
    const registers = unpackRegisters(bytes, HEADER_BYTES, REDIS_HLL_REGISTERS)
    for (let i = 0; i < registers.length; i++) {
      if (registers[i]! > REDIS_HLL_MAX_RANK) throw invalidRedisHll(`register ${i} holds ${registers[i]}, above ${REDIS_HLL_MAX_RANK}`)
    }
    return registers
  }
  if (encoding === 1) return decodeSparse(bytes)
  throw invalidRedisHll(`unknown encoding ${encoding}`)
}

function decodeSparse(bytes: Uint8Array): Uint8Array {
  const registers = new Uint8Array(REDIS_HLL_REGISTERS)
  let index = 0
  let position = HEADER_BYTES
  while (position < bytes.length) {
    const op = bytes[position]!
    let run: number
    let value = 0
    if ((op & 0xc0) === 0) {
      run = (op & 0x3f) + 1
      position += 1
    } else if ((op & 0xc0) === 0x40) {
      if (position + 1 >= bytes.length) throw invalidRedisHll('XZERO opcode cut short')
      run = (((op & 0x3f) << 8) | bytes[position + 1]!) + 1
      position += 2
    } else {
      run = (op & 0x03) + 1
      value = ((op >>> 2) & 0x1f) + 1
      position += 1
    }
    if (index + run > REDIS_HLL_REGISTERS) throw invalidRedisHll('sparse opcodes cover more than 16384 registers')
    if (value !== 0) registers.fill(value, index, index + run)
    index += run
  }
  if (index !== REDIS_HLL_REGISTERS) throw invalidRedisHll(`sparse opcodes cover ${index} registers, not 16384`)
  return registers
}
