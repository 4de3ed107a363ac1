// Emits the TypeScript interfaces of one message: the body, then every struct in order of first
// reference, each field documented with Kafka's `about` text and its version notes.
import { Code, docComment, formatRange, quote } from './code.ts'
import { fieldTs } from './emit-common.ts'
import type { FieldModel, MessageModel, StructModel } from './model.ts'
import type { VersionRange } from './schema.ts'

function covers(outer: VersionRange | null, inner: VersionRange): boolean {
  return outer !== null && outer.min <= inner.min && outer.max >= inner.max
}

/** Version notes for a field's doc comment, e.g. "v3+; null in v3+; default -1". */
export function fieldNotes(field: FieldModel, reach: VersionRange, message: MessageModel): string {
  const notes: string[] = []
  if (!covers(field.versions, reach)) notes.push(`v${formatRange(field.versions)}`)
  if (field.nullableVersions !== null) notes.push(`null in v${formatRange(field.nullableVersions)}`)
  if (field.taggedVersions !== null) notes.push(`tag ${field.tag} in v${formatRange(field.taggedVersions)}`)
  const value = field.default
  if (value.kind === 'null') notes.push('default null')
  else if (value.kind === 'string') notes.push(`default ${quote(value.value)}`)
  else if (value.kind !== 'empty' && !(value.kind === 'number' && value.value === 0) &&
    !(value.kind === 'boolean' && !value.value)) {
    notes.push(`default ${String(value.value)}`)
  }
  if (field.flexibleVersions === null && message.flexibleVersions !== null) notes.push('never compact')
  return notes.length === 0 ? '' : ` (${notes.join('; ')})`
}

/** Where each struct is first used, as "Message.field.field", for its doc comment. */
function usagePaths(message: MessageModel): Map<StructModel, string> {
  const paths = new Map<StructModel, string>()
  const walk = (struct: StructModel, path: string): void => {
    for (const field of struct.fields) {
      const element = field.type.kind === 'array' ? field.type.element : field.type
      if (element.kind !== 'struct' || paths.has(element.struct)) continue
      const childPath = `${path}.${field.prop}`
      paths.set(element.struct, field.type.kind === 'array' ? `An element of ${childPath}` : childPath)
      walk(element.struct, childPath)
    }
  }
  walk(message.top, message.name)
  return paths
}

function emitInterface(code: Code, message: MessageModel, struct: StructModel, doc: string): void {
  docComment(code, 0, doc)
  code.block(`export interface ${struct.typeName}`, () => {
    for (const field of struct.fields) {
      const about = field.about === '' ? field.name : field.about
      docComment(code, 2, `${about}${fieldNotes(field, struct.reach!, message)}`)
      code.line(`${field.prop}: ${fieldTs(field)}`)
    }
  })
}

/** Emits the interfaces of `message`. */
export function emitTypes(code: Code, message: MessageModel): void {
  const { validVersions, flexibleVersions } = message
  const kind = message.spec.type === 'header' ? 'header' : 'body'
  const flexible = flexibleVersions === null ? '' : ` (flexible ${formatRange(flexibleVersions)})`
  emitInterface(
    code,
    message,
    message.top,
    `The ${message.name} ${kind}, versions ${formatRange(validVersions)}${flexible}.`,
  )
  const paths = usagePaths(message)
  for (const struct of message.structs) {
    code.line()
    emitInterface(code, message, struct, `${paths.get(struct)} (v${formatRange(struct.reach)}).`)
  }
}
