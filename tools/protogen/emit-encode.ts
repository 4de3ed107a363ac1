// Emits one encoder per struct: straight-line writes, version checks only where a field comes or
// goes inside the versions the struct can appear in, Kafka's refusal to drop a non-default value
// of a non-ignorable field that the version lacks, and tagged fields written only when they differ
// from their defaults, in ascending tag order.
import {
  Code,
  type Cond,
  Names,
  and,
  docComment,
  formatRange,
  paren,
  quote,
  versionCond,
  versionCondNot,
} from './code.ts'
import {
  FileContext,
  condArg,
  defaultFactoryName,
  defaultTest,
  elementOf,
  encoderName,
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

const WRITERS: Record<string, string> = {
  bool: 'bool', int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32',
  int64: 'int64', float64: 'float64', uuid: 'uuid',
}

interface EncodeScope {
  readonly ctx: FileContext
  readonly flexible: Cond
}

// Statement lines (nested ones indented with two spaces) writing one element of an array field.
function writeElement(scope: EncodeScope, field: FieldModel, range: VersionRange, w: string): string {
  const element = elementOf(field)
  if (element.kind === 'struct') return `${encoderName(element.struct)}(${w}, version, item)`
  const compact = condArg(versionCond(field.flexibleVersions, range), scope.flexible)
  switch (element.name) {
    case 'string':
      return `${w}.string(item, ${compact})`
    case 'bytes':
    case 'records':
      return `${w}.bytes(item, ${compact})`
    default:
      return `${w}.${WRITERS[element.name]}(item)`
  }
}

// Statement lines writing `value` (a field of type `field`) at versions `range` into writer `w`.
function writeValue(
  scope: EncodeScope,
  field: FieldModel,
  range: VersionRange,
  value: string,
  w: string,
): string[] {
  const { ctx } = scope
  const compact = condArg(versionCond(field.flexibleVersions, range), scope.flexible)
  const nullable = versionCond(field.nullableVersions, range)
  // In a version that does not allow null, a null value is written as the empty value.
  const orEmpty = (empty: string): string => (field.isNullable ? `${value} ?? ${empty}` : value)
  const pick = (ifNull: string[], notNull: string[]): string[] => {
    if (nullable === true) return ifNull
    if (nullable === false) return notNull
    const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`)
    return [`if (${nullable}) {`, ...indent(ifNull), '} else {', ...indent(notNull), '}']
  }
  if (field.type.kind === 'array') {
    const list = field.isNullable && nullable !== true ? `(${value} ?? [])` : value
    const loop = [`for (const item of ${list}) {`, `  ${writeElement(scope, field, range, w)}`, '}']
    if (nullable === false) return [`${w}.arrayLength(${list}.length, ${compact})`, ...loop]
    const test = nullable === true ? `${value} === null` : `${paren(nullable)} && ${value} === null`
    return [
      `if (${test}) {`,
      `  ${w}.arrayLength(-1, ${compact})`,
      '} else {',
      `  ${w}.arrayLength(${list}.length, ${compact})`,
      ...loop.map((l) => `  ${l}`),
      '}',
    ]
  }
  const element = field.type
  if (element.kind === 'struct') {
    const encode = encoderName(element.struct)
    if (field.isNullable && nullable !== true) ctx.defaultFactories.add(element.struct)
    return pick(
      [
        `if (${value} === null) {`,
        `  ${w}.int8(-1)`,
        '} else {',
        `  ${w}.int8(1)`,
        `  ${encode}(${w}, version, ${value})`,
        '}',
      ],
      [`${encode}(${w}, version, ${orEmpty(`${defaultFactoryName(element.struct)}()`)})`],
    )
  }
  switch (element.name) {
    case 'string':
      return pick(
        [`${w}.nullableString(${value}, ${compact})`],
        [`${w}.string(${orEmpty("''")}, ${compact})`],
      )
    case 'bytes':
    case 'records': {
      const nullWriter = element.name === 'records' ? 'records' : 'nullableBytes'
      if (field.isNullable && nullable !== true) ctx.needsEmptyBytes = true
      return pick(
        [`${w}.${nullWriter}(${value}, ${compact})`],
        [`${w}.bytes(${orEmpty('EMPTY_BYTES')}, ${compact})`],
      )
    }
    default:
      return [`${w}.${WRITERS[element.name]}(${value})`]
  }
}

function emitLines(code: Code, lines: readonly string[]): void {
  for (const line of lines) code.line(line)
}

/** Emits the encoder of `struct` (exported for the message's top level). */
export function emitEncoder(
  code: Code,
  ctx: FileContext,
  message: MessageModel,
  struct: StructModel,
): void {
  const context = struct.reach!
  const isTop = struct === message.top
  const flexible = versionCond(message.flexibleVersions, context)
  const scope: EncodeScope = { ctx, flexible }
  const names = new Names(['w', 'version', 'body', 'flexible', 'item', 'tagged', 'tagCount'])
  const tagContext = intersect(context, message.flexibleVersions)
  if (isTop) docComment(code, 0, `Encodes a ${message.name} at \`version\` (${formatRange(context)}).`)
  const head = `${isTop ? 'export ' : ''}function ${encoderName(struct)}`
  code.fn(head, ['w: Writer', 'version: number', `body: ${struct.typeName}`], 'void', () => {
    if (isTop) {
      ctx.needsAssert = true
      code.line(versionAssert(message, context))
    }
    if (typeof flexible === 'string') code.line(`const flexible = ${flexible}`)
    const tagged: { field: FieldModel; has: string; range: VersionRange }[] = []
    for (const field of struct.fields) {
      const value = `body.${field.prop}`
      const regular = intersect(regularVersions(field), context)
      const present = versionCond(regularVersions(field), context)
      const taggedRange = tagContext === null ? null : intersect(field.taggedVersions, tagContext)
      const absent = versionCondNot(field.versions, context)
      const refuse = (): void => {
        ctx.needsUnsupported = true
        const args = [quote(struct.typeName), quote(field.prop), 'version']
        const single = `unsupportedField(${args.join(', ')})`
        if (code.fits(single)) code.line(single)
        else {
          code.line('unsupportedField(')
          code.indented(() => args.forEach((arg) => code.line(`${arg},`)))
          code.line(')')
        }
      }
      const mustCheck = !field.ignorable && absent !== false
      if (taggedRange !== null) {
        const taggedCond = versionCond(field.taggedVersions, tagContext!)
        const has = names.take(`has${field.name}`)
        tagged.push({ field, has, range: taggedRange })
        const test = and(taggedCond, defaultTest(field, value, true, ctx))
        if (code.fits(`const ${has} = ${test}`)) code.line(`const ${has} = ${test}`)
        else {
          code.line(`const ${has} =`)
          code.indented(() => code.line(String(test)))
        }
      }
      if (present === true) emitLines(code, writeValue(scope, field, regular!, value, 'w'))
      else if (present !== false) {
        const lines = writeValue(scope, field, regular!, value, 'w')
        if (taggedRange === null && mustCheck) {
          code.line(`if (${present}) {`)
          code.indented(() => emitLines(code, lines))
          code.line(`} else if (${defaultTest(field, value, true, ctx)}) {`)
          code.indented(refuse)
          code.line('}')
          continue
        }
        if (lines.length === 1) code.line(`if (${present}) ${lines[0]}`)
        else code.block(`if (${present})`, () => emitLines(code, lines))
      }
      if (mustCheck) {
        const test = and(absent, defaultTest(field, value, true, ctx))
        if (test !== false) code.block(`if (${test})`, refuse)
      }
    }
    emitTaggedSection(code, scope, flexible, tagged)
  })
}

function emitTaggedSection(
  code: Code,
  scope: EncodeScope,
  flexible: Cond,
  tagged: readonly { field: FieldModel; has: string; range: VersionRange }[],
): void {
  if (flexible === false) return
  if (tagged.length === 0) {
    code.line(flexible === true ? 'w.emptyTaggedFields()' : 'if (flexible) w.emptyTaggedFields()')
    return
  }
  const body = (): void => {
    const sorted = [...tagged].sort((a, b) => a.field.tag! - b.field.tag!)
    if (sorted.length === 1) code.line(`w.unsignedVarint(${sorted[0]!.has} ? 1 : 0)`)
    else {
      code.line('let tagCount = 0')
      for (const { has } of sorted) code.line(`if (${has}) tagCount++`)
      code.line('w.unsignedVarint(tagCount)')
    }
    for (const { field, has, range } of sorted) {
      code.block(`if (${has})`, () => {
        code.line(`w.unsignedVarint(${field.tag})`)
        const size = field.type.kind === 'array' ? null : fixedBytes(field.type)
        const value = `body.${field.prop}`
        if (size !== null) {
          code.line(`w.unsignedVarint(${size})`)
          emitLines(code, writeValue(scope, field, range, value, 'w'))
          return
        }
        // A tagged value is preceded by its size: write it aside first (tagged values are rare).
        scope.ctx.needsWriterClass = true
        code.line('const tagged = new Writer(64)')
        emitLines(code, writeValue(scope, field, range, value, 'tagged'))
        code.line('w.unsignedVarint(tagged.length)')
        code.line('w.append(tagged)')
      })
    }
  }
  if (flexible === true) body()
  else code.block('if (flexible)', body)
}
