// The broker's handler table: one file per API key (NN-name.ts, each opening with the versions it
// serves). ApiVersions is built last from the others, so it advertises exactly this set; adding a
// handler here is all it takes to serve and advertise an API.
import type { ApiHandler } from '../handler.ts'
import { produceHandler } from './00-produce.ts'
import { fetchHandler } from './01-fetch.ts'
import { listOffsetsHandler } from './02-list-offsets.ts'
import { metadataHandler } from './03-metadata.ts'
import { createApiVersionsHandler } from './18-api-versions.ts'
import { initProducerIdHandler } from './22-init-producer-id.ts'
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.ts'

// Typed loosely: each handler's request and response types are checked in its own file.
const served: readonly ApiHandler[] = [
  produceHandler, fetchHandler, listOffsetsHandler, metadataHandler, initProducerIdHandler, offsetForLeaderEpochHandler,
] as readonly ApiHandler<never, unknown>[] as readonly ApiHandler[]

/** Every API the broker serves, ApiVersions included. */
export const handlers: readonly ApiHandler[] = [...served, createApiVersionsHandler(served) as ApiHandler<never, unknown> as ApiHandler]
