// The 64-bit Rabin fingerprint of an Avro schema (the spec's CRC-64-AVRO) over its Parsing
// Canonical Form, which Avro's single-object encoding puts in front of each value so a reader can
// tell which writer schema produced it. Computed once per schema, so BigInt's cost does not matter.
// avsc's `Type#schema()` (no options) returns the canonical form: only name/type/fields/symbols/
// items/values/size, full names, no doc/default/aliases/logicalType.
import type avro from 'avsc'

/** The spec's seed and polynomial: the fingerprint of the empty input. */
const EMPTY = 0xc15d213aa4d7a795n
const TABLE: bigint[] = []
for (let i = 0; i < 256; i++) {
  let fp = BigInt(i)
  for (let j = 0; j < 8; j++) fp = fp & 1n ? (fp >> 1n) ^ EMPTY : fp >> 1n
  TABLE.push(fp)
}

/** CRC-64-AVRO of `bytes`, as an unsigned 64-bit integer. */
export function rabinFingerprint64(bytes: Uint8Array): bigint {
  let fp = EMPTY
  for (const byte of bytes) fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint)
  return fp
}

/** The Parsing Canonical Form of an avsc type, as JSON text. */
export function canonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema())
}

/** The schema's CRC-64-AVRO fingerprint as the 8 little-endian bytes single-object encoding uses. */
export function schemaFingerprint(type: avro.Type): Buffer {
  const out = Buffer.alloc(8)
  out.writeBigUInt64LE(rabinFingerprint64(Buffer.from(canonicalForm(type), 'utf8')))
  return out
}
