// What the decoder and encoder emitters share: the per-file context (which imports and helper
// functions the code uses), TypeScript types of fields, default values and tests for them, the
// version assertion that opens each message codec, and how a compact-or-classic flag is passed.
import { type Cond, quote } from './code.ts'
import type { ElementType, FieldModel, MessageModel, StructModel } from './model.ts'
import type { VersionRange } from './schema.ts'

/** Imports and helper functions one generated file needs, collected while emitting. */
export class FileContext {
  needsAssert = false
  needsWriterClass = false
  needsEmptyBytes = false
  needsZeroUuid = false
  needsUnsupported = false
  /** Structs that need a `default<Type>()` factory in the current message. */
  readonly defaultFactories = new Set<StructModel>()
  /** Structs that need an `isDefault<Type>()` test in the current message. */
  readonly defaultTests = new Set<StructModel>()
}

/** The generated name of a struct's decoder, encoder, default factory or default test. */
export function decoderName(struct: StructModel): string {
  return `decode${struct.typeName}`
}
/** See decoderName. */
export function encoderName(struct: StructModel): string {
  return `encode${struct.typeName}`
}
/** See decoderName. */
export function defaultFactoryName(struct: StructModel): string {
  return `default${struct.typeName}`
}
/** See decoderName. */
export function defaultTestName(struct: StructModel): string {
  return `isDefault${struct.typeName}`
}

/** The element type of an array field, or the field's own type. */
export function elementOf(field: FieldModel): ElementType {
  return field.type.kind === 'array' ? field.type.element : field.type
}

/** The TypeScript type of one array element or non-array value. */
export function elementTs(element: ElementType): string {
  if (element.kind === 'struct') return element.struct.typeName
  switch (element.name) {
    case 'bool':
      return 'boolean'
    case 'string':
    case 'uuid':
      return 'string'
    case 'bytes':
    case 'records':
      return 'Buffer'
    default:
      return 'number'
  }
}

/** The TypeScript type of a field. */
export function fieldTs(field: FieldModel): string {
  const base = field.type.kind === 'array' ? `${elementTs(field.type.element)}[]` : elementTs(field.type)
  return field.isNullable ? `${base} | null` : base
}

/** The fixed wire size of a primitive, or null for variable-size types. */
export function fixedBytes(element: ElementType): number | null {
  if (element.kind !== 'primitive') return null
  switch (element.name) {
    case 'bool':
    case 'int8':
      return 1
    case 'int16':
    case 'uint16':
      return 2
    case 'int32':
    case 'uint32':
      return 4
    case 'int64':
    case 'float64':
      return 8
    case 'uuid':
      return 16
    default:
      return null
  }
}

/** The TypeScript expression of a field's default value (a fresh object for structs). */
export function defaultExpr(field: FieldModel, ctx: FileContext): string {
  const value = field.default
  switch (value.kind) {
    case 'null':
      return 'null'
    case 'number':
      return String(value.value)
    case 'boolean':
      return String(value.value)
    case 'string':
      return quote(value.value)
    case 'empty':
      break
  }
  if (field.type.kind === 'array') return '[]'
  if (field.type.kind === 'struct') {
    ctx.defaultFactories.add(field.type.struct)
    return `${defaultFactoryName(field.type.struct)}()`
  }
  switch (field.type.name) {
    case 'bool':
      return 'false'
    case 'string':
      return "''"
    case 'uuid':
      ctx.needsZeroUuid = true
      return 'ZERO_UUID'
    case 'records':
      if (field.isNullable) return 'null'
      ctx.needsEmptyBytes = true
      return 'EMPTY_BYTES'
    case 'bytes':
      ctx.needsEmptyBytes = true
      return 'EMPTY_BYTES'
    default:
      return '0'
  }
}

/**
 * An expression that is true when `value` (a field of type `field`) holds its default, or with
 * `negate` when it does not: the writers' test for tagged fields and for fields a version lacks.
 */
export function defaultTest(field: FieldModel, value: string, negate: boolean, ctx: FileContext): string {
  const eq = negate ? '!==' : '==='
  const kind = field.default.kind
  if (kind === 'null') return `${value} ${eq} null`
  if (kind !== 'empty') return `${value} ${eq} ${defaultExpr(field, ctx)}`
  const element = field.type
  // Sized values: empty when length is 0; null (when the type allows it) counts as non-default.
  let emptyTest: string | null = null
  if (element.kind === 'array') emptyTest = 'length'
  else if (element.kind === 'primitive' && (element.name === 'bytes' || element.name === 'records')) {
    emptyTest = 'length'
  }
  if (emptyTest !== null) {
    if (!field.isNullable) return `${value}.length ${eq} 0`
    return negate
      ? `(${value} === null || ${value}.length !== 0)`
      : `(${value} !== null && ${value}.length === 0)`
  }
  if (element.kind === 'struct') {
    ctx.defaultTests.add(element.struct)
    const test = `${defaultTestName(element.struct)}(${value})`
    if (!field.isNullable) return negate ? `!${test}` : test
    return negate ? `(${value} === null || !${test})` : `(${value} !== null && ${test})`
  }
  return `${value} ${eq} ${defaultExpr(field, ctx)}`
}

/** The assertion that opens a message's codecs: the caller checked the version against the table. */
export function versionAssert(message: MessageModel, context: VersionRange): string {
  const test = `version >= ${context.min} && version <= ${context.max}`
  return `assert(${test}, 'unsupported ${message.name} version')`
}

/** Renders a Cond as an argument: `true`, `false`, or the shared `flexible` local when it matches. */
export function condArg(cond: Cond, flexibleLocal: Cond): string {
  if (cond === true || cond === false) return String(cond)
  return cond === flexibleLocal ? 'flexible' : cond
}
