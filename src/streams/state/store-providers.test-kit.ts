// Test helper: the two BytesStoreProviders (memory, an LMDB directory) behind one interface, so
// window, session and segmented store tests run the same cases on both. LMDB directories are temp
// dirs removed by cleanup().
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InMemoryStoreProvider } from './in-memory-store.ts'
import type { BytesStoreProvider } from './key-value-store.ts'
import { LmdbEnvironment } from './lmdb-environment.ts'

/** One provider kind, with what tests need around it. */
export interface ProviderFixture {
  kind: 'in-memory' | 'LMDB'
  /** A new, empty provider. */
  create(options?: { pendingBytesMax?: number; maxStores?: number }): BytesStoreProvider
  /** Closes `provider` and opens its directory again (LMDB); null for memory, which keeps nothing. */
  reopen: ((provider: BytesStoreProvider) => Promise<BytesStoreProvider>) | null
  /** Closes every provider made here and removes their directories. */
  cleanup(): Promise<void>
}

/** Both provider kinds; call cleanup() of each in `after`. */
export function providerFixtures(): ProviderFixture[] {
  const memoryProviders: BytesStoreProvider[] = []
  const environments: LmdbEnvironment[] = []
  const dirs: string[] = []
  return [
    {
      kind: 'in-memory',
      create: () => {
        const provider = new InMemoryStoreProvider()
        memoryProviders.push(provider)
        return provider
      },
      reopen: null,
      cleanup: async () => {
        for (const provider of memoryProviders) await provider.close()
      },
    },
    {
      kind: 'LMDB',
      create: (options) => {
        const dir = mkdtempSync(join(tmpdir(), 'sluice-lmdb-state-'))
        dirs.push(dir)
        const environment = LmdbEnvironment.open({ path: dir, ...options })
        environments.push(environment)
        return environment
      },
      reopen: async (provider) => {
        const path = (provider as LmdbEnvironment).path
        await provider.close()
        const environment = LmdbEnvironment.open({ path })
        environments.push(environment)
        return environment
      },
      cleanup: async () => {
        for (const environment of environments) await environment.close()
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
      },
    },
  ]
}
