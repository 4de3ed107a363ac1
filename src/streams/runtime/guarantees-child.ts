// Child process of guarantees.test.ts: runs the 'g' app on an embedded data dir with the guarantee
// given, prints 'started', then 'done' once its group has no lag (and closes gracefully), unless
// the parent kills it first with SIGKILL.
import { Sluice } from '../../client/sluice.ts'
import { stringSerde } from '../serdes/index.ts'
import './sluice-streams.ts'

const [dataDir, guarantee] = process.argv.slice(2) as [string, 'at-least-once' | 'exactly-once']
const sluice = await Sluice.open({ dataDir })
const app = sluice.streams('g', { guarantee, commitInterval: 20 })
const input = app.stream<number>('in')
input.mapValues((n) => n).to('copies')
input.groupBy((n) => String(n % 7), { keySerde: stringSerde }).count({ store: 'counts' }).toStream().to('counts', { keySerde: stringSerde })
await app.start()
process.stdout.write('started\n')
for (;;) {
  await new Promise((r) => setTimeout(r, 50))
  const group = await sluice.admin.describeGroup('g')
  if (app.state === 'error') throw app.failure
  const inputs = group.offsets.filter((o) => o.topic === 'in')
  process.stdout.write(`lag ${inputs.length === 2 ? group.totalLag : -1}\n`)
  if (inputs.length === 2 && group.totalLag === 0) break
}
await app.close()
await sluice.close()
process.stdout.write('done\n')
