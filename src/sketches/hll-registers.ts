// HyperLogLog register packing: six bits per register, least significant bit first, register i at
// bit 6*i (so register 0 is the low six bits of byte 0, register 1 the high two bits of byte 0 and
// the low four of byte 1, …). This is Redis's dense layout (hyperloglog.c, HLL_DENSE_GET_REGISTER);
// Sluice's own serialized HyperLogLog uses it too. In memory registers are one byte each (fast to
// update); packing happens only at the format boundary. The formats themselves live in
// hyperloglog.ts (Sluice's) and redis-hll.ts (Redis's HYLL string).

/** Bytes needed to pack `count` six-bit registers. */
export function packedRegisterBytes(count: number): number {
  return Math.ceil((count * 6) / 8)
}

/** Packs one-byte registers (each < 64) into `out` at `offset`, six bits each. */
export function packRegisters(registers: Uint8Array, out: Uint8Array, offset: number): void {
  out.fill(0, offset, offset + packedRegisterBytes(registers.length))
  for (let i = 0; i < registers.length; i++) {
    const value = registers[i]!
    const bit = i * 6
    const byte = offset + (bit >>> 3)
    const shift = bit & 7
    out[byte]! |= (value << shift) & 0xff
    if (shift > 2) out[byte + 1]! |= value >>> (8 - shift)
  }
}

/** Unpacks `count` six-bit registers from `bytes` at `offset` into one-byte registers. */
export function unpackRegisters(bytes: Uint8Array, offset: number, count: number): Uint8Array {
  const registers = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    const bit = i * 6
    const byte = offset + (bit >>> 3)
    const shift = bit & 7
    // The byte after the last one is read as 0, as Redis reads its sds terminator.
    const pair = bytes[byte]! | ((byte + 1 < bytes.length ? bytes[byte + 1]! : 0) << 8)
    registers[i] = (pair >>> shift) & 63
  }
  return registers
}
