import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import { collisionKey, findCollision, hasCollisionChars, isInternalTopic, TOPIC_NAME_LENGTH_MAX, validateTopicName } from './topic-name.ts'

const invalid = (name: string, why: RegExp) => () =>
  assert.throws(() => validateTopicName(name), (e) => isSluiceError(e, 'INVALID_TOPIC_EXCEPTION') && why.test(e.message))

test('legal topic names pass validation', () => {
  for (const name of ['payments', 'a', 'A-b_c.d-9', '__consumer_offsets', '...', 'x'.repeat(TOPIC_NAME_LENGTH_MAX)]) {
    validateTopicName(name)
  }
})

test('an empty name is refused', invalid('', /empty/))
test("'.' and '..' are refused", () => {
  invalid('.', /'\.' and '\.\.'/)()
  invalid('..', /'\.' and '\.\.'/)()
})
test('a name longer than 249 characters is refused, naming the limit', invalid('x'.repeat(250), /250 characters long, the limit is 249/))
test('a name with a space, slash or non-ASCII letter is refused, naming the characters', () => {
  invalid('my topic', /" "/)()
  invalid('a/b', /"\/"/)()
  invalid('café', /"é"/)()
})

test("names collide when they are equal after replacing '.' with '_'", () => {
  assert.equal(collisionKey('metrics.cpu_load'), 'metrics_cpu_load')
  assert.equal(findCollision('metrics.cpu', ['other', 'metrics_cpu']), 'metrics_cpu')
  assert.equal(findCollision('metrics_cpu', ['metrics.cpu']), 'metrics.cpu')
  assert.equal(findCollision('metrics.cpu', ['metrics.cpu']), undefined)
  assert.equal(findCollision('metrics-cpu', ['metrics_cpu']), undefined)
  assert.equal(hasCollisionChars('plain-name'), false)
  assert.equal(hasCollisionChars('a.b'), true)
})

test('internal topics are those starting with two underscores', () => {
  assert.equal(isInternalTopic('__consumer_offsets'), true)
  assert.equal(isInternalTopic('_private'), false)
  assert.equal(isInternalTopic('payments'), false)
})
