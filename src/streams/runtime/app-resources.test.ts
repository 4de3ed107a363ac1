// Tests of the shared naming of a streams app's resources: group id, internal topics, state dirs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { isSluiceError } from '../../base/errors.ts'
import { appGroupId, appStateDir, checkAppName, defaultStateDir, internalTopicKind, isInternalTopicOf } from './app-resources.ts'

test("the app's group id is its name, and names that are not one safe path segment are refused", () => {
  assert.equal(appGroupId('fraud.v2_eu-1'), 'fraud.v2_eu-1')
  for (const bad of ['', '.', '..', '../x', 'a/b', 'a b', 'x'.repeat(201), 'ü']) {
    assert.throws(() => checkAppName(bad), (e: unknown) => isSluiceError(e) && e.code === 'INVALID_ARGUMENT' && e.message.includes('invalid streams app name'), bad)
  }
})

test('internal topics start with the app prefix and end in -repartition or -changelog', () => {
  assert.equal(internalTopicKind('app', 'app-x-changelog'), 'changelog')
  assert.equal(internalTopicKind('app', 'app-KSTREAM-AGGREGATE-0000000003-repartition'), 'repartition')
  assert.equal(isInternalTopicOf('app', 'app-y-repartition'), true)
  // Not internal: another prefix, no suffix, an empty node/store name, a prefix without the dash.
  for (const topic of ['app', 'app-other', 'other-x-changelog', 'app-changelog', 'app-repartition', 'apple-x-changelog', 'x-app-y-changelog', 'app-x-changelog-old']) {
    assert.equal(isInternalTopicOf('app', topic), false, topic)
  }
  // An app whose name extends another's shares the prefix (Kafka's reset tool has the same limit).
  assert.equal(isInternalTopicOf('app', 'app-eu-s-changelog'), true)
  assert.equal(isInternalTopicOf('app-eu', 'app-eu-s-changelog'), true)
})

test('state dirs: <dataDir>/.streams embedded, ./sluice-state over brokers, <stateDir>/<app> per app', () => {
  assert.equal(defaultStateDir({ dataDir: '/var/sluice' }), join('/var/sluice', '.streams'))
  assert.equal(defaultStateDir({ brokers: ['kafka-1:9092'] }), './sluice-state')
  assert.equal(appStateDir('/var/sluice/.streams', 'fraud'), join('/var/sluice/.streams', 'fraud'))
  assert.throws(() => appStateDir('/var/sluice/.streams', '..'), /invalid streams app name/)
})
