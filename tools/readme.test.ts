// Keeps README.md true: its TypeScript example runs as written (against a fresh data dir) and
// prints what the comments promise.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

test("README's TypeScript example runs and reads back what it produced", (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const match = /```ts\n([\s\S]*?)```/.exec(readme)
  assert.ok(match, 'README.md has a ```ts example')
  // The file sits in the project so `import … from 'sluice'` resolves to this package; it runs
  // in a temp dir so its './data' is fresh.
  const script = join(ROOT, `.readme-example-${process.pid}.ts`)
  const cwd = mkdtempSync(join(tmpdir(), 'sluice-readme-'))
  writeFileSync(script, match[1]!)
  t.after(() => {
    rmSync(script, { force: true })
    rmSync(cwd, { recursive: true, force: true })
  })
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], { cwd, encoding: 'utf8', timeout: 60_000 })
  assert.equal(run.status, 0, run.stderr)
  const lines = run.stdout.trim().split('\n')
  assert.match(lines[0]!, /^\d \d+$/)
  assert.match(lines[1]!, /^\d \d+ card-42 \{"amount":120,"ts":\d+\}$/)
})
