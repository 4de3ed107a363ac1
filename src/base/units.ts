// Human units for durations and sizes in configs and CLI flags: '5s', '10m', '1.5h', '512KiB',
// '1GiB'. Plain numbers pass through as milliseconds / bytes. Bad input gets an INVALID_ARGUMENT
// error naming the value, never NaN.
import { SluiceError } from './errors.ts'

const DURATION_MS: Record<string, number> = {
  ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000,
}
const SIZE_BYTES: Record<string, number> = {
  b: 1, kb: 1000, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
}

function parseUnit(input: string | number, table: Record<string, number>, what: string, defaultUnit: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new SluiceError('INVALID_ARGUMENT', `invalid ${what}: ${input}`)
    return input
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input)
  const unit = (match?.[2] || defaultUnit).toLowerCase()
  const factor = table[unit]
  if (match === null || factor === undefined) {
    throw new SluiceError('INVALID_ARGUMENT', `invalid ${what} '${input}' (examples: ${what === 'duration' ? "'500ms', '5s', '10m', '2h'" : "'1024', '64KiB', '1GiB'"})`)
  }
  return Math.round(Number(match[1]) * factor)
}

/** Parses '5s', '10m', '250ms', or a number of milliseconds, into milliseconds. */
export function parseDuration(input: string | number): number {
  return parseUnit(input, DURATION_MS, 'duration', 'ms')
}

/** Parses '64KiB', '1GiB', '10MB', or a number of bytes, into bytes. */
export function parseSize(input: string | number): number {
  return parseUnit(input, SIZE_BYTES, 'size', 'b')
}

/** Formats a byte count for people: 1536 -> '1.5 KiB'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let i = 0
  while (value >= 1024 && i < units.length - 1) { value /= 1024; i++ }
  return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`
}
