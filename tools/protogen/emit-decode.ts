// Emits one decoder per struct: straight-line reads into locals, version checks only where a
// field comes or goes inside the versions the struct can appear in, a tagged-field loop for the
// tags it knows, and one object literal at the end (all fields, always in the same order, so every
// decoded object of a type shares one V8 shape).
import { Code, type Cond, Names, and, docComment, formatRange, paren, versionCond } from './code.ts'
import {
  FileContext,
  condArg,
  decoderName,
  defaultExpr,
  elementOf,
  elementTs,
  fieldTs,
  fixedBytes,
  versionAssert,
} from './emit-common.ts'
import {
  intersect,
  regularVersions,
  type FieldModel,
  type MessageModel,
  type StructModel,
} from './model.ts'
import type { VersionRange } from './schema.ts'

const READERS: Record<string, string> = {
  bool: 'bool', int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32',
  int64: 'int64', float64: 'float64', uuid: 'uuid',
}

interface DecodeScope {
  readonly code: Code
  readonly ctx: FileContext
  readonly names: Names
  /** The condition the `flexible` local holds (true/false when there is no such local). */
  readonly flexible: Cond
}

function ifCond(cond: Cond, then: string, otherwise: string): string {
  if (cond === true) return then
  if (cond === false) return otherwise
  return `${paren(cond)} ? ${then} : ${otherwise}`
}

// The read expression of one non-array value of `field`, read at versions `range`.
function readValue(scope: DecodeScope, field: FieldModel, range: VersionRange): string {
  const element = elementOf(field)
  const compact = condArg(versionCond(field.flexibleVersions, range), scope.flexible)
  const nullable = versionCond(field.nullableVersions, range)
  if (element.kind === 'struct') {
    const decode = `${decoderName(element.struct)}(r, version)`
    if (nullable === false) return decode
    return `${nullable === true ? '' : `${paren(nullable)} && `}r.int8() < 0 ? null : ${decode}`
  }
  switch (element.name) {
    case 'string':
      return ifCond(nullable, `r.nullableString(${compact})`, `r.string(${compact})`)
    case 'bytes':
      return field.zeroCopy
        ? ifCond(nullable, `r.nullableBytesView(${compact})`, `r.bytesView(${compact})`)
        : ifCond(nullable, `r.nullableBytes(${compact})`, `r.bytes(${compact})`)
    case 'records':
      return ifCond(nullable, `r.records(${compact})`, `r.bytesView(${compact})`)
    default:
      return `r.${READERS[element.name]}()`
  }
}

// The read expression of one array element (elements are never null).
function readElement(scope: DecodeScope, field: FieldModel, range: VersionRange): string {
  const element = elementOf(field)
  if (element.kind === 'struct') return `${decoderName(element.struct)}(r, version)`
  const compact = condArg(versionCond(field.flexibleVersions, range), scope.flexible)
  switch (element.name) {
    case 'string':
      return `r.string(${compact})`
    case 'bytes':
      return field.zeroCopy ? `r.bytesView(${compact})` : `r.bytes(${compact})`
    case 'records':
      return `r.bytesView(${compact})`
    default:
      return `r.${READERS[element.name]}()`
  }
}

// Statements that read an array into the already declared `local`.
function readArrayInto(scope: DecodeScope, field: FieldModel, range: VersionRange, local: string): void {
  const { code } = scope
  const compact = condArg(versionCond(field.flexibleVersions, range), scope.flexible)
  const nullable = versionCond(field.nullableVersions, range)
  const min = fixedBytes(elementOf(field)) ?? 1
  const length = scope.names.take(`${field.prop}Length`)
  code.choice(
    `const ${length} = `,
    nullable,
    `r.nullableArrayLength(${compact}, ${min})`,
    `r.arrayLength(${compact}, ${min})`,
  )
  const fill = (): void => {
    code.line(`${local} = []`)
    code.block(`for (let i = 0; i < ${length}; i++)`, () => {
      code.call(`${local}.push`, readElement(scope, field, range))
    })
  }
  if (nullable === false) fill()
  else {
    code.block(`if (${length} >= 0)`, fill, '} else {')
    code.indented(() => code.line(`${local} = null`))
    code.line('}')
  }
}

interface TaggedRead {
  readonly field: FieldModel
  readonly local: string
  readonly cond: Cond
  readonly range: VersionRange
}

/** Emits the decoder of `struct` (exported for the message's top level). */
export function emitDecoder(
  code: Code,
  ctx: FileContext,
  message: MessageModel,
  struct: StructModel,
): void {
  const context = struct.reach!
  const isTop = struct === message.top
  const flexible = versionCond(message.flexibleVersions, context)
  const names = new Names(['r', 'version', 'flexible', 'n', 'i', 'tag', 'end'])
  const scope: DecodeScope = { code, ctx, names, flexible }
  const tagContext = intersect(context, message.flexibleVersions)
  if (isTop) {
    docComment(
      code,
      0,
      `Decodes a ${message.name} at \`version\` (${formatRange(context)}); check \`r.error\` afterwards.`,
    )
  }
  const head = `${isTop ? 'export ' : ''}function ${decoderName(struct)}`
  code.fn(head, ['r: Reader', 'version: number'], struct.typeName, () => {
    if (isTop) {
      ctx.needsAssert = true
      code.line(versionAssert(message, context))
    }
    if (typeof flexible === 'string') code.line(`const flexible = ${flexible}`)
    const props: [string, string][] = []
    const tagged: TaggedRead[] = []
    for (const field of struct.fields) {
      const regular = intersect(regularVersions(field), context)
      const present = versionCond(regularVersions(field), context)
      const taggedRange = tagContext === null ? null : intersect(field.taggedVersions, tagContext)
      const taggedCond = taggedRange === null ? false : versionCond(field.taggedVersions, tagContext!)
      if (present === false && taggedCond === false) {
        props.push([field.prop, defaultExpr(field, ctx)])
        continue
      }
      const local = names.take(field.prop)
      props.push([field.prop, local])
      if (taggedCond !== false) tagged.push({ field, local, cond: taggedCond, range: taggedRange! })
      const isArray = field.type.kind === 'array'
      const isPlainArray =
        isArray && present !== false && taggedCond === false && field.default.kind === 'empty' &&
        versionCond(field.nullableVersions, regular!) === false
      if (isPlainArray) {
        // The common case, kept short: an array that is never null, filled in place.
        const fill = (): void => {
          const length = names.take(`${field.prop}Length`)
          const min = fixedBytes(elementOf(field)) ?? 1
          const compact = condArg(versionCond(field.flexibleVersions, regular!), flexible)
          code.line(`const ${length} = r.arrayLength(${compact}, ${min})`)
          code.block(`for (let i = 0; i < ${length}; i++)`, () => {
            code.call(`${local}.push`, readElement(scope, field, regular!))
          })
        }
        code.line(`const ${local}: ${elementTs(elementOf(field))}[] = []`)
        if (present === true) fill()
        else code.block(`if (${present})`, fill)
      } else if (isArray) {
        code.line(`let ${local}: ${fieldTs(field)} = ${defaultExpr(field, ctx)}`)
        if (present === true) readArrayInto(scope, field, regular!, local)
        else if (present !== false) {
          code.block(`if (${present})`, () => readArrayInto(scope, field, regular!, local))
        }
      } else {
        // Tagged fields are assigned again in the tagged-field loop.
        const prefix = taggedCond === false ? `const ${local} = ` : `let ${local}: ${fieldTs(field)} = `
        const read = present === false ? '' : readValue(scope, field, regular!)
        code.choice(prefix, present, read, present === true ? '' : defaultExpr(field, ctx))
      }
    }
    emitTaggedSection(scope, flexible, tagged)
    emitReturn(code, props)
  })
}

function emitTaggedSection(scope: DecodeScope, flexible: Cond, tagged: readonly TaggedRead[]): void {
  const { code } = scope
  if (flexible === false) return
  const body = (): void => {
    if (tagged.length === 0) {
      code.line('r.skipTaggedFields()')
      return
    }
    code.block('for (let n = r.taggedFieldCount(); n > 0; n--)', () => {
      code.line('const tag = r.unsignedVarint()')
      code.line('const end = r.taggedFieldEnd()')
      const sorted = [...tagged].sort((a, b) => a.field.tag! - b.field.tag!)
      sorted.forEach((entry, index) => {
        const test = and(`tag === ${entry.field.tag}`, entry.cond)
        const header = index === 0 ? `if (${test})` : `} else if (${test})`
        code.line(`${header} {`)
        code.indented(() => {
          if (entry.field.type.kind === 'array') readArrayInto(scope, entry.field, entry.range, entry.local)
          else code.line(`${entry.local} = ${readValue(scope, entry.field, entry.range)}`)
        })
      })
      code.line('}')
      code.line('r.endTaggedField(end)')
    })
  }
  if (flexible === true) body()
  else if (tagged.length === 0) code.line('if (flexible) r.skipTaggedFields()')
  else code.block('if (flexible)', body)
}

function emitReturn(code: Code, props: readonly [string, string][]): void {
  const parts = props.map(([prop, value]) => (prop === value ? prop : `${prop}: ${value}`))
  const single = `return { ${parts.join(', ')} }`
  if (parts.length === 0) code.line('return {}')
  else if (single.length <= 90) code.line(single)
  else {
    code.line('return {')
    code.indented(() => {
      for (const part of parts) code.line(`${part},`)
    })
    code.line('}')
  }
}
