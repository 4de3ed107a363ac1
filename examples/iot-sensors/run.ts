// Runs the IoT example on an embedded Sluice: 10½ minutes of readings from 12 sensors in 4 rooms
// (seeded), each a few seconds late on the wire, and one sensor that loses its connection for two
// minutes and then sends what it buffered: those readings arrive after their minutes were
// published and go to `late-readings`. Prints a room × minute table of average temperatures and
// the late readings. `npm run example -- iot-sensors [--data-dir dir] [--seed n]`; app.ts has the topology.
import { Random } from '../../src/base/random.ts'
import 'sluice/streams'
import { caughtUp, clock, createInputTopic, readTopic, runIfMain, valueOf, withSluice, type RunOptions } from '../shared/harness.ts'
import { iotSensors, type Reading, type RoomMinute } from './app.ts'

/** 08:00:00 UTC on an arbitrary day: where the generated event times start. */
export const START_MS = Date.UTC(2026, 2, 14, 8, 0, 0)
const MIN = 60_000
const ROOMS: Record<string, number> = { lab: 21, office: 22.5, kitchen: 24, 'server-room': 18 }
/** The sensor that buffers minutes 3–5 and sends them at 6:30. */
export const FLAKY_SENSOR = 'server-room-2'

/** Readings in arrival order (FLAKY_SENSOR's minutes 3–5 arrive at 6:30). @example generateReadings(new Random(3)).length // 756 */
export function generateReadings(random: Random): Reading[] {
  const sent: Array<{ reading: Reading; at: number }> = []
  for (const [room, base] of Object.entries(ROOMS)) {
    for (let n = 1; n <= 3; n++) {
      const sensor = `${room}-${n}`
      const phase = random.float() * 2 * Math.PI
      for (let ts = START_MS + random.int(0, 10_000); ts < START_MS + 10.5 * MIN; ts += 10_000) {
        const drift = 0.8 * Math.sin((2 * Math.PI * (ts - START_MS)) / (10 * MIN) + phase)
        const celsius = Math.round((base + drift + (random.float() - 0.5) * 0.6) * 10) / 10
        const isBuffered = sensor === FLAKY_SENSOR && ts >= START_MS + 3 * MIN && ts < START_MS + 5 * MIN
        sent.push({ reading: { sensor, room, celsius, ts }, at: isBuffered ? START_MS + 6.5 * MIN : ts + random.int(0, 3_000) })
      }
    }
  }
  return sent.sort((a, b) => a.at - b.at).map((s) => s.reading)
}

/** What a run saw. */
export interface IotRun {
  readings: Reading[]
  minutes: RoomMinute[]
  late: Reading[]
}

/** Runs the example once; resolves when it has printed its results. @example await run({ seed: 1 }) */
export async function run(options: RunOptions = {}): Promise<IotRun> {
  const print = options.print ?? console.log
  const readings = generateReadings(new Random(options.seed ?? 3))
  return withSluice(options, async (sluice) => {
    await createInputTopic(sluice, 'readings', 2)
    const producer = sluice.producer({ lingerMs: 5 })
    await producer.send('readings', readings.map((r) => ({ key: r.sensor, value: r, timestamp: r.ts })))
    await producer.close()
    const app = sluice.streams('iot-sensors', { commitInterval: 100 })
    iotSensors(app)
    await app.start()
    try {
      await caughtUp(sluice, app)
    } finally {
      await app.close()
    }
    const minutes = (await readTopic(sluice, 'room-temperatures')).map((r) => valueOf<RoomMinute>(r))
    const late = (await readTopic(sluice, 'late-readings')).map((r) => valueOf<Reading>(r))
    const starts = [...new Set(minutes.map((m) => m.start))].sort((a, b) => a - b)
    print(`iot-sensors: ${readings.length} readings of 12 sensors in 4 rooms; average °C per minute (final 10 s after the minute, 5 s out of order allowed):`)
    print(`  ${'minute'.padEnd(9)}${Object.keys(ROOMS).map((room) => room.padStart(13)).join('')}`)
    for (const start of starts) {
      const cells = Object.keys(ROOMS).map((room) => {
        const m = minutes.find((x) => x.room === room && x.start === start)
        return (m === undefined ? '–' : `${m.avg.toFixed(2)} (${m.readings})`).padStart(13)
      })
      print(`  ${clock(start).padEnd(9)}${cells.join('')}`)
    }
    print(`  ${late.length} late readings went to late-readings: ${[...new Set(late.map((r) => r.sensor))].join(', ')} measured ${late.length > 0 ? `${clock(Math.min(...late.map((r) => r.ts)))}–${clock(Math.max(...late.map((r) => r.ts)))}` : '–'}`)
    return { readings, minutes, late }
  })
}

runIfMain(import.meta.url, run)
