// Test kit: a Sluice broker on an ephemeral port over a fresh temp data dir, for wire tests with
// raw sockets and third-party clients (KafkaJS, kcat). `stop` closes the broker, the coordinator
// and removes the data dir. Warnings from the broker are collected for assertions.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Coordinator, type CoordinatorOptions } from '../coordinator/coordinator.ts'
import { startBroker, type Broker, type BrokerOptions } from '../broker/listener.ts'

/** A broker started for a test. */
export interface TestBroker {
  host: string
  port: number
  /** `host:port`, as clients take it. */
  address: string
  coordinator: Coordinator
  broker: Broker
  /** The broker's warnings so far (closed connections, failed handlers). */
  warnings: string[]
  /** Closes broker and coordinator and deletes the data dir. */
  stop(): Promise<void>
}

/** Starts a broker on 127.0.0.1 and a free port over a temp data dir. */
export async function startTestBroker(options: {
  broker?: Omit<BrokerOptions, 'coordinator' | 'host' | 'port'>
  coordinator?: Omit<CoordinatorOptions, 'dataDir'>
} = {}): Promise<TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-broker-'))
  const coordinator = await Coordinator.open({ dataDir, ...options.coordinator })
  const warnings: string[] = []
  const broker = await startBroker({
    onWarning: (message) => warnings.push(message),
    ...options.broker, coordinator, host: '127.0.0.1', port: 0,
  }).catch(async (error: unknown) => {
    await coordinator.close()
    await rm(dataDir, { recursive: true, force: true })
    throw error
  })
  return {
    host: '127.0.0.1', port: broker.port, address: `127.0.0.1:${broker.port}`, coordinator, broker, warnings,
    async stop() {
      await broker.close()
      await coordinator.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
