// Test support: builds random message bodies straight from the definitions (model.ts), for the
// property tests that run every generated codec at every version. A body holds random values in
// the fields the version carries and exactly the decoder's defaults elsewhere, so encode → decode
// must give it back unchanged.
import type { Random } from '../../src/base/random.ts'
import { EMPTY_BYTES, ZERO_UUID } from '../../src/protocol/primitives/reader.ts'
import type { ElementType, FieldModel, StructModel } from './model.ts'

type Value = unknown

function inRange(range: { min: number; max: number } | null, version: number): boolean {
  return range !== null && version >= range.min && version <= range.max
}

/** The value a decoder fills in for a field the version lacks (mirrors emit-common's defaultExpr). */
export function defaultValue(field: FieldModel): Value {
  const value = field.default
  if (value.kind === 'null') return null
  if (value.kind !== 'empty') return value.value
  if (field.type.kind === 'array') return []
  if (field.type.kind === 'struct') return defaultStruct(field.type.struct)
  switch (field.type.name) {
    case 'bool':
      return false
    case 'string':
      return ''
    case 'uuid':
      return ZERO_UUID
    case 'records':
      return field.isNullable ? null : EMPTY_BYTES
    case 'bytes':
      return EMPTY_BYTES
    default:
      return 0
  }
}

function defaultStruct(struct: StructModel): Record<string, Value> {
  const out: Record<string, Value> = {}
  for (const field of struct.fields) out[field.prop] = defaultValue(field)
  return out
}

const TEXTS = ['', 'a', 'topic-1', 'héllo wörld', '日本語のトピック', 'emoji 🎉 ok', 'x'.repeat(70)]

function randomInt(random: Random, bits: number, signed: boolean): number {
  const span = 2 ** bits
  const value = Math.floor(random.float() * span)
  return signed ? value - span / 2 : value
}

function randomElement(random: Random, element: ElementType, version: number): Value {
  if (element.kind === 'struct') return randomStruct(random, element.struct, version)
  switch (element.name) {
    case 'bool':
      return random.chance(0.5)
    case 'int8':
      return randomInt(random, 8, true)
    case 'int16':
      return randomInt(random, 16, true)
    case 'uint16':
      return randomInt(random, 16, false)
    case 'int32':
      return randomInt(random, 32, true)
    case 'uint32':
      return randomInt(random, 32, false)
    case 'int64':
      return random.pick([0, -1, 1, 2 ** 53 - 1, -(2 ** 53) + 1, randomInt(random, 53, true)])
    case 'float64':
      return random.pick([0, 1.5, -3.25e10, random.float()])
    case 'string':
      return random.pick(TEXTS)
    case 'uuid':
      return random.bytes(16).toString('base64url')
    case 'bytes':
    case 'records':
      return random.bytes(random.int(0, 40))
  }
}

/** A random body of `struct` at `version`. */
export function randomStruct(random: Random, struct: StructModel, version: number): Record<string, Value> {
  const out: Record<string, Value> = {}
  for (const field of struct.fields) {
    if (!inRange(field.versions, version)) {
      out[field.prop] = defaultValue(field)
      continue
    }
    if (inRange(field.nullableVersions, version) && random.chance(0.2)) {
      out[field.prop] = null
      continue
    }
    if (field.type.kind === 'array') {
      const element = field.type.element
      const count = random.int(0, 4)
      out[field.prop] = Array.from({ length: count }, () => randomElement(random, element, version))
    } else {
      out[field.prop] = randomElement(random, field.type, version)
    }
  }
  return out
}
