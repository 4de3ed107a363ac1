// @platformatic/kafka 1.35.0 consumer groups (classic protocol, its roundrobin assignor) against a
// Sluice broker: three members share six partitions disjointly, a member that leaves hands its
// partitions to the other two, and members that stop and restart resume from the committed
// offsets. Each member commits every record after handling it, and membership changes only while
// the group has handled everything produced, so at-least-once allows no re-read here: the test
// asserts every (partition, offset) is delivered exactly once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka'
import { startTestBroker, type TestBroker } from '../testing/broker.ts'

const TOPIC = 'work'
const PARTITIONS = 6

interface Delivery {
  member: string
  partition: number
  offset: bigint
  value: string
}

/** One group member: its consumer, its stream, and the loop that handles and commits records. */
interface Member {
  name: string
  consumer: Consumer<string, string, string, string>
  stream: MessagesStream<string, string, string, string>
  /** Ends when the stream ends (the member closed, or it stopped after `stopAfter` records). */
  loop: Promise<void>
  handled: number
  /** Fetch responses the stream has handled. */
  fetches: number
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function partitionsOf(member: Member): number[] {
  return (member.consumer.assignments ?? []).filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort((a, b) => a - b)
}

/** True when `members` are in one generation and their assignments split all partitions disjointly. */
function isBalanced(members: Member[]): boolean {
  const generations = new Set(members.map((m) => m.consumer.generationId))
  const assigned = members.flatMap(partitionsOf).sort((a, b) => a - b)
  return generations.size === 1 && members.every((m) => partitionsOf(m).length > 0) &&
    assigned.join() === Array.from({ length: PARTITIONS }, (_, p) => p).join()
}

test('compat platformatic [group]: three members share six partitions disjointly, rebalance when one leaves, and resume from committed offsets with no record lost or read twice', async () => {
  const broker: TestBroker = await startTestBroker()
  const base = { bootstrapBrokers: [broker.address], retries: 5, retryDelay: 50, timeout: 10_000 }
  const admin = new Admin({ ...base, clientId: 'plt-group-admin' })
  const producer = new Producer({ ...base, clientId: 'plt-group-producer', serializers: stringSerializers })
  const deliveries: Delivery[] = []
  const members: Member[] = []

  const join = async (name: string, stopAfter = Infinity): Promise<Member> => {
    const consumer = new Consumer({
      ...base, clientId: `plt-${name}`, groupId: 'workers', deserializers: stringDeserializers,
      maxWaitTime: 100, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 200,
    })
    const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: false })
    const member: Member = { name, consumer, stream, loop: Promise.resolve(), handled: 0, fetches: 0 }
    stream.on('fetch', () => member.fetches++)
    member.loop = (async () => {
      for await (const message of stream as AsyncIterable<Message<string, string, string, string>>) {
        deliveries.push({ member: name, partition: message.partition, offset: message.offset, value: message.value })
        await message.commit()
        if (++member.handled >= stopAfter) break
      }
    })()
    members.push(member)
    return member
  }
  // The client pushes what a fetch returns even when a rebalance took the partition away while
  // the fetch was in flight (at-least-once allows that re-read). One fetch per broker is in flight,
  // so once two more have completed, every fetch still out was issued under the new assignment.
  const settle = async (...group: Member[]): Promise<void> => {
    const targets = group.map((m) => m.fetches + 2)
    await waitFor(() => group.every((m, i) => m.fetches >= targets[i]!), 'fetches under the new assignment')
  }
  const leave = async (member: Member): Promise<void> => {
    members.splice(members.indexOf(member), 1)
    await member.consumer.close(true)
    await member.loop
  }
  let produced = 0
  const produce = async (count: number): Promise<void> => {
    const messages = Array.from({ length: count }, (_, i) => ({ topic: TOPIC, partition: (produced + i) % PARTITIONS, key: `k${produced + i}`, value: `m${produced + i}` }))
    produced += count
    await producer.send({ messages })
  }
  const committed = async (): Promise<number[]> => {
    const [group] = await admin.listConsumerGroupOffsets({ groups: ['workers'] })
    const offsets = new Array<number>(PARTITIONS).fill(-1)
    for (const p of group!.topics.find((t) => t.name === TOPIC)?.partitions ?? []) offsets[p.partitionIndex] = Number(p.committedOffset)
    return offsets
  }
  const highWatermarks = (): number[] => Array.from({ length: PARTITIONS }, (_, p) => broker.coordinator.partition(TOPIC, p).highWatermark)
  const assertExactlyOnce = (): void => {
    const keys = deliveries.map((d) => `${d.partition}@${d.offset}`)
    assert.equal(new Set(keys).size, keys.length, 'no record delivered twice')
    assert.deepEqual(deliveries.map((d) => d.value).sort(), Array.from({ length: produced }, (_, i) => `m${i}`).sort(), 'no record lost')
  }

  try {
    await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS })

    // Three members: one generation, six partitions split two by two.
    const [a, b, c] = [await join('a'), await join('b'), await join('c')]
    await waitFor(() => isBalanced([a!, b!, c!]), 'three members sharing the six partitions')
    assert.deepEqual([a!, b!, c!].map((m) => partitionsOf(m).length), [2, 2, 2])
    await settle(a!, b!, c!)
    const beforeLeave = new Map([a!, b!, c!].map((m) => [m.name, partitionsOf(m)]))
    await produce(60)
    await waitFor(() => deliveries.length >= 60, '60 records across three members')
    for (const d of deliveries) assert.ok(beforeLeave.get(d.member)!.includes(d.partition), `${d.member} got partition ${d.partition}, not its own`)
    assert.deepEqual(new Set(deliveries.map((d) => d.member)), new Set(['a', 'b', 'c']))
    await waitFor(() => a!.handled + b!.handled + c!.handled === 60, 'the 60 records handled and committed')

    // c leaves: a and b rebalance over all six, c's two partitions among them.
    const generation = a!.consumer.generationId
    await leave(c!)
    await waitFor(() => isBalanced([a!, b!]) && a!.consumer.generationId > generation, 'a rebalance over the two remaining members')
    const afterLeave = new Map([a!, b!].map((m) => [m.name, partitionsOf(m)]))
    assert.deepEqual([...afterLeave.values()].map((p) => p.length), [3, 3])
    await settle(a!, b!)
    const handedOver = deliveries.length
    await produce(60)
    await waitFor(() => deliveries.length >= 120, '120 records across two members')
    const moved = deliveries.slice(handedOver).filter((d) => beforeLeave.get('c')!.includes(d.partition))
    assert.equal(moved.length, 20, "c's partitions' new records")
    assert.ok(moved.every((d) => d.member !== 'c' && afterLeave.get(d.member)!.includes(d.partition)))
    assertExactlyOnce()
    await waitFor(() => a!.handled + b!.handled + c!.handled === 120, 'every delivered record handled')

    // Everyone stops; what was handled was committed.
    await leave(a!)
    await leave(b!)
    assert.deepEqual(await committed(), highWatermarks())
    assert.deepEqual(highWatermarks(), new Array(PARTITIONS).fill(20))

    // A backlog of 60: d handles 25 and stops, e resumes exactly where d's commits left off.
    await produce(60)
    const d = await join('d', 25)
    await d.loop
    await leave(d)
    const afterD = await committed()
    assert.equal(afterD.reduce((sum, o) => sum + o, 0), 120 + 25, 'd committed exactly the 25 it handled')
    for (let p = 0; p < PARTITIONS; p++) {
      const handledByD = deliveries.filter((x) => x.member === 'd' && x.partition === p).map((x) => Number(x.offset))
      assert.equal(afterD[p], handledByD.length === 0 ? 20 : Math.max(...handledByD) + 1, `partition ${p} committed after d`)
    }
    const e = await join('e')
    await waitFor(() => deliveries.length >= 180, 'the 35 records d left')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(deliveries.length, 180, 'nothing re-read after the restart')
    assert.equal(e.handled, 35)
    for (const x of deliveries.filter((x) => x.member === 'e')) assert.ok(x.offset >= BigInt(afterD[x.partition]!), `e started partition ${x.partition} at the committed offset`)
    assertExactlyOnce()
    await waitFor(() => e.handled === 35, 'e handled everything')
    await leave(e)
    assert.deepEqual(await committed(), new Array(PARTITIONS).fill(30))

    const groups = await admin.listGroups()
    assert.deepEqual([...groups.keys()], ['workers'])
    assert.deepEqual(broker.warnings, [])
  } finally {
    for (const member of [...members]) await leave(member).catch(() => undefined) // already failing; closing is best effort
    await producer.close()
    await admin.close()
    await broker.stop()
  }
})
