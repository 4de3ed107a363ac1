// Parsers for option values shared by the commands: key=value pairs (configs, headers), counts and
// partition numbers. They throw SluiceError('INVALID_ARGUMENT') naming the option and the value, so
// the user sees one line saying exactly what was wrong; commander's collectors build the lists.
import { SluiceError } from '../base/errors.ts'

/** Splits 'name=value' at the first '='; the name must not be empty, the value may be. */
export function parseKeyValue(input: string, what: string): [string, string] {
  const at = input.indexOf('=')
  if (at <= 0) throw new SluiceError('INVALID_ARGUMENT', `invalid ${what} '${input}' (expected name=value)`)
  return [input.slice(0, at), input.slice(at + 1)]
}

/** A commander collector for repeatable options: `-c a=1 -c b=2` → ['a=1', 'b=2']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** Parses a non-negative integer option (a partition number, a count). */
export function parseNonNegativeInt(input: string | undefined, what: string): number | undefined {
  if (input === undefined) return undefined
  const n = /^\d+$/.test(input.trim()) ? Number(input) : NaN
  if (!Number.isSafeInteger(n)) throw new SluiceError('INVALID_ARGUMENT', `invalid ${what} '${input}' (expected a whole number >= 0)`)
  return n
}

/** Parses a positive integer option (a partition count, a record count). */
export function parsePositiveInt(input: string | undefined, what: string): number | undefined {
  const n = parseNonNegativeInt(input, what)
  if (n === 0) throw new SluiceError('INVALID_ARGUMENT', `invalid ${what} '${input}' (expected a whole number >= 1)`)
  return n
}

/** Interprets the escapes a shell makes awkward to type in separators: \t, \n, \0, \\. */
export function unescapeSeparator(input: string): string {
  return input.replace(/\\([tn0\\])/g, (_, c: string) => ({ t: '\t', n: '\n', '0': '\0', '\\': '\\' })[c]!)
}
