// UTF-8 checks shared by the string and JSON serdes. Decoding with Buffer#toString silently turns
// malformed sequences into U+FFFD, which would corrupt data without a word; these helpers keep that
// check off the hot path (a decoded string without U+FFFD came from valid UTF-8) and, when bytes are
// bad, say where.
import { isUtf8 } from 'node:buffer'

/**
 * Decodes UTF-8, or returns null when `bytes` is not valid UTF-8. Fast path: Buffer#toString only
 * emits U+FFFD for malformed input or for a real U+FFFD in the text, so the strict (slower)
 * validation runs only when the decoded string contains one.
 */
export function decodeUtf8Strict(bytes: Buffer): string | null {
  const text = bytes.toString('utf8')
  if (text.indexOf('\uFFFD') === -1 || isUtf8(bytes)) return text
  return null
}

/** The byte offset of the first malformed UTF-8 sequence in `bytes`, or -1 when it is valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    if (b < 0x80) {
      i++
      continue
    }
    // Lead byte ranges and the allowed range of the second byte (RFC 3629 table), which rules out
    // overlong forms, surrogates (ED A0..BF) and code points above U+10FFFF.
    let length: number
    let low = 0x80
    let high = 0xbf
    if (b >= 0xc2 && b <= 0xdf) length = 2
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3
      if (b === 0xe0) low = 0xa0
      if (b === 0xed) high = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4
      if (b === 0xf0) low = 0x90
      if (b === 0xf4) high = 0x8f
    } else return i
    if (i + length > bytes.length) return i
    const second = bytes[i + 1] as number
    if (second < low || second > high) return i
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k] as number
      if (next < 0x80 || next > 0xbf) return i
    }
    i += length
  }
  return -1
}

/** The index of the first unpaired surrogate in `text`, or -1 (UTF-8 cannot encode one). */
export function firstUnpairedSurrogate(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0xd800 || unit > 0xdfff) continue
    if (unit <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
    }
    return i
  }
  return -1
}

/** True when `text` has no unpaired surrogate; uses the engine's check when it has one. */
export function isWellFormedText(text: string): boolean {
  // String.prototype.isWellFormed is in Node 20 (V8 11.3) but not in TypeScript's ES2023 lib.
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed
  return native === undefined ? firstUnpairedSurrogate(text) === -1 : native.call(text)
}
