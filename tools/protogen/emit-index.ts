// Emits src/protocol/messages/index.ts: the table of every API (key, name, versions, the four
// codecs), Kafka's API keys by name, the header version each API version uses, and re-exports of
// every generated file.
import { Code, quote } from './code.ts'
import { apiName, banner, fileNameFor } from './emit-file.ts'
import type { MessageModel } from './model.ts'
import type { VersionRange } from './schema.ts'

/** A request and its response. */
export interface ApiPair {
  readonly request: MessageModel
  readonly response: MessageModel
}

function rangeLiteral(range: VersionRange | null): string {
  return range === null ? 'null' : `{ min: ${range.min}, max: ${range.max} }`
}

function moduleAlias(pair: ApiPair): string {
  const name = apiName(pair.request)
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}Messages`
}

/** The text of index.ts for `pairs` (sorted by API key) and the other generated files. */
export function emitIndex(pairs: readonly ApiPair[], otherFiles: readonly string[]): string {
  const code = new Code()
  for (const line of banner(['every *Request.json and *Response.json'])) code.line(line)
  code.line('//')
  code.line('// The table of Kafka APIs Sluice has codecs for: versions to advertise in ApiVersions, the')
  code.line('// header version each API version uses, and the request/response codecs by API key. It also')
  code.line('// re-exports every generated message file.')
  code.line("import type { Reader } from '../primitives/reader.ts'")
  code.line("import type { Writer } from '../primitives/writer.ts'")
  for (const pair of pairs) {
    code.line(`import * as ${moduleAlias(pair)} from './${fileNameFor(pair.request)}'`)
  }
  code.line()
  for (const file of [...pairs.map((p) => fileNameFor(p.request)), ...otherFiles]) {
    code.line(`export * from './${file}'`)
  }
  code.line(`
/** An inclusive range of versions; open-ended ranges ("9+") end at 32767. */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

/** One Kafka API: its versions and the codecs of its request and response bodies. */
export interface ApiDefinition<Request = unknown, Response = unknown> {
  readonly apiKey: number
  readonly name: string
  readonly minVersion: number
  /** The highest stable version: the one to advertise (below minVersion when none is stable). */
  readonly maxVersion: number
  /** The highest version the codecs handle: maxVersion + 1 when latestVersionUnstable. */
  readonly latestVersion: number
  /** Kafka is still designing the latest version: generated, but not to be advertised. */
  readonly latestVersionUnstable: boolean
  /** Versions using compact strings/arrays and tagged fields (request header v2, response v1). */
  readonly flexibleVersions: VersionRange | null
  /** Versions Kafka 4.0 removed (KIP-896); old clients still send some of them. */
  readonly deprecatedVersions: VersionRange | null
  /** Which Kafka roles serve the API ("broker" for the client-facing ones). */
  readonly listeners: readonly string[]
  decodeRequest(reader: Reader, version: number): Request
  encodeRequest(writer: Writer, version: number, body: Request): void
  decodeResponse(reader: Reader, version: number): Response
  encodeResponse(writer: Writer, version: number, body: Response): void
}`)
  code.line()
  code.line("/** Kafka's API keys by API name. */")
  code.block('export const ApiKey =', () => {
    for (const pair of pairs) code.line(`${apiName(pair.request)}: ${pair.request.spec.apiKey},`)
  }, '} as const')
  code.line()
  code.line('/** Every API by key, in key order. */')
  code.line('export const apis: ReadonlyMap<number, ApiDefinition> = new Map<number, ApiDefinition>([')
  code.indented(() => {
    for (const pair of pairs) {
      const { request, response } = pair
      const alias = moduleAlias(pair)
      const unstable =
        request.spec.latestVersionUnstable === true || response.spec.latestVersionUnstable === true
      const latest = request.validVersions.max
      code.line(`[${request.spec.apiKey}, {`)
      code.indented(() => {
        code.line(`apiKey: ${request.spec.apiKey},`)
        code.line(`name: ${quote(apiName(request))},`)
        code.line(`minVersion: ${request.validVersions.min},`)
        code.line(`maxVersion: ${unstable ? latest - 1 : latest},`)
        code.line(`latestVersion: ${latest},`)
        code.line(`latestVersionUnstable: ${unstable},`)
        code.line(`flexibleVersions: ${rangeLiteral(request.flexibleVersions)},`)
        code.line(`deprecatedVersions: ${rangeLiteral(request.deprecatedVersions)},`)
        code.line(`listeners: [${(request.spec.listeners ?? []).map(quote).join(', ')}],`)
        code.line(`decodeRequest: ${alias}.decode${request.name},`)
        code.line(`encodeRequest: ${alias}.encode${request.name},`)
        code.line(`decodeResponse: ${alias}.decode${response.name},`)
        code.line(`encodeResponse: ${alias}.encode${response.name},`)
      })
      code.line('}],')
    }
  })
  code.line('])')
  code.line(`
/** Whether \`version\` of \`api\` uses the flexible encoding. */
export function isFlexibleVersion(api: ApiDefinition, version: number): boolean {
  const range = api.flexibleVersions
  return range !== null && version >= range.min && version <= range.max
}

/**
 * The request header version for an API version: 2 when flexible, else 1, except that
 * ControlledShutdown v0 uses header v0 (no client id). Unknown API keys get 1, enough to read the
 * correlation id before refusing the request.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0
  const api = apis.get(apiKey)
  return api !== undefined && isFlexibleVersion(api, apiVersion) ? 2 : 1
}

/**
 * The response header version for an API version: 1 when flexible, else 0, except that ApiVersions
 * responses always use v0 so that a client can read them whatever version it sent.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0
  const api = apis.get(apiKey)
  return api !== undefined && isFlexibleVersion(api, apiVersion) ? 1 : 0
}`)
  return code.toString()
}
