// The versions the broker advertises for one handler: the handler's own range clamped to what the
// generated codecs serve as stable (protocol/messages/index.ts: `maxVersion` leaves out a version
// Kafka marks `latestVersionUnstable`). ApiVersions (handlers/18-api-versions.ts) advertises these
// ranges and dispatch.ts accepts exactly them, so the two can never disagree.
import { assert } from '../base/assert.ts'
import { apis, type VersionRange } from '../protocol/messages/index.ts'
import type { ApiHandler } from './handler.ts'

/** One advertised API: its key and inclusive version range. */
export interface AdvertisedApi {
  apiKey: number
  minVersion: number
  maxVersion: number
}

/** The range `handler` serves, clamped to its codec's stable range; asserts the two overlap. */
export function advertisedRange(handler: ApiHandler): VersionRange {
  const api = apis.get(handler.apiKey)
  assert(api !== undefined, `no generated codec for API key ${handler.apiKey} (${handler.name})`)
  const min = Math.max(handler.minVersion, api.minVersion)
  const max = Math.min(handler.maxVersion, api.maxVersion)
  assert(min <= max, `${handler.name} serves ${handler.minVersion}-${handler.maxVersion}, outside the codec's ${api.minVersion}-${api.maxVersion}`)
  return { min, max }
}

/** The advertised APIs of a handler set, in API key order; asserts one handler per key. */
export function advertisedApis(handlers: readonly ApiHandler[]): AdvertisedApi[] {
  const seen = new Set<number>()
  const list: AdvertisedApi[] = []
  for (const handler of handlers) {
    assert(!seen.has(handler.apiKey), `two handlers for API key ${handler.apiKey}`)
    seen.add(handler.apiKey)
    const { min, max } = advertisedRange(handler)
    list.push({ apiKey: handler.apiKey, minVersion: min, maxVersion: max })
  }
  return list.sort((a, b) => a.apiKey - b.apiKey)
}
