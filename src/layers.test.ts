// Keeps DESIGN.md's layering true: each src/<area> may import only the areas listed for it, and
// nothing imports broker/, cli/ or dashboard/ except main.ts. Reads import statements as text, so
// it costs milliseconds and needs no build.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = dirname(fileURLToPath(import.meta.url))

/** area → areas it may import (besides itself). `testing` is the test kit: tests and `*test-kit.ts` helpers may use it anywhere. */
const ALLOWED: Record<string, string[]> = {
  base: [],
  protocol: ['base'],
  storage: ['base', 'protocol'],
  coordinator: ['base', 'protocol', 'storage'],
  broker: ['base', 'protocol', 'storage', 'coordinator'],
  client: ['base', 'protocol', 'coordinator'],
  sketches: ['base'],
  streams: ['client', 'sketches', 'base', 'protocol'],
  connectors: ['client', 'streams', 'base'],
  dashboard: ['client', 'streams', 'base'],
  cli: ['client', 'connectors', 'streams', 'base', 'protocol'],
  testing: ['base', 'protocol', 'storage', 'coordinator', 'client', 'broker'],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : []
  })
}

test('each area imports only the areas DESIGN.md allows', () => {
  const violations: string[] = []
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file)
    const area = rel.includes('/') ? rel.split('/')[0]! : '(root)'
    if (area === '(root)') continue
    const isTest = file.endsWith('.test.ts') || file.endsWith('test-kit.ts')
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = relative(SRC, resolve(dirname(file), match[1]!))
      if (target.startsWith('..')) continue
      const targetArea = target.split('/')[0]!
      if (targetArea === area || !target.includes('/')) continue
      if (isTest && targetArea === 'testing') continue
      const allowed = ALLOWED[area]
      assert.ok(allowed !== undefined, `unknown area '${area}': add it to ALLOWED and DESIGN.md`)
      if (!allowed.includes(targetArea)) violations.push(`${rel} imports ${target}`)
    }
  }
  assert.deepEqual(violations, [])
})
