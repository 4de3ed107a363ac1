// Consuming through the public client: `Sluice.open` on a data dir, `sluice.consumer()` with a
// manual assignment from the beginning, and `poll()` until the partition's high watermark, which
// hands out one ConsumerRecord object per record (what an application gets). Used by the consume
// benchmark (in process) and by the peak-RSS child. The data is appended straight to the topic's
// PartitionLog (sluice.coordinator.partition), because filling is not what is measured.
import { join } from 'node:path'
import { Sluice } from '../src/client/sluice.ts'
import { fillLog } from './fixtures.ts'
import { scratchDir } from './harness.ts'

/** Topic the client benchmarks read. */
export const BENCH_TOPIC = 'bench'

/** Opens a data dir and creates BENCH_TOPIC with one partition in it. */
export async function openWithTopic(dataDir: string): Promise<Sluice> {
  const sluice = await Sluice.open({ dataDir, autoCreateTopics: false })
  await sluice.admin.createTopic(BENCH_TOPIC, { partitions: 1 })
  return sluice
}

/** Polls partition 0 of `topic` from the beginning to the current high watermark; returns the records seen. */
export async function pollToEnd(sluice: Sluice, topic: string): Promise<number> {
  const end = sluice.coordinator.partition(topic, 0).highWatermark
  const consumer = sluice.consumer({ autoOffsetReset: 'earliest' })
  try {
    consumer.assign([{ topic, partition: 0, offset: 'beginning' }])
    let records = 0
    let valueBytes = 0
    while ((consumer.position(topic, 0) ?? 0) < end) {
      const polled = await consumer.poll({ timeoutMs: 5000 })
      if (polled.length === 0) throw new Error(`poll returned nothing at offset ${consumer.position(topic, 0)} of ${end}`)
      records += polled.length
      for (const record of polled) valueBytes += record.value?.length ?? 0
    }
    if (valueBytes === 0 && records > 0) throw new Error('consumed records carried no values')
    return records
  } finally {
    await consumer.close()
  }
}

/**
 * Fills a topic of a fresh data dir with `records` records, then times `runs` full passes of a
 * consumer over it (after one warm-up) and returns the best, checking each pass saw every record.
 */
export async function consumeThroughClient(records: number, runs: number): Promise<{ seconds: number }> {
  const scratch = scratchDir('consume-client')
  try {
    const sluice = await openWithTopic(join(scratch.dir, 'data'))
    try {
      await fillLog(sluice.coordinator.partition(BENCH_TOPIC, 0), records)
      let best = Infinity
      for (let run = 0; run <= runs; run++) {
        const start = performance.now()
        const seen = await pollToEnd(sluice, BENCH_TOPIC)
        const seconds = (performance.now() - start) / 1000
        if (seen !== records) throw new Error(`the consumer saw ${seen} records, expected ${records}`)
        if (run > 0) best = Math.min(best, seconds)
      }
      return { seconds: best }
    } finally {
      await sluice.close()
    }
  } finally {
    scratch.remove()
  }
}

/** Opens `dataDir` and consumes all of `topic` (the peak-RSS child); returns the records seen. */
export async function consumeTopic(dataDir: string, topic: string): Promise<number> {
  const sluice = await Sluice.open({ dataDir, autoCreateTopics: false })
  try {
    return await pollToEnd(sluice, topic)
  } finally {
    await sluice.close()
  }
}
