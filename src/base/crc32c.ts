// CRC-32C (Castagnoli), the checksum of Kafka's record batch v2. Backed by @node-rs/crc32, whose
// SIMD implementation runs at memory speed: the broker validates every produced batch with it, so
// a JavaScript table loop (~400 MB/s) would cap produce throughput.
import { crc32c as nativeCrc32c } from '@node-rs/crc32'

/** CRC-32C of `data`, continuing from `initial` (0 for a fresh checksum). */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), initial) >>> 0
}
