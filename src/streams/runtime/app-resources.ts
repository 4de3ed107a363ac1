// What a streams app owns outside its code, named in one place so the runtime that creates these
// things and the CLI that resets them (`sluice streams reset`, src/cli/commands/streams.ts) agree:
// the consumer group (the app name), the internal topics (`<app>-<node>-repartition` and
// `<app>-<store>-changelog`, named by dsl/graph-builder.ts) and the local state directory
// (`<stateDir>/<app>/`, LMDB stores and checkpoints). Pure naming: no I/O here.
import { join } from 'node:path'
import { SluiceError } from '../../base/errors.ts'

/** Suffixes of the topics a streams app creates for itself (Kafka Streams' names). */
export const INTERNAL_TOPIC_SUFFIXES = ['-repartition', '-changelog'] as const

/** Where state lives by default for an embedded app: this folder inside the data dir. */
export const EMBEDDED_STATE_SUBDIR = '.streams'

/** Where state lives by default for an app on a cluster (--brokers): relative to the working directory. */
export const NETWORK_STATE_DIR = './sluice-state'

/** Longest app name: it prefixes topic names, which Kafka caps at 249 characters. */
const APP_NAME_CHARS_MAX = 200

/**
 * Checks an app name: Kafka's topic characters (letters, digits, '.', '_', '-'), not '.' or '..',
 * so it is a valid group id, a valid topic prefix and one safe path segment.
 * @example
 * checkAppName('fraud')          // ok
 * checkAppName('../etc')         // throws SluiceError INVALID_ARGUMENT
 */
export function checkAppName(app: string): void {
  const isValid = /^[A-Za-z0-9._-]+$/.test(app) && app !== '.' && app !== '..' && app.length <= APP_NAME_CHARS_MAX
  if (!isValid) {
    throw new SluiceError('INVALID_ARGUMENT',
      `invalid streams app name '${app}' (expected 1-${APP_NAME_CHARS_MAX} of A-Z a-z 0-9 . _ -, not '.' or '..')`)
  }
}

/**
 * The consumer group id of an app: the app name itself, as Kafka Streams' application.id.
 * @example
 * appGroupId('fraud')   // 'fraud'
 */
export function appGroupId(app: string): string {
  checkAppName(app)
  return app
}

/**
 * The kind of internal topic `topic` is for `app`, or undefined: it must start with `<app>-`, end
 * with `-repartition` or `-changelog`, and have a non-empty node or store name between them.
 * `fraud-other` and `other-x-changelog` are not fraud's. Like Kafka's reset tool, an app whose name
 * extends another's (`fraud` and `fraud-eu`) cannot be told apart by name alone: `fraud-eu-s-changelog`
 * matches both.
 * @example
 * internalTopicKind('fraud', 'fraud-KSTREAM-KEY-1-repartition')   // 'repartition'
 */
export function internalTopicKind(app: string, topic: string): 'repartition' | 'changelog' | undefined {
  const prefix = `${app}-`
  if (!topic.startsWith(prefix)) return undefined
  for (const suffix of INTERNAL_TOPIC_SUFFIXES) {
    if (topic.endsWith(suffix) && topic.length > prefix.length + suffix.length) return suffix === '-repartition' ? 'repartition' : 'changelog'
  }
  return undefined
}

/**
 * True when `topic` is one of `app`'s internal topics (see internalTopicKind).
 * @example
 * isInternalTopicOf('app', 'app-counts-changelog')   // true
 * isInternalTopicOf('app', 'app-other')              // false
 */
export function isInternalTopicOf(app: string, topic: string): boolean {
  return internalTopicKind(app, topic) !== undefined
}

/**
 * The state dir used when none is given: `<dataDir>/.streams` for an embedded app (Sluice.open),
 * `./sluice-state` for one on a cluster (Sluice.connect / --brokers).
 * @example
 * defaultStateDir({ dataDir: './data' })           // 'data/.streams'
 * defaultStateDir({ brokers: ['kafka-1:9092'] })   // './sluice-state'
 */
export function defaultStateDir(where: { dataDir: string } | { brokers: readonly string[] }): string {
  return 'dataDir' in where ? join(where.dataDir, EMBEDDED_STATE_SUBDIR) : NETWORK_STATE_DIR
}

/**
 * The directory holding one app's local state: `<stateDir>/<app>`; the app name is checked so the
 * result is always a direct child of `stateDir`.
 * @example
 * appStateDir('./sluice-state', 'fraud')   // 'sluice-state/fraud'
 */
export function appStateDir(stateDir: string, app: string): string {
  checkAppName(app)
  return join(stateDir, app)
}
