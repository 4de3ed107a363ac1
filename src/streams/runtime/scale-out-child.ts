// Child process of scale-out.test.ts: one instance of the 'orders' app against a Kafka-protocol
// broker (Sluice.connect). Prints 'started' once running, processes until SIGTERM (graceful close)
// or SIGKILL (a crash), and prints 'closed' after a graceful close.
import { Sluice } from '../../client/sluice.ts'
import { stringSerde } from '../serdes/index.ts'
import './sluice-streams.ts'

interface Order { id: number; customer: string; amount: number }

const [brokers] = process.argv.slice(2)
const sluice = await Sluice.connect({ brokers: [brokers!] })
const app = sluice.streams('orders-app', { commitInterval: 100, sessionTimeout: '6s' })
const orders = app.stream<Order>('orders')
// Idempotent under replay: the largest amount per customer, and every order id seen.
orders.groupBy((o) => o.customer, { keySerde: stringSerde }).max((o) => o.amount, { store: 'max-amount' }).toStream().to('max-per-customer', { keySerde: stringSerde })
orders.mapValues((o) => o.id).to('seen')
await app.start()
process.stdout.write('started\n')
process.on('SIGTERM', () => {
  void (async () => {
    await app.close()
    await sluice.close()
    process.stdout.write('closed\n')
    process.exit(0)
  })()
})
setInterval(() => {
  process.stdout.write(`tasks ${app.metrics().tasks} processed ${app.metrics().processedRecords} state ${app.state}\n`)
}, 500)
