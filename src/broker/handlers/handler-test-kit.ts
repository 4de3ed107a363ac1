// Test support for the handler unit tests (imported only by *.test.ts files): a RequestContext over
// a real Coordinator on a MemoryFs and a ManualClock, so a test calls a handler directly at any
// version and checks the response body. `call` passes both bodies through the generated codecs at
// that version, as the connection does: the handler sees what the wire can carry (fields the
// version lacks are reset to their defaults) and the test sees what the client would decode.
// `settle` lets promise callbacks run after a ManualClock advance fired timers synchronously.
import type { CoordinatorOptions } from '../../coordinator/coordinator.ts'
import { Coordinator } from '../../coordinator/coordinator.ts'
import { ManualClock } from '../../testing/manual-clock.ts'
import { MemoryFs } from '../../testing/memory-fs.ts'
import { apis } from '../../protocol/messages/index.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import { FetchSessionCache } from '../fetch-sessions.ts'
import type { ApiHandler, BrokerInfo, RequestContext } from '../handler.ts'

/** A coordinator with a request context over it. */
export interface HandlerTestBed {
  coordinator: Coordinator
  clock: ManualClock
  context: RequestContext
  /** Calls `handler` at `version` with this bed's context, both bodies through the codecs. */
  call<Q, R>(handler: ApiHandler<Q, R>, version: number, request: Q): Promise<R>
  close(): Promise<void>
}

/** The broker this bed's context describes. */
export const TEST_BROKER: BrokerInfo = { nodeId: 3, advertisedHost: 'sluice.test', advertisedPort: 19092, clusterId: 'c2x1aWNlLWNsdXN0ZXItMQ', autoCreateTopics: true }

/** Opens a Coordinator over a MemoryFs and builds a RequestContext for it. */
export async function openTestBed(options: Partial<Omit<CoordinatorOptions, 'dataDir' | 'fs' | 'clock'>> = {}): Promise<HandlerTestBed> {
  const clock = new ManualClock()
  const coordinator = await Coordinator.open({
    dataDir: '/data', fs: new MemoryFs(), clock, configOptions: { allowSmallSegments: true },
    ...options, groups: { initialRebalanceDelayMs: 0, ...options.groups },
  })
  const aborter = new AbortController()
  const context: RequestContext = {
    coordinator, clock, broker: TEST_BROKER, clientId: 'unit-test', clientHost: '/127.0.0.1', signal: aborter.signal,
    fetchSessions: new FetchSessionCache({ clock }),
  }
  return {
    coordinator, clock, context,
    async call(handler, version, request) {
      const api = apis.get(handler.apiKey)!
      if (version < handler.minVersion || version > Math.min(handler.maxVersion, api.maxVersion)) throw new Error(`${handler.name} does not serve v${version}`)
      const requestWriter = new Writer()
      api.encodeRequest(requestWriter, version, request)
      const decoded = api.decodeRequest(new Reader(requestWriter.toBuffer()), version) as typeof request
      const response = await handler.handle(context, decoded, version)
      if (response === null) throw new Error(`${handler.name} v${version} answered nothing`)
      const responseWriter = new Writer()
      api.encodeResponse(responseWriter, version, response)
      return api.decodeResponse(new Reader(responseWriter.toBuffer()), version) as typeof response
    },
    async close() {
      aborter.abort()
      await coordinator.close()
    },
  }
}

/** Lets pending promise callbacks run (a ManualClock fires timers synchronously). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
