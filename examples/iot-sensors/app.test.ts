// The IoT topology (app.ts) on the TopologyTestDriver, with explicit event times: a minute's
// summary waits for maxOutOfOrder + grace, a reading inside that allowance still counts, and one
// arriving after the minute is final goes to `late-readings` unchanged.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'sluice/streams'
import { TopologyTestDriver } from 'sluice/streams/testing'
import { iotSensors, type Reading, type RoomMinute } from './app.ts'

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0)
const S = 1000

test('per room and minute: mean, min and max once the minute is final; a reading after that is late', () => {
  const app = createApp('iot-test')
  iotSensors(app)
  const driver = new TopologyTestDriver(app)
  const input = driver.input<string, Reading>('readings')
  const read = (sensor: string, room: string, celsius: number, at: number): void => input.pipe({ sensor, room, celsius, ts: T0 + at }, { key: sensor })
  const minutes = driver.output<string, RoomMinute>('room-temperatures')
  const late = driver.output<string, Reading>('late-readings')

  read('lab-1', 'lab', 20, 10 * S)
  read('hall-1', 'hall', 18.5, 30 * S)
  read('lab-2', 'lab', 21, 30 * S)
  read('lab-1', 'lab', 22.5, 59_900)
  read('lab-1', 'lab', 23, 65 * S) // watermark 60 s: minute 0 waits for its 10 s of grace
  read('lab-2', 'lab', 19, 58 * S) // 7 s out of order, within grace: counts
  assert.deepEqual(minutes.readValues(), [])
  read('lab-1', 'lab', 23.5, 76 * S) // watermark 71 s: minute 0 is final
  assert.deepEqual(minutes.readValues().sort((a, b) => a.room.localeCompare(b.room)), [
    { room: 'hall', start: T0, end: T0 + 60 * S, readings: 1, avg: 18.5, min: 18.5, max: 18.5 },
    { room: 'lab', start: T0, end: T0 + 60 * S, readings: 4, avg: 20.63, min: 19, max: 22.5 },
  ])
  read('lab-2', 'lab', 30, 59 * S) // minute 0 is published: late
  read('hall-1', 'hall', 17, 62 * S) // minute 1 is open: counts
  assert.deepEqual(late.readKeyValues(), [{ key: 'lab', value: { sensor: 'lab-2', room: 'lab', celsius: 30, ts: T0 + 59 * S } }])
  assert.equal(driver.metrics().lateRecords, 1)

  driver.advanceWatermark(Infinity)
  assert.deepEqual(minutes.readValues().sort((a, b) => a.room.localeCompare(b.room)), [
    { room: 'hall', start: T0 + 60 * S, end: T0 + 120 * S, readings: 1, avg: 17, min: 17, max: 17 },
    { room: 'lab', start: T0 + 60 * S, end: T0 + 120 * S, readings: 2, avg: 23.25, min: 23, max: 23.5 },
  ])
  assert.deepEqual(late.readValues(), [])
})
