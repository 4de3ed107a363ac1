// Child process of transaction-crash.test.ts (not a test itself): opens a Coordinator on the real
// file system in argv[2] and commits transactions forever. Commit i writes `t<i>-a` to out-0,
// `t<i>-b` to out-1 and commits offset i + 1 of in-0 for group 'g', then prints `ack <i>`. It
// resumes from the committed offset, so each run continues the previous one. With argv[3] = 'stop'
// it SIGKILLs itself at the commit point of its second commit (intent durable, nothing applied).
import { systemClock } from '../../base/clock.ts'
import { buildRecordBatch } from '../../protocol/records/index.ts'
import { NodeFs } from '../../storage/fs.ts'
import { Coordinator } from '../coordinator.ts'

const dataDir = process.argv[2]
const stopAtSecondCommitPoint = process.argv[3] === 'stop'
if (dataDir === undefined) throw new Error('usage: transaction-crash-child.ts <data dir> [stop]')

let commitPoints = 0
const coordinator = await Coordinator.open({
  dataDir, fs: new NodeFs(), clock: systemClock,
  transactions: {
    onCommitPoint: () => {
      commitPoints++
      if (stopAtSecondCommitPoint && commitPoints === 2) {
        process.stdout.write('commit-point\n', () => process.kill(process.pid, 'SIGKILL'))
        return new Promise<void>(() => undefined) // never applied: the process dies here
      }
    },
  },
})
if (!coordinator.topics.has('out')) {
  await coordinator.topics.create('out', { partitions: 2 })
  await coordinator.topics.create('in', { partitions: 1 })
}
const producer = await coordinator.initTransactions('crash-task')
const start = coordinator.groups.fetchOffsets('g', [{ topic: 'in', partition: 0 }]).offsets[0]!.offset
let sequence = 0 // a new epoch: sequences restart at 0 in every partition
process.stdout.write(`open ${Math.max(0, start)}\n`)
for (let i = Math.max(0, start); ; i++) {
  const batch = (value: string): Buffer => buildRecordBatch([{ key: null, value: Buffer.from(value) }], { timestamp: systemClock.now(), ...producer, baseSequence: sequence })
  await coordinator.commitTransaction({
    transactionalId: 'crash-task', ...producer,
    writes: [{ topic: 'out', partition: 0, batches: batch(`t${i}-a`) }, { topic: 'out', partition: 1, batches: batch(`t${i}-b`) }],
    offsets: { groupId: 'g', memberId: '', generationId: -1, offsets: [{ topic: 'in', partition: 0, offset: i + 1 }] },
  })
  sequence++
  process.stdout.write(`ack ${i}\n`)
}
