// Loads Kafka's message definitions (../shared/kafka-protocol/messages/*.json: JSON with `//`
// comment lines) into plain typed objects, and parses their version ranges. No interpretation
// beyond that: model.ts resolves structs, types and defaults; the emit-*.ts files write code.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Highest version number on the wire (versions are int16): the upper end of "N+" ranges. */
export const VERSION_MAX = 0x7fff

/** An inclusive range of message versions. */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

/** One field of a message or struct, as written in the JSON. */
export interface FieldSpec {
  readonly name: string
  readonly type: string
  readonly versions: string
  readonly nullableVersions?: string
  readonly taggedVersions?: string
  readonly tag?: number
  readonly default?: string | number | boolean
  readonly ignorable?: boolean
  readonly mapKey?: boolean
  readonly entityType?: string
  readonly zeroCopy?: boolean
  readonly about?: string
  readonly flexibleVersions?: string
  readonly fields?: readonly FieldSpec[]
}

/** A named struct shared by several fields of one message. */
export interface CommonStructSpec {
  readonly name: string
  readonly versions: string
  readonly fields: readonly FieldSpec[]
}

/** One message definition file. */
export interface MessageSpec {
  readonly apiKey?: number
  readonly type: 'request' | 'response' | 'header' | 'data'
  readonly name: string
  readonly validVersions: string
  readonly flexibleVersions: string
  readonly deprecatedVersions?: string
  readonly latestVersionUnstable?: boolean
  readonly listeners?: readonly string[]
  readonly fields: readonly FieldSpec[]
  readonly commonStructs?: readonly CommonStructSpec[]
}

/** A definition together with the name of the file it came from. */
export interface LoadedSpec {
  readonly file: string
  readonly spec: MessageSpec
}

/** Parses "3", "0-11", "9+" or "none" (null). */
export function parseVersions(text: string): VersionRange | null {
  const trimmed = text.trim()
  if (trimmed === 'none') return null
  let match = /^(\d+)\+$/.exec(trimmed)
  if (match) return { min: Number(match[1]), max: VERSION_MAX }
  match = /^(\d+)-(\d+)$/.exec(trimmed)
  if (match) {
    const range = { min: Number(match[1]), max: Number(match[2]) }
    if (range.min > range.max) throw new Error(`empty version range "${text}"`)
    return range
  }
  match = /^(\d+)$/.exec(trimmed)
  if (match) return { min: Number(match[1]), max: Number(match[1]) }
  throw new Error(`unparseable version range "${text}"`)
}

/** Drops the lines whose first non-blank characters are `//` (the files' comment syntax). */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n')
}

/** Reads every `*.json` definition in `dir`, sorted by file name. */
export function loadSpecs(dir: string): LoadedSpec[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8')
    let spec: MessageSpec
    try {
      spec = JSON.parse(stripComments(text)) as MessageSpec
    } catch (error) {
      throw new Error(`${file}: not valid JSON once comments are dropped`, { cause: error })
    }
    return { file, spec }
  })
}
