// Text forms the kafka client reads and writes: broker addresses ('host:port', IPv6 in brackets)
// and topic ids, which the wire carries as Kafka's 22-character base64url text and Sluice's API shows
// as a dashed UUID (the embedded log's form), so a topic has the same id over both transports.
import { SluiceError } from '../../base/errors.ts'

/** Parses 'host:port' (IPv6 as '[::1]:9092'). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address.trim()) ?? /^([^:\s]+):(\d+)$/.exec(address.trim())
  const port = match === null ? NaN : Number(match[2])
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SluiceError('INVALID_ARGUMENT', `invalid broker address '${address}' (expected host:port)`)
  }
  return { host: match[1]!, port }
}

/** Kafka's text form of a uuid (22 characters of unpadded base64url) as a dashed UUID string. */
export function uuidOfWireId(wireId: string): string {
  const hex = Buffer.from(wireId, 'base64url').toString('hex').padStart(32, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** A dashed UUID string in Kafka's text form. */
export function wireIdOfUuid(uuid: string): string {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url')
}
