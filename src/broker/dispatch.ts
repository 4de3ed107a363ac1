// API key → handler, and Kafka's answers to what no handler serves: an ApiVersions request at a
// version above ours gets a v0-format body with UNSUPPORTED_VERSION (35) and our ranges (the client
// then retries at a version it finds there); any other unknown key or version closes the
// connection, as Kafka does. The accepted ranges are exactly those ApiVersions advertises
// (api-range.ts). Also frames responses: size prefix, response header, body. connection.ts drives
// this per request; handlers/index.ts is the table.
import type { ApiDefinition } from '../protocol/messages/index.ts'
import { apis, encodeApiVersionsResponse, encodeResponseHeader, responseHeaderVersion } from '../protocol/messages/index.ts'
import { Writer } from '../protocol/primitives/writer.ts'
import { advertisedApis, advertisedRange, type AdvertisedApi } from './api-range.ts'
import type { ApiHandler } from './handler.ts'

const API_VERSIONS_KEY = 18
const UNSUPPORTED_VERSION = 35

/** Where a request goes: a handler, the ApiVersions fallback, or nowhere (close the connection). */
export type Route =
  | { kind: 'serve'; handler: ApiHandler; api: ApiDefinition }
  | { kind: 'api-versions-fallback' }
  | { kind: 'refuse'; reason: string }

interface Entry {
  handler: ApiHandler
  api: ApiDefinition
  minVersion: number
  maxVersion: number
}

/** Routes requests by API key and version, and encodes response frames. */
export class Dispatcher {
  readonly #entries = new Map<number, Entry>()
  /** The advertised set, in key order (what ApiVersions answers). */
  readonly advertised: readonly AdvertisedApi[]

  constructor(handlers: readonly ApiHandler[]) {
    this.advertised = advertisedApis(handlers)
    for (const handler of handlers) {
      const { min, max } = advertisedRange(handler)
      this.#entries.set(handler.apiKey, { handler, api: apis.get(handler.apiKey)!, minVersion: min, maxVersion: max })
    }
  }

  /** The route of a request with this API key and version. */
  route(apiKey: number, version: number): Route {
    const entry = this.#entries.get(apiKey)
    if (entry === undefined) return { kind: 'refuse', reason: `unknown API key ${apiKey}` }
    if (version >= entry.minVersion && version <= entry.maxVersion) return { kind: 'serve', handler: entry.handler, api: entry.api }
    if (apiKey === API_VERSIONS_KEY && version > entry.maxVersion) return { kind: 'api-versions-fallback' }
    return { kind: 'refuse', reason: `${entry.handler.name} v${version} is outside the served ${entry.minVersion}-${entry.maxVersion}` }
  }

  /** One response frame (size, header, body) as chunks; large record blobs stay referenced, not copied. */
  encodeResponse(api: ApiDefinition, version: number, correlationId: number, body: unknown): readonly Buffer[] {
    const writer = new Writer()
    const size = writer.reserveInt32()
    encodeResponseHeader(writer, responseHeaderVersion(api.apiKey, version), { correlationId })
    api.encodeResponse(writer, version, body)
    writer.patchInt32(size, writer.bytesSince(size))
    return writer.chunks()
  }

  /** The answer to ApiVersions at a version we do not know: v0 header and body, UNSUPPORTED_VERSION, our ranges. */
  encodeApiVersionsFallback(correlationId: number): readonly Buffer[] {
    const writer = new Writer()
    const size = writer.reserveInt32()
    encodeResponseHeader(writer, 0, { correlationId })
    encodeApiVersionsResponse(writer, 0, {
      errorCode: UNSUPPORTED_VERSION, apiKeys: [...this.advertised], throttleTimeMs: 0,
      supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false,
    })
    writer.patchInt32(size, writer.bytesSince(size))
    return writer.chunks()
  }
}
