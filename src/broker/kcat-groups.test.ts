// kcat (librdkafka 2.0) against a Sluice broker, the parts beyond produce/consume: a balanced
// consumer group of three kcat processes (disjoint assignment, a rebalance when one leaves, offsets
// resumed by a new member), seeking by timestamp (-o s@ / e@), and the idempotent producer retrying
// batches whose acknowledgement a proxy swallowed (every record stored once, in order).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestBroker } from '../testing/broker.ts'
import { startFaultProxy } from '../testing/fault-proxy.ts'
import { kcat, skipWithoutKcat } from '../testing/kcat.ts'
import { batchPositions, producerId } from '../protocol/records/index.ts'

/** A long-running kcat consumer whose output lines are collected as they arrive. */
class Member {
  readonly lines: string[] = []
  stderr = ''
  readonly #child: ChildProcess
  readonly #exited: Promise<number | null>

  constructor(args: string[]) {
    this.#child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let partial = ''
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop()!
      this.lines.push(...parts)
    })
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.#exited = new Promise((resolve) => this.#child.on('close', resolve))
  }

  /** SIGTERM: kcat closes its consumer (commit, LeaveGroup) and exits. */
  async stop(): Promise<number | null> {
    this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000)
    try {
      return await this.#exited
    } finally {
      clearTimeout(timer)
    }
  }

  exited(): Promise<number | null> {
    return this.#exited
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

// librdkafka's defaults wait seconds between heartbeats and commits; a test wants them quick.
const GROUP_SETTINGS = ['-X', 'heartbeat.interval.ms=100', '-X', 'session.timeout.ms=6000', '-X', 'auto.commit.interval.ms=100', '-X', 'topic.metadata.refresh.interval.ms=1000', '-X', 'auto.offset.reset=earliest']

test('compat kcat [group]: a consumer group of three shares partitions, rebalances when one leaves, and a new member resumes from committed offsets', async (t) => {
  if (skipWithoutKcat(t)) return
  const broker = await startTestBroker()
  const members: Member[] = []
  try {
    await broker.coordinator.topics.create('clicks', { partitions: 6 })
    const join = (): Member => {
      const member = new Member(['-b', broker.address, '-G', 'readers', ...GROUP_SETTINGS, '-u', '-q', '-f', '%p %o %s\n', 'clicks'])
      members.push(member)
      return member
    }
    const produce = (from: number, to: number): Promise<string> =>
      kcat(['-P', '-b', broker.address, '-t', 'clicks', '-K', ':'], Array.from({ length: to - from }, (_, i) => `k${from + i}:v${from + i}`).join('\n') + '\n')
    const consumed = (member: Member): Array<{ partition: number; offset: number; value: string }> =>
      member.lines.map((line) => {
        const [partition, offset, value] = line.split(' ')
        return { partition: Number(partition), offset: Number(offset), value: value! }
      })

    const [a, b, c] = [join(), join(), join()]
    // Wait until all three joined one generation: each prints nothing until it has records, so
    // ask the coordinator (through the broker's view of the group) instead.
    await waitFor('three members in a stable group', () => {
      const [group] = broker.coordinator.groups.describeGroups(['readers'])
      return group?.groupState === 'Stable' && group.members.length === 3
    })
    await produce(0, 600)
    await waitFor('600 records consumed by the group', () => a.lines.length + b.lines.length + c.lines.length >= 600).catch((error: unknown) => {
      console.log([a, b, c].map((m) => `${m.lines.length} ${m.stderr}`).join('\n---\n'))
      throw error
    })
    const owners = new Map<number, Member>()
    for (const member of [a, b, c]) {
      assert.ok(member.lines.length > 0, 'every member got partitions and records')
      for (const r of consumed(member)) {
        const owner = owners.get(r.partition)
        assert.ok(owner === undefined || owner === member, `partition ${r.partition} read by two members`)
        owners.set(r.partition, member)
      }
    }
    const firstValues = [a, b, c].flatMap((m) => consumed(m).map((r) => r.value))
    assert.deepEqual(firstValues.sort(), Array.from({ length: 600 }, (_, i) => `v${i}`).sort())

    // C leaves: its partitions move to A and B, which read what is produced next, all of it.
    const cPartitions = new Set(consumed(c).map((r) => r.partition))
    assert.equal(await c.stop(), 0)
    await waitFor('two members after C left', () => {
      const [group] = broker.coordinator.groups.describeGroups(['readers'])
      return group?.groupState === 'Stable' && group.members.length === 2
    })
    const [aBefore, bBefore] = [a.lines.length, b.lines.length]
    await produce(600, 1200)
    await waitFor('the next 600 records consumed by A and B', () => a.lines.length - aBefore + b.lines.length - bBefore >= 600)
    const second = [...consumed(a).slice(aBefore), ...consumed(b).slice(bBefore)]
    assert.deepEqual(second.map((r) => r.value).sort(), Array.from({ length: 600 }, (_, i) => `v${600 + i}`).sort())
    assert.ok(second.some((r) => cPartitions.has(r.partition)), "C's partitions were taken over")

    // Everyone stops (committing on close); a new member resumes exactly where the group was.
    assert.equal(await a.stop(), 0)
    assert.equal(await b.stop(), 0)
    await produce(1200, 1500)
    const resumed = new Member(['-b', broker.address, '-G', 'readers', ...GROUP_SETTINGS, '-e', '-q', '-f', '%p %o %s\n', 'clicks'])
    members.push(resumed)
    assert.equal(await resumed.exited(), 0, resumed.stderr)
    assert.deepEqual(consumed(resumed).map((r) => r.value).sort(), Array.from({ length: 300 }, (_, i) => `v${1200 + i}`).sort())
    assert.deepEqual(broker.warnings, [])
  } finally {
    await Promise.all(members.map((m) => m.stop()))
    await broker.stop()
  }
})

test('compat kcat [timestamp-seek]: seek by timestamp starts at the first record at or after it (-o s@) and stops before one (-o e@)', async (t) => {
  if (skipWithoutKcat(t)) return
  const broker = await startTestBroker()
  try {
    await broker.coordinator.topics.create('readings', { partitions: 2 })
    const send = (prefix: string): Promise<string> =>
      kcat(['-P', '-b', broker.address, '-t', 'readings'], Array.from({ length: 50 }, (_, i) => `${prefix}${i}`).join('\n') + '\n')
    await send('early-')
    await sleep(30)
    const cut = Date.now()
    await sleep(30)
    await send('late-')
    const after = await kcat(['-C', '-b', broker.address, '-t', 'readings', '-o', `s@${cut}`, '-e', '-q', '-f', '%s\n'])
    assert.deepEqual(after.trim().split('\n').sort(), Array.from({ length: 50 }, (_, i) => `late-${i}`).sort())
    const before = await kcat(['-C', '-b', broker.address, '-t', 'readings', '-o', 'beginning', '-o', `e@${cut}`, '-e', '-q', '-f', '%s\n'])
    assert.deepEqual(before.trim().split('\n').sort(), Array.from({ length: 50 }, (_, i) => `early-${i}`).sort())
  } finally {
    await broker.stop()
  }
})

test('compat kcat [idempotent-retries]: the idempotent producer retries batches whose acknowledgement was lost, and each record is stored once, in order', async (t) => {
  if (skipWithoutKcat(t)) return
  const proxy = await startFaultProxy()
  const broker = await startTestBroker({ broker: { advertisedPort: proxy.port } })
  proxy.targetPort = broker.port
  try {
    await broker.coordinator.topics.create('payments', { partitions: 1 })
    // Small batches so there are several in flight when the proxy cuts the connection.
    proxy.dropResponses(0, 2)
    const lines = Array.from({ length: 2000 }, (_, i) => `payment-${i}`)
    await kcat([
      '-P', '-E', '-b', `127.0.0.1:${proxy.port}`, '-t', 'payments',
      '-X', 'enable.idempotence=true', '-X', 'batch.num.messages=100', '-X', 'linger.ms=1', '-X', 'retry.backoff.ms=20',
    ], lines.join('\n') + '\n')
    assert.equal(proxy.dropped, 2, 'two acknowledgements were lost on the way')
    const consumed = await kcat(['-C', '-b', broker.address, '-t', 'payments', '-o', 'beginning', '-e', '-q', '-f', '%s\n'])
    assert.deepEqual(consumed.trim().split('\n'), lines)
    const { records } = await broker.coordinator.fetch('payments', 0, 0, { maxBytes: 1 << 24 })
    const producerIds = new Set([...batchPositions(records)].map((pos) => producerId(records, pos)))
    assert.equal(producerIds.size, 1)
    assert.ok([...producerIds][0]! >= 0, 'batches carry the producer id InitProducerId gave')
  } finally {
    await broker.stop()
    await proxy.close()
  }
})
