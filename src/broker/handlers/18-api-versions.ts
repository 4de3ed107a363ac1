// ApiVersions (key 18), v0-4: the APIs and versions this broker serves. Clients pick each request's
// version from this answer, and librdkafka picks its message format from it (Produce v3+/Fetch v4+
// mean record batch v2), so the list is computed from the handler table (api-range.ts), never
// written by hand. Versions: v1 added throttleTimeMs; v3 (flexible) added the client software name
// and version and the feature tags; v4 only marks that the client understands UNSUPPORTED_VERSION
// answers. A request at a version above 4 never reaches this handler: dispatch.ts answers it with a
// v0 body carrying UNSUPPORTED_VERSION and these ranges, as Kafka does.
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages/index.ts'
import { advertisedApis, type AdvertisedApi } from '../api-range.ts'
import type { ApiHandler } from '../handler.ts'

/** The ApiVersions handler advertising `served` plus itself. */
export function createApiVersionsHandler(served: readonly ApiHandler[]): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  // Computed lazily so the list includes this handler; fixed after the first request.
  let apiKeys: AdvertisedApi[] | null = null
  const handler: ApiHandler<ApiVersionsRequest, ApiVersionsResponse> = {
    apiKey: 18,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 4,
    handle() {
      apiKeys ??= advertisedApis([...served, handler as ApiHandler])
      return {
        errorCode: 0, apiKeys, throttleTimeMs: 0,
        supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false,
      }
    },
  }
  return handler
}
