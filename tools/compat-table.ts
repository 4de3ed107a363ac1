// The README's Kafka client compatibility table, produced from the compatibility tests. A test that
// proves a feature against a real client is named `compat <client> [<feature>, <feature>: detail]:
// what it shows`; this tool reads those names from src/broker/*.test.ts, and
//   npm run compat-table           runs those tests and writes the table of what passed into README.md
//   npm run compat-table -- --check  exits 1 when README.md's table differs from what the names claim
// tools/compat-table.test.ts runs the check in `npm test`, so the README never claims a feature no
// test proves; the tests themselves run in `npm test` too, so a claim that stops holding fails CI.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const TEST_DIR = join(ROOT, 'src', 'broker')
const README = join(ROOT, 'README.md')
const START = '<!-- compat-table:start (npm run compat-table writes this) -->'
const END = '<!-- compat-table:end -->'

/** Columns, in order: feature tag → heading. */
export const FEATURES: ReadonlyArray<readonly [string, string]> = [
  ['admin', 'Topic admin'],
  ['codecs', 'Produce + consume (codecs)'],
  ['murmur2', 'Keys on murmur2 partitions'],
  ['group', 'Group of 3: rebalance, resume'],
  ['timestamp-seek', 'Seek by timestamp'],
  ['idempotent-retries', 'Idempotent producer, retried'],
]

/** Rows, in order: client tag → how the README names it. */
export const CLIENTS: ReadonlyArray<readonly [string, string]> = [
  ['kcat', `kcat 1.7 (librdkafka 2.0, Debian)`],
  ['kafkajs', `KafkaJS ${npmVersion('kafkajs')}`],
  ['platformatic', `@platformatic/kafka ${npmVersion('@platformatic/kafka')}`],
]

/** One compatibility test: the client it drives and the features (with optional detail) it proves. */
export interface Claim {
  name: string
  client: string
  features: Array<{ feature: string; detail: string | null }>
}

const CLAIM = /^compat (\S+) \[([^\]]+)\]:/

/** Parses a test name; null for tests that are not compatibility tests. */
export function parseClaim(name: string): Claim | null {
  const match = CLAIM.exec(name)
  if (match === null) return null
  const features = match[2]!.split(',').map((part) => {
    const [feature, ...detail] = part.split(':')
    return { feature: feature!.trim(), detail: detail.length > 0 ? detail.join(':').trim() : null }
  })
  for (const { feature } of features) {
    if (!FEATURES.some(([tag]) => tag === feature)) throw new Error(`test '${name}' claims unknown feature '${feature}'`)
  }
  if (!CLIENTS.some(([tag]) => tag === match[1])) throw new Error(`test '${name}' names unknown client '${match[1]}'`)
  return { name, client: match[1]!, features }
}

/** The claims of every `test('compat …')` in the broker's test files. */
export function readClaims(): Claim[] {
  const claims: Claim[] = []
  for (const file of testFiles()) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/\btest\(\s*(['"`])(compat .*?)\1/g)) {
      const claim = parseClaim(match[2]!.replace(/\\'/g, "'"))
      if (claim !== null) claims.push(claim)
    }
  }
  return claims
}

/** The table in Markdown: ✓ (with detail) where every test claiming the cell passed, ✗ where one failed, — where none claims it. */
export function renderTable(claims: readonly Claim[], failed: ReadonlySet<string> = new Set()): string {
  const lines = [
    `| client | ${FEATURES.map(([, heading]) => heading).join(' | ')} |`,
    `| --- | ${FEATURES.map(() => '---').join(' | ')} |`,
  ]
  for (const [client, label] of CLIENTS) {
    const cells = FEATURES.map(([feature]) => {
      const proving = claims.filter((c) => c.client === client && c.features.some((f) => f.feature === feature))
      if (proving.length === 0) return '—'
      if (proving.some((c) => failed.has(c.name))) return '✗'
      const details = proving.flatMap((c) => c.features.filter((f) => f.feature === feature && f.detail !== null).map((f) => f.detail!))
      return details.length > 0 ? `✓ ${details.join('; ')}` : '✓'
    })
    lines.push(`| ${label} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** README.md's current table (between the markers), or null when the markers are missing. */
export function readmeTable(readme = readFileSync(README, 'utf8')): string | null {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) return null
  return readme.slice(start + START.length, end).trim()
}

function testFiles(): string[] {
  return readdirSync(TEST_DIR).filter((name) => name.endsWith('.test.ts')).sort().map((name) => join(TEST_DIR, name))
}

function npmVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  return manifest.version
}

/** Runs the compatibility tests and returns the names of those that did not pass. */
function runCompatTests(claims: readonly Claim[]): Set<string> {
  const files = testFiles().filter((file) => /\btest\(\s*['"`]compat /.test(readFileSync(file, 'utf8')))
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=1', '--test-name-pattern=^compat ', ...files],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  )
  // TAP: "ok 3 - name" / "not ok 3 - name"; a skipped test ("# SKIP") has not passed.
  const passed = new Set<string>()
  for (const line of result.stdout.split('\n')) {
    const match = /^\s*ok \d+ - (.*?)(\s+# SKIP.*)?$/.exec(line)
    if (match !== null && match[2] === undefined) passed.add(match[1]!.replace(/\\#/g, '#'))
  }
  return new Set(claims.filter((c) => !passed.has(c.name)).map((c) => c.name))
}

async function main(): Promise<void> {
  const claims = readClaims()
  if (process.argv.includes('--check')) {
    const expected = renderTable(claims)
    if (readmeTable() !== expected) {
      console.error(`README.md's compatibility table differs from what the tests claim; run npm run compat-table\n${expected}`)
      process.exit(1)
    }
    return
  }
  const failed = runCompatTests(claims)
  for (const name of failed) console.error(`not passed: ${name}`)
  const table = renderTable(claims, failed)
  const readme = readFileSync(README, 'utf8')
  if (readmeTable(readme) === null) throw new Error(`README.md has no ${START} … ${END} markers`)
  writeFileSync(README, readme.slice(0, readme.indexOf(START) + START.length) + '\n' + table + '\n' + readme.slice(readme.indexOf(END)))
  console.log(table)
  if (failed.size > 0) process.exit(1)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
