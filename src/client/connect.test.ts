// The client contract (client-test-kit.ts) over both transports: Sluice.open on a temp data dir and
// Sluice.connect to a Sluice broker on an ephemeral port, so every scenario proves the kafka
// transport behaves as the embedded one does.
import { after, before } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'
import { clientContract } from './client-test-kit.ts'
import { Sluice } from './sluice.ts'

clientContract({
  name: 'the embedded transport (Sluice.open)',
  async open(options = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-contract-'))
    const sluice = await Sluice.open({ dataDir, ...options })
    const close = sluice.close.bind(sluice)
    // The data dir goes with the instance.
    sluice.close = async () => {
      await close()
      rmSync(dataDir, { recursive: true, force: true })
    }
    return sluice
  },
})

let broker: TestBroker
let autoCreatingBroker: TestBroker
before(async () => {
  // The broker's own auto-creation follows Kafka's auto.create.topics.enable; the client's option
  // only says whether it asks. One broker of each kind keeps the scenarios' expectations exact.
  autoCreatingBroker = await startTestBroker()
  broker = await startTestBroker({ broker: { autoCreateTopics: false } })
})
after(async () => {
  await broker?.stop()
  await autoCreatingBroker?.stop()
})

let instance = 0
clientContract({
  name: 'the kafka transport (Sluice.connect to a Sluice broker)',
  async open(options = {}) {
    // The scenarios use distinct topic and group names, so they can share the brokers.
    const target = options.autoCreateTopics === false ? broker : autoCreatingBroker
    return Sluice.connect({ brokers: [target.address], clientId: `contract-${instance++}`, ...options })
  },
})
