// Entry point of the Kafka message generator: `npm run protogen` (or `npx tsx
// tools/protogen/main.ts`) reads ../shared/kafka-protocol/messages/*.json relative to the project
// root and rewrites src/protocol/messages/*.gen.ts and index.ts, deleting generated files whose
// definition is gone. See generate.ts for the pipeline.
import { readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFINITIONS_DIR, OUTPUT_DIR, generateAll } from './generate.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const input = resolve(root, DEFINITIONS_DIR)
const output = resolve(root, OUTPUT_DIR)
if (!existsSync(input)) {
  process.stderr.write(`protogen: no definitions at ${input}\n`)
  process.exit(1)
}
const files = generateAll(input)
let bytes = 0
for (const [name, text] of files) {
  writeFileSync(join(output, name), text)
  bytes += Buffer.byteLength(text)
}
for (const name of readdirSync(output)) {
  if (name.endsWith('.gen.ts') && !files.has(name)) rmSync(join(output, name))
}
process.stdout.write(`protogen: wrote ${files.size} files (${bytes} bytes) to ${OUTPUT_DIR}\n`)
