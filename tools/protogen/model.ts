// Turns a loaded message definition (schema.ts) into the model the emitters walk: structs with
// TypeScript names, resolved field types, parsed version ranges and defaults, and for every struct
// the versions in which it can appear at all (its "reach"), which lets the emitters leave out
// version checks that cannot fail. Throws on anything the emitters would not handle.
import {
  VERSION_MAX,
  parseVersions,
  type FieldSpec,
  type LoadedSpec,
  type MessageSpec,
  type VersionRange,
} from './schema.ts'

/** The primitive wire types. */
export type PrimitiveName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid'

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveName>([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64',
  'string', 'bytes', 'records', 'uuid',
])

/** A field's type: a primitive, a struct, or an array of either. */
export type ElementType =
  | { kind: 'primitive'; name: PrimitiveName }
  | { kind: 'struct'; struct: StructModel }
/** A field's type including arrays. */
export type FieldType = ElementType | { kind: 'array'; element: ElementType }

/** A field default: 'empty' stands for the type's own zero ('' / 0 / [] / empty bytes / struct). */
export type DefaultValue =
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'null' }
  | { kind: 'empty' }

/** One resolved field. */
export interface FieldModel {
  readonly name: string
  readonly prop: string
  readonly type: FieldType
  readonly versions: VersionRange | null
  readonly nullableVersions: VersionRange | null
  readonly taggedVersions: VersionRange | null
  readonly tag: number | null
  /** Versions in which this field's strings/bytes/arrays use the compact forms. */
  readonly flexibleVersions: VersionRange | null
  readonly ignorable: boolean
  readonly zeroCopy: boolean
  readonly default: DefaultValue
  readonly about: string
  /** The TypeScript type includes null (nullable in some version, or null by default). */
  readonly isNullable: boolean
}

/** A struct (or a message's top level). */
export interface StructModel {
  readonly name: string
  readonly typeName: string
  fields: FieldModel[]
  /** The versions in which this struct can appear; null until resolved. */
  reach: VersionRange | null
}

/** One message definition, resolved. */
export interface MessageModel {
  readonly file: string
  readonly spec: MessageSpec
  readonly name: string
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange | null
  readonly deprecatedVersions: VersionRange | null
  readonly top: StructModel
  /** Every struct except the top, in order of first reference. */
  readonly structs: StructModel[]
}

/** Kafka's PascalCase field name as a camelCase property name. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

/** The intersection of two ranges, or null when they do not overlap. */
export function intersect(a: VersionRange | null, b: VersionRange | null): VersionRange | null {
  if (a === null || b === null) return null
  const min = Math.max(a.min, b.min)
  const max = Math.min(a.max, b.max)
  return min <= max ? { min, max } : null
}

/** The versions in which a field is written in the body rather than in the tagged section. */
export function regularVersions(field: FieldModel): VersionRange | null {
  if (field.taggedVersions === null) return field.versions
  if (field.versions === null || field.versions.min >= field.taggedVersions.min) return null
  return { min: field.versions.min, max: Math.min(field.versions.max, field.taggedVersions.min - 1) }
}

function parseOptional(text: string | undefined): VersionRange | null {
  return text === undefined ? null : parseVersions(text)
}

function parseDefault(spec: FieldSpec, type: FieldType, where: string): DefaultValue {
  const raw = spec.default
  if (raw === undefined) return { kind: 'empty' }
  if (raw === 'null') return { kind: 'null' }
  if (type.kind !== 'primitive') throw new Error(`${where}: unsupported default ${String(raw)}`)
  switch (type.name) {
    case 'bool':
      if (raw === true || raw === 'true') return { kind: 'boolean', value: true }
      if (raw === false || raw === 'false') return { kind: 'boolean', value: false }
      break
    case 'string':
      if (typeof raw === 'string') return { kind: 'string', value: raw }
      break
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64':
    case 'float64': {
      const value = typeof raw === 'number' ? raw : Number(raw)
      if (Number.isFinite(value) && (type.name === 'float64' || Number.isInteger(value))) {
        return { kind: 'number', value }
      }
      break
    }
    default:
      break
  }
  throw new Error(`${where}: default ${JSON.stringify(raw)} does not fit type ${type.name}`)
}

/** Resolves one definition file into a MessageModel. */
export function buildMessage(loaded: LoadedSpec): MessageModel {
  const { file, spec } = loaded
  const validVersions = parseVersions(spec.validVersions)
  if (validVersions === null) throw new Error(`${file}: validVersions is none`)
  const flexibleVersions = parseVersions(spec.flexibleVersions)

  // Pass 1: every named struct's fields (common structs, and inline definitions anywhere).
  const structSpecs = new Map<string, readonly FieldSpec[]>()
  const define = (name: string, fields: readonly FieldSpec[]): void => {
    if (structSpecs.has(name)) throw new Error(`${file}: struct ${name} defined twice`)
    structSpecs.set(name, fields)
  }
  const collect = (fields: readonly FieldSpec[]): void => {
    for (const field of fields) {
      if (field.fields !== undefined) {
        define(field.type.replace(/^\[\]/, ''), field.fields)
        collect(field.fields)
      }
    }
  }
  for (const common of spec.commonStructs ?? []) {
    define(common.name, common.fields)
    collect(common.fields)
  }
  collect(spec.fields)

  // Pass 2: struct models, then their fields (so that structs may refer to each other).
  // Type names prefix the message name; a struct name that repeats the message or API name drops
  // it (MetadataRequest + MetadataRequestTopic → MetadataRequestTopic, UpdateMetadataRequest +
  // UpdateMetadataPartitionState → UpdateMetadataRequestPartitionState).
  const api = spec.name.replace(/(Request|Response)$/, '')
  const shortName = (name: string): string => {
    for (const prefix of [spec.name, api]) {
      const rest = name.slice(prefix.length)
      if (name.startsWith(prefix) && /^[A-Z]/.test(rest)) return rest
    }
    return name
  }
  const shortNames = [...structSpecs.keys()].map(shortName)
  const isUnique = (short: string): boolean => shortNames.filter((n) => n === short).length === 1
  const structs = new Map<string, StructModel>()
  for (const name of structSpecs.keys()) {
    const short = isUnique(shortName(name)) && !structSpecs.has(shortName(name)) ? shortName(name) : name
    structs.set(name, { name, typeName: spec.name + short, fields: [], reach: null })
  }
  const top: StructModel = { name: spec.name, typeName: spec.name, fields: [], reach: validVersions }
  const elementType = (name: string, where: string): ElementType => {
    if (PRIMITIVES.has(name)) return { kind: 'primitive', name: name as PrimitiveName }
    const struct = structs.get(name)
    if (struct === undefined) throw new Error(`${where}: unknown type ${name}`)
    return { kind: 'struct', struct }
  }
  const buildFields = (owner: string, fields: readonly FieldSpec[]): FieldModel[] => {
    const tags = new Set<number>()
    return fields.map((field) => {
      const where = `${file}: ${owner}.${field.name}`
      const type: FieldType = field.type.startsWith('[]')
        ? { kind: 'array', element: elementType(field.type.slice(2), where) }
        : elementType(field.type, where)
      const versions = parseVersions(field.versions)
      const nullableVersions = intersect(parseOptional(field.nullableVersions), versions)
      const taggedVersions = parseOptional(field.taggedVersions)
      if ((taggedVersions === null) !== (field.tag === undefined)) {
        throw new Error(`${where}: tag and taggedVersions must come together`)
      }
      if (taggedVersions !== null) {
        if (taggedVersions.max !== VERSION_MAX) {
          throw new Error(`${where}: taggedVersions must be open-ended`)
        }
        if (tags.has(field.tag!)) throw new Error(`${where}: tag ${field.tag} used twice`)
        tags.add(field.tag!)
      }
      const fieldDefault = parseDefault(field, type, where)
      return {
        name: field.name,
        prop: camelCase(field.name),
        type,
        versions,
        nullableVersions,
        taggedVersions,
        tag: field.tag ?? null,
        flexibleVersions:
          field.flexibleVersions === undefined ? flexibleVersions : parseVersions(field.flexibleVersions),
        ignorable: field.ignorable === true,
        zeroCopy: field.zeroCopy === true,
        default: fieldDefault,
        about: field.about ?? '',
        isNullable: nullableVersions !== null || fieldDefault.kind === 'null',
      }
    })
  }
  top.fields = buildFields(spec.name, spec.fields)
  for (const [name, fields] of structSpecs) structs.get(name)!.fields = buildFields(name, fields)

  // Pass 3: reach, and the order of first reference.
  const order: StructModel[] = []
  const visit = (struct: StructModel, context: VersionRange): void => {
    for (const field of struct.fields) {
      const element = field.type.kind === 'array' ? field.type.element : field.type
      if (element.kind !== 'struct') continue
      const child = element.struct
      if (!order.includes(child)) order.push(child)
      const range = intersect(context, field.versions)
      if (range === null) continue
      const old = child.reach
      const grown =
        old === null ? range : { min: Math.min(old.min, range.min), max: Math.max(old.max, range.max) }
      if (old === null || grown.min !== old.min || grown.max !== old.max) {
        child.reach = grown
        visit(child, grown)
      }
    }
  }
  visit(top, validVersions)
  for (const struct of structs.values()) {
    if (!order.includes(struct)) throw new Error(`${file}: struct ${struct.name} is never used`)
    struct.reach ??= validVersions
  }
  return {
    file,
    spec,
    name: spec.name,
    validVersions,
    flexibleVersions,
    deprecatedVersions: parseOptional(spec.deprecatedVersions),
    top,
    structs: order,
  }
}
