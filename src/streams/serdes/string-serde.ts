// UTF-8 strings. Refuses what UTF-8 cannot carry losslessly: a string with an unpaired surrogate
// on the way out, malformed bytes on the way in (Buffer#toString would replace them with U+FFFD and
// lose data without a word). The JSON serde is in json-serde.ts, raw bytes in bytes-serde.ts.
import { describeBytes, SerdeError, typeName, type Serde } from './serde.ts'
import { decodeUtf8Strict, firstInvalidUtf8, firstUnpairedSurrogate, isWellFormedText } from './utf8.ts'

/**
 * Strings as UTF-8 bytes.
 * @example stringSerde.deserialize(stringSerde.serialize('héllo')) // 'héllo'
 */
export const stringSerde: Serde<string> = {
  serialize(value: string): Buffer {
    if (typeof value !== 'string') throw new SerdeError('string', 'serialize', `expected a string, got ${typeName(value)}`)
    if (!isWellFormedText(value)) {
      throw new SerdeError('string', 'serialize', `unpaired surrogate at index ${firstUnpairedSurrogate(value)}: UTF-8 cannot encode it`)
    }
    return Buffer.from(value, 'utf8')
  },
  deserialize(bytes: Buffer): string {
    const text = decodeUtf8Strict(bytes)
    if (text !== null) return text
    throw new SerdeError('string', 'deserialize', `invalid UTF-8 at byte ${firstInvalidUtf8(bytes)} of ${describeBytes(bytes)}`)
  },
}
