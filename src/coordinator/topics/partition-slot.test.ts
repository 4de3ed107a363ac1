import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBounded } from './partition-slot.ts'

test('runBounded runs every job with at most `limit` in flight', async () => {
  let running = 0
  let peak = 0
  const done: number[] = []
  await runBounded(20, 3, async (i) => {
    running++
    peak = Math.max(peak, running)
    await new Promise((resolve) => setImmediate(resolve))
    running--
    done.push(i)
  })
  assert.equal(peak, 3)
  assert.deepEqual(done.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i))
})

test('runBounded finishes the other jobs before rethrowing the first failure', async () => {
  const done: number[] = []
  await assert.rejects(
    runBounded(5, 2, async (i) => {
      await new Promise((resolve) => setImmediate(resolve))
      if (i === 1 || i === 3) throw new Error(`job ${i}`)
      done.push(i)
    }),
    /job 1/,
  )
  assert.deepEqual(done.sort(), [0, 2, 4])
})

test('runBounded with no jobs resolves at once', async () => {
  await runBounded(0, 4, async () => assert.fail('no job should run'))
})
