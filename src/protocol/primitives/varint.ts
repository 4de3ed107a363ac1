// Variable-length integers of the Kafka protocol, on Buffers. Unsigned varints (7 bits per byte,
// least significant group first, high bit = more) carry compact lengths and tags; signed ones are
// zigzag-encoded first ((n << 1) ^ (n >> 31)) and carry record fields. 64-bit values ("varlong")
// are handled as JS numbers: exact up to 2^53, which covers offsets and timestamp deltas.
// Decoders return the value and leave the new position in `cursor.pos`; they never read past
// `end` and report a truncated or over-long varint by returning with `cursor.pos = -1`.

/** A read position shared by the decode functions so the hot path allocates nothing per value. */
export interface Cursor {
  pos: number
}

/** Bytes needed to write `value` (>= 0, < 2^32) as an unsigned varint. */
export function sizeOfUnsignedVarint(value: number): number {
  let bytes = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    bytes++
  }
  return bytes
}

/** Bytes needed to write a signed 32-bit `value` as a zigzag varint. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0)
}

/** Bytes needed to write a signed 64-bit `value` (a safe integer) as a zigzag varlong. */
export function sizeOfVarlong(value: number): number {
  return sizeOfUnsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1)
}

/** Writes an unsigned varint (0 <= value < 2^53) at `pos`; returns the position after it. */
export function writeUnsignedVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  buf[pos++] = value
  return pos
}

/** Writes a signed 32-bit value as a zigzag varint; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0)
}

/** Writes a signed safe integer as a zigzag varlong; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, value >= 0 ? value * 2 : -value * 2 - 1)
}

/** Reads an unsigned varint of at most `maxBytes` (5 for 32-bit, 10 for 64-bit). */
export function readUnsignedVarint(buf: Buffer, cursor: Cursor, end: number, maxBytes = 5): number {
  let pos = cursor.pos
  let result = 0
  let multiplier = 1
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= end) break
    const byte = buf[pos++] as number
    result += (byte & 0x7f) * multiplier
    if ((byte & 0x80) === 0) {
      cursor.pos = pos
      return result
    }
    multiplier *= 128
  }
  cursor.pos = -1
  return 0
}

/** Reads a zigzag varint (signed 32-bit). */
export function readVarint(buf: Buffer, cursor: Cursor, end: number): number {
  const raw = readUnsignedVarint(buf, cursor, end, 5)
  // raw < 2^32: undo zigzag with 32-bit ops.
  return (raw >>> 1) ^ -(raw & 1)
}

/** Reads a zigzag varlong (signed 64-bit, exact within ±2^53). */
export function readVarlong(buf: Buffer, cursor: Cursor, end: number): number {
  const raw = readUnsignedVarint(buf, cursor, end, 10)
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
}
