// Runs the whole generator in memory: definitions directory in, map of file name → file text out
// (one file per API key holding its request and response, one per header and `data` payload, and
// index.ts). main.ts writes the map to src/protocol/messages/; protogen.test.ts compares it with
// what is committed there.
import { emitFile, fileNameFor } from './emit-file.ts'
import { emitIndex, type ApiPair } from './emit-index.ts'
import { buildMessage, type MessageModel } from './model.ts'
import { loadSpecs } from './schema.ts'

/** Where the definitions live, relative to the project root. */
export const DEFINITIONS_DIR = '../shared/kafka-protocol/messages'
/** Where the generated files go, relative to the project root. */
export const OUTPUT_DIR = 'src/protocol/messages'

/** Every generated file's text by file name, for the definitions in `dir`. */
export function generateAll(dir: string): Map<string, string> {
  const messages = loadSpecs(dir).map(buildMessage)
  const files = new Map<string, string>()
  const requests = new Map<number, MessageModel>()
  const responses = new Map<number, MessageModel>()
  const others: MessageModel[] = []
  for (const message of messages) {
    const { type, apiKey } = message.spec
    if (type === 'request' || type === 'response') {
      if (apiKey === undefined) throw new Error(`${message.file}: ${type} without an apiKey`)
      const table = type === 'request' ? requests : responses
      if (table.has(apiKey)) throw new Error(`${message.file}: API key ${apiKey} defined twice`)
      table.set(apiKey, message)
    } else {
      others.push(message)
    }
  }
  const pairs: ApiPair[] = []
  for (const [apiKey, request] of [...requests].sort((a, b) => a[0] - b[0])) {
    const response = responses.get(apiKey)
    if (response === undefined) throw new Error(`${request.file}: no response for API key ${apiKey}`)
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)
    const agree =
      same(request.validVersions, response.validVersions) &&
      same(request.flexibleVersions, response.flexibleVersions)
    if (!agree) {
      throw new Error(`${request.file}: request and response disagree on versions`)
    }
    pairs.push({ request, response })
    files.set(fileNameFor(request), emitFile([request, response]))
  }
  for (const apiKey of responses.keys()) {
    if (!requests.has(apiKey)) throw new Error(`API key ${apiKey} has a response but no request`)
  }
  const otherFiles: string[] = []
  for (const message of others) {
    const name = fileNameFor(message)
    otherFiles.push(name)
    files.set(name, emitFile([message]))
  }
  files.set('index.ts', emitIndex(pairs, otherFiles))
  return files
}
