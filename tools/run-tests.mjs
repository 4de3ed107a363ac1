#!/usr/bin/env node
// Runs the whole suite with node:test: every *.test.ts under src/, tools/ and examples/, two files
// at a time (the CI machine has 2 cores). Pass paths or substrings to run a subset:
//   npm test -- storage          # files whose path contains "storage"
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['src', 'tools', 'examples']
const files = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (name.endsWith('.test.ts')) files.push(path)
  }
}
for (const root of roots) if (existsSync(root)) walk(root)
const filters = process.argv.slice(2)
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', ...selected],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
