import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TaskWatermarks } from './watermarks.ts'

test('a partition trails its largest event time by the bound and 1 ms; partitions merge by minimum', () => {
  const w = new TaskWatermarks(1000)
  w.observe('a-0', 100, 10, 0)
  assert.equal(w.update(0), 89, 'no more events at or before 89 expected')
  w.observe('b-0', 50, 0, 0)
  assert.equal(w.update(0), 89, 'the merged watermark never moves backwards')
  w.observe('a-0', 500, 10, 1)
  assert.equal(w.update(1), 89, 'b-0 at 50 holds it at the earlier value')
  w.observe('b-0', 401, 0, 2)
  assert.equal(w.update(2), 400)
  w.observe('a-0', 300, 10, 3) // out of order: the maximum stays
  assert.equal(w.update(3), 400)
})

test('an idle partition stops holding the watermark back after the idle timeout, and counts again when it speaks', () => {
  const w = new TaskWatermarks(1000)
  w.observe('a-0', 100, 0, 0)
  w.observe('b-0', 100, 0, 0)
  for (let t = 1; t <= 5; t++) w.observe('a-0', 100 + t * 100, 0, t * 100)
  assert.equal(w.update(500), 99, 'b-0 is quiet but not idle yet')
  w.observe('a-0', 2001, 0, 1000)
  assert.equal(w.update(1000), 2000, 'b-0 silent for 1000 ms: idle')
  w.observe('b-0', 1501, 0, 1100)
  assert.equal(w.update(1100), 2000, 'back, but behind: the watermark does not go back')
  w.observe('a-0', 3001, 0, 1200)
  assert.equal(w.update(1200), 2000, 'b-0 (1500) holds it at 2000 until it passes that')
  w.observe('b-0', 2501, 0, 1300)
  assert.equal(w.update(1300), 2500)
})

test('repartition partitions take the minimum of the writers stamps; a silent writer goes idle', () => {
  const w = new TaskWatermarks(1000)
  w.observe('r-0', 900, 0, 0, 'x', 800)
  w.observe('r-0', 300, 0, 0, 'y', 200)
  assert.equal(w.update(0), 200, 'writer y is behind: its records are not late for x')
  w.observe('r-0', 950, 0, 500, 'x', 900)
  assert.equal(w.update(500), 200)
  assert.equal(w.update(1000), 900, 'writer y silent for the idle timeout no longer counts')
})

test('nothing seen: no watermark', () => {
  const w = new TaskWatermarks(1000)
  assert.equal(w.update(0), -Infinity)
  w.force(42)
  assert.equal(w.watermark, 42)
})
