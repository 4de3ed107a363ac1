// How `sluice consume` prints a record: a kcat-style template ('%k %s\n'), the default text forms
// (value only, or key<sep>value) built on the same template machinery, and one JSON object per
// line. A template is compiled once into parts so printing millions of records does no parsing;
// the per-record cost is one string concatenation per part.
import { SluiceError } from '../../base/errors.ts'
import type { ConsumerRecord } from '../../client/types.ts'

/** How key, value and header bytes become text. 'utf8' replaces invalid sequences with U+FFFD. */
export type BytesEncoding = 'utf8' | 'base64' | 'hex'

/** Turns one record into the text to print (including any trailing newline). */
export type RecordFormatter = (record: ConsumerRecord) => string

type Part = string | ((record: ConsumerRecord) => string)

/** The conversions a template may use, kcat's letters. */
export const TEMPLATE_HELP = '%s value, %k key, %S value bytes, %K key bytes, %t topic, %p partition, ' +
  '%o offset, %T timestamp (ms), %h headers (name=value,...), %%; escapes \\n \\t \\r \\0 \\\\'

function text(bytes: Buffer | null, encoding: BytesEncoding): string {
  return bytes === null ? '' : bytes.toString(encoding)
}

function headersText(record: ConsumerRecord, encoding: BytesEncoding): string {
  return record.headers.map(([name, value]) => `${name}=${text(value, encoding)}`).join(',')
}

function conversion(letter: string, encoding: BytesEncoding): Part | undefined {
  switch (letter) {
    case 's': return (r) => text(r.value, encoding)
    case 'k': return (r) => text(r.key, encoding)
    case 'S': return (r) => String(r.value === null ? -1 : r.value.length)
    case 'K': return (r) => String(r.key === null ? -1 : r.key.length)
    case 't': return (r) => r.topic
    case 'p': return (r) => String(r.partition)
    case 'o': return (r) => String(r.offset)
    case 'T': return (r) => String(r.timestamp)
    case 'h': return (r) => headersText(r, encoding)
    case '%': return '%'
    default: return undefined
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\' }

/** Compiles a kcat-style template; unknown conversions are an INVALID_ARGUMENT error. */
export function compileTemplate(template: string, encoding: BytesEncoding = 'utf8'): RecordFormatter {
  const parts: Part[] = []
  let literal = ''
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!
    const next = template[i + 1]
    if (c === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      literal += ESCAPES[next]
      i++
    } else if (c === '%') {
      const part = next === undefined ? undefined : conversion(next, encoding)
      if (part === undefined) {
        throw new SluiceError('INVALID_ARGUMENT', `invalid format '${template}': unknown conversion '%${next ?? ''}' (${TEMPLATE_HELP})`)
      }
      i++
      if (typeof part === 'string') literal += part
      else {
        if (literal !== '') parts.push(literal)
        literal = ''
        parts.push(part)
      }
    } else {
      literal += c
    }
  }
  if (literal !== '') parts.push(literal)
  return (record) => {
    let out = ''
    for (const part of parts) out += typeof part === 'string' ? part : part(record)
    return out
  }
}

/** The default text form: the value, or key<separator>value with `printKey`, one per line. */
export function textFormatter(options: { printKey: boolean; keySeparator: string; encoding: BytesEncoding }): RecordFormatter {
  const { encoding, keySeparator } = options
  if (!options.printKey) return (r) => text(r.value, encoding) + '\n'
  return (r) => text(r.key, encoding) + keySeparator + text(r.value, encoding) + '\n'
}

/** One JSON object per line: topic, partition, offset, timestamp, key, value, headers as [name, value] pairs. */
export function jsonFormatter(encoding: BytesEncoding): RecordFormatter {
  const bytes = (b: Buffer | null): string | null => (b === null ? null : b.toString(encoding))
  return (r) => JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: bytes(r.key),
    value: bytes(r.value),
    headers: r.headers.map(([name, value]) => [name, bytes(value)]),
  }) + '\n'
}
