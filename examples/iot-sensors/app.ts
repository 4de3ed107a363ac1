// IoT sensors: the average temperature of each room per minute, from readings of several sensors
// per room. Event time comes from the reading (sensors buffer and resend, so arrival order is
// not time order): readings may arrive up to 5 s out of order (maxOutOfOrder) and a minute's
// result waits 10 s more (grace) before it is final. A reading for a minute already final is
// late: it goes, unchanged, to the `late-readings` topic through the late-records side stream,
// instead of silently changing a published average. run.ts runs it on an embedded Sluice.
import { tumbling, type Aggregator, type App } from 'sluice/streams'

/** A reading as the `readings` topic carries it (key: the sensor). */
export interface Reading {
  sensor: string
  room: string
  celsius: number
  /** Event time: when the sensor measured, ms since the epoch. */
  ts: number
}

/** A room's minute on `room-temperatures` (key: the room). */
export interface RoomMinute {
  room: string
  /** The minute [start, end). */
  start: number
  end: number
  readings: number
  /** Mean, lowest and highest temperature, rounded to 0.01 °C. */
  avg: number
  min: number
  max: number
}

interface Stats { readings: number; sum: number; min: number; max: number }

/** Count, sum, min and max of the readings: associative, one accumulator per room and minute. */
const stats: Aggregator<Reading, Stats, Stats> = {
  algebra: 'associative',
  init: () => ({ readings: 0, sum: 0, min: Infinity, max: -Infinity }),
  add: (s, r) => ({ readings: s.readings + 1, sum: s.sum + r.celsius, min: Math.min(s.min, r.celsius), max: Math.max(s.max, r.celsius) }),
  merge: (a, b) => ({ readings: a.readings + b.readings, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }),
  result: (s) => s,
}

const round = (x: number): number => Math.round(x * 100) / 100

/**
 * Records the IoT topology on `app`: per-room minute summaries to `room-temperatures`, late
 * readings to `late-readings`.
 * @example
 * const app = sluice.streams('iot-sensors')
 * iotSensors(app)
 * await app.start()
 */
export function iotSensors(app: App): void {
  const perMinute = app.stream<Reading>('readings', { eventTime: (r) => r.ts, maxOutOfOrder: '5s' })
    .groupBy((r) => r.room)
    .window(tumbling({ size: '1m' }), { emit: 'final', grace: '10s' })
    .aggregate(stats)
  perMinute.toStream()
    .map((s, w) => ({
      key: w.key,
      value: { room: w.key, start: w.window.start, end: w.window.end, readings: s.readings, avg: round(s.sum / s.readings), min: s.min, max: s.max } satisfies RoomMinute,
    }))
    .to('room-temperatures')
  perMinute.lateRecords().to('late-readings')
}
