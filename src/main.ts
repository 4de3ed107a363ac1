// Process entry of Sluice: `sluice …` (bin/sluice.js) and `npm start` (`sluice start`). The one
// place that wires the layers above the client together (DESIGN.md): it hands the CLI the broker,
// so `sluice start` serves the data dir to Kafka clients, without the CLI importing broker/.
import { startBroker } from './broker/listener.ts'
import { runProcess } from './cli/run-process.ts'

await runProcess(process.argv.slice(2), {
  serve: (sluice, options) => startBroker({ coordinator: sluice.coordinator, ...options }),
})
