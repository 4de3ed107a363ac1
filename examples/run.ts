// One command for every example: `npm run example -- <name> [--data-dir dir] [--seed n]` runs
// examples/<name>/run.ts, which opens an embedded Sluice, generates its input, runs the app and
// prints what it found. Without a name it lists the examples (see README.md beside this file).
import { readdirSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunOptions } from './shared/harness.ts'

const here = dirname(fileURLToPath(import.meta.url))
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .sort()
const [name, ...rest] = process.argv.slice(2)
if (name === undefined || !names.includes(name)) {
  console.error(`${name === undefined ? 'which example?' : `no example '${name}'.`} npm run example -- <name> [--data-dir dir] [--seed n], name one of: ${names.join(', ')}`)
  process.exit(name === undefined ? 0 : 1)
}
const option = (flag: string): string | undefined => {
  const i = rest.indexOf(flag)
  return i >= 0 ? rest[i + 1] : undefined
}
const seed = option('--seed')
const options: RunOptions = { dataDir: option('--data-dir'), seed: seed === undefined ? undefined : Number(seed) }
const { run } = await import(`./${name}/run.ts`) as { run: (options: RunOptions) => Promise<unknown> }
try {
  await run(options)
  process.exit(0)
} catch (error) {
  console.error(error)
  process.exit(1)
}
