// Adds `sluice.streams(name, options)` to the client's Sluice. The client layer may not import
// the streams engine (DESIGN.md's arrows point down), so the engine extends it: this module
// augments the Sluice class's type and installs the method when it is loaded. Both public entries
// load it (`sluice` via src/index.ts, and `sluice/streams`).
import { Sluice } from '../../client/sluice.ts'
import type { AppOptions } from '../dsl/types.ts'
import { StreamsApp } from './streams-app.ts'

declare module '../../client/sluice.ts' {
  interface Sluice {
    /**
     * A streams app named `name` (its application id: consumer group and internal topic prefix).
     * @example
     * const app = sluice.streams('fraud', { guarantee: 'exactly-once' })
     * app.stream<Payment>('payments').keyBy((p) => p.card).count().toStream().to('counts')
     * await app.start()
     */
    streams(name: string, options?: AppOptions): StreamsApp
  }
}

Sluice.prototype.streams = function streams(this: Sluice, name: string, options?: AppOptions): StreamsApp {
  return new StreamsApp(this, name, options)
}
