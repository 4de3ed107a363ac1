// Unit tests of how `sluice consume` prints records: kcat templates, the default text forms, JSON.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSluiceError } from '../../base/errors.ts'
import type { ConsumerRecord } from '../../client/types.ts'
import { compileTemplate, jsonFormatter, textFormatter } from './record-format.ts'

const RECORD: ConsumerRecord = {
  topic: 'payments',
  partition: 2,
  offset: 41,
  timestamp: 1700000000123,
  key: Buffer.from('card-42'),
  value: Buffer.from('{"amount":120}'),
  headers: [['trace', Buffer.from('abc')], ['empty', null]],
}
const TOMBSTONE: ConsumerRecord = { ...RECORD, key: null, value: null, headers: [] }

test('a template substitutes every kcat conversion and escape', () => {
  const format = compileTemplate('%t/%p@%o %T [%k=%s] %K %S {%h} 100%%\\n')
  assert.equal(format(RECORD), 'payments/2@41 1700000000123 [card-42={"amount":120}] 7 14 {trace=abc,empty=} 100%\n')
  assert.equal(compileTemplate('\\t%s\\0\\\\\\r')(RECORD), '\t{"amount":120}\0\\\r')
})

test('null keys and values print empty in templates with -1 as their length', () => {
  assert.equal(compileTemplate('<%k|%s|%K|%S|%h>')(TOMBSTONE), '<||-1|-1|>')
})

test('a template can print bytes as hex or base64', () => {
  assert.equal(compileTemplate('%k %s', 'hex')({ ...RECORD, value: Buffer.from([0, 255]) }), '636172642d3432 00ff')
  assert.equal(compileTemplate('%s', 'base64')({ ...RECORD, value: Buffer.from([0, 255]) }), 'AP8=')
})

test('an unknown conversion or a lone percent sign is an INVALID_ARGUMENT error', () => {
  for (const bad of ['%x', 'tail %']) {
    assert.throws(() => compileTemplate(bad), (e: unknown) => isSluiceError(e, 'INVALID_ARGUMENT') && e.message.includes(bad))
  }
})

test('the default text form prints the value, or key, separator and value', () => {
  assert.equal(textFormatter({ printKey: false, keySeparator: '\t', encoding: 'utf8' })(RECORD), '{"amount":120}\n')
  assert.equal(textFormatter({ printKey: true, keySeparator: ' => ', encoding: 'utf8' })(RECORD), 'card-42 => {"amount":120}\n')
  assert.equal(textFormatter({ printKey: true, keySeparator: '\t', encoding: 'utf8' })(TOMBSTONE), '\t\n')
})

test('the JSON form is one object per line with every field and headers as pairs', () => {
  const line = jsonFormatter('utf8')(RECORD)
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'))
  assert.deepEqual(JSON.parse(line), {
    topic: 'payments', partition: 2, offset: 41, timestamp: 1700000000123,
    key: 'card-42', value: '{"amount":120}', headers: [['trace', 'abc'], ['empty', null]],
  })
  assert.deepEqual(JSON.parse(jsonFormatter('utf8')(TOMBSTONE)), {
    topic: 'payments', partition: 2, offset: 41, timestamp: 1700000000123, key: null, value: null, headers: [],
  })
})
