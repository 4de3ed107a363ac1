// LZ4 for record batch v2: the standard LZ4 *frame* format, over `lz4-napi` (lz4_flex). Kafka's
// magic 0/1 message sets had a broken frame header checksum; v2 batches carry correct frames, so
// no compatibility shim is needed. compression.ts dispatches here.
//
// Frame layout (little-endian):
//   magic 0x184D2204 · FLG (bits 7-6 version 01, 5 independent blocks, 4 block checksum,
//   3 content size, 2 content checksum, 0 dict id) · BD (bits 6-4 block max size: 4 = 64 KiB …
//   7 = 4 MiB) · [content size 8] · [dict id 4] · header checksum 1 · blocks: uint32 size (high
//   bit = stored uncompressed, 0 = end mark), data, [block checksum 4] · [content checksum 4]
// Skippable frames (magic 0x184D2A50-5F, uint32 size, payload) may sit between frames.
//
// Bomb cap: lz4-napi cannot bound its output, so we walk each frame first. A block yields at most
// the frame's block max size, which bounds the output without decoding; only when that bound
// exceeds the cap do we count the block's sequences (token, literals, 2-byte offset, match
// length: a scan that skips literals and writes nothing) to learn its exact output size.
//
// Speed: lz4-napi's frame decoder is ~25× slower than its block decoder (measured ~300 µs vs
// ~12 µs for a 117 KB batch), so frames of independent blocks without checksums or dictionary
// (what the Java client and lz4-napi write) are decoded block by block; other frames go to the
// frame decoder, which also verifies their checksums. That decoder stops after the first frame,
// so frames are decoded one at a time.
import { compressFrameSync, decompressFrameSync, uncompressSync } from 'lz4-napi'
import { SluiceError } from '../../base/errors.ts'

const FRAME_MAGIC = 0x184d2204
const SKIPPABLE_MAGIC_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const FLG_INDEPENDENT_BLOCKS = 0x20
const FLG_BLOCK_CHECKSUM = 0x10
const FLG_CONTENT_SIZE = 0x08
const FLG_CONTENT_CHECKSUM = 0x04
const FLG_DICT_ID = 0x01
const BLOCK_UNCOMPRESSED = 0x80000000

/** One frame's blocks as found by the walk: [start, end, isStored] for each. */
interface FrameScan {
  start: number
  end: number
  flg: number
  blockBytesMax: number
  blocks: Array<[start: number, end: number, isStored: boolean]>
  /** Exact output size, or an upper bound when that bound fit the budget. */
  outputBytes: number
}

/** Compresses `data` as one standard LZ4 frame. */
export function lz4CompressFrame(data: Buffer): Buffer {
  return compressFrameSync(data)
}

/** Decompresses one or more LZ4 frames, refusing output over `maxBytes` before decoding. */
export function lz4DecompressFrames(data: Buffer, maxBytes: number): Buffer {
  const frames: FrameScan[] = []
  let total = 0
  let pos = 0
  while (pos < data.length) {
    if (data.length - pos < 8) throw corrupt('LZ4 frame header is truncated')
    const magic = data.readUInt32LE(pos)
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 8 + data.readUInt32LE(pos + 4)
      continue
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad LZ4 frame magic 0x${magic.toString(16)}`)
    const frame = scanFrame(data, pos, maxBytes - total)
    total += frame.outputBytes
    pos = frame.end
    frames.push(frame)
  }
  if (pos > data.length) throw corrupt('LZ4 skippable frame overruns the input')
  if (frames.length === 0) throw corrupt('LZ4 data holds no frame')
  const outputs: Buffer[] = []
  for (const frame of frames) decodeFrame(data, frame, outputs)
  const output = outputs.length === 1 ? (outputs[0] as Buffer) : Buffer.concat(outputs)
  // `total` is exact or an upper bound, and never over maxBytes; more output means a bad block.
  if (output.length > total) throw corrupt(`LZ4 output of ${output.length} bytes exceeds the frame's ${total}`)
  return output
}

/** Walks the frame at `pos`; its output size is exact whenever the cheap bound exceeds `budgetBytes`. */
function scanFrame(data: Buffer, pos: number, budgetBytes: number): FrameScan {
  const start = pos
  const flg = data[pos + 4] as number
  const bd = data[pos + 5] as number
  if (flg >> 6 !== 1) throw corrupt(`unsupported LZ4 frame version ${flg >> 6}`)
  const blockMaxId = (bd >> 4) & 0x07
  if (blockMaxId < 4) throw corrupt(`bad LZ4 block max size id ${blockMaxId}`)
  const blockBytesMax = 1 << (8 + 2 * blockMaxId)
  pos += 6 + (flg & FLG_CONTENT_SIZE ? 8 : 0) + (flg & FLG_DICT_ID ? 4 : 0) + 1
  const blockChecksumBytes = flg & FLG_BLOCK_CHECKSUM ? 4 : 0
  const blocks: FrameScan['blocks'] = []
  let bound = 0
  let storedBytes = 0
  for (;;) {
    if (data.length - pos < 4) throw corrupt('LZ4 frame is truncated before its end mark')
    const word = data.readUInt32LE(pos)
    pos += 4
    if (word === 0) break
    const isStored = (word & BLOCK_UNCOMPRESSED) !== 0
    const blockBytes = word & ~BLOCK_UNCOMPRESSED
    if (blockBytes > data.length - pos) throw corrupt('LZ4 block overruns the input')
    if (isStored && blockBytes > blockBytesMax) throw corrupt('LZ4 stored block exceeds the block max size')
    bound += isStored ? blockBytes : blockBytesMax
    storedBytes += isStored ? blockBytes : 0
    blocks.push([pos, pos + blockBytes, isStored])
    pos += blockBytes + blockChecksumBytes
  }
  pos += flg & FLG_CONTENT_CHECKSUM ? 4 : 0
  if (pos > data.length) throw corrupt('LZ4 frame checksum is truncated')
  const frame: FrameScan = { start, end: pos, flg, blockBytesMax, blocks, outputBytes: bound }
  if (bound <= budgetBytes) return frame
  // The cheap bound is over budget: count exactly, failing as soon as the budget is spent.
  let exact = storedBytes
  if (exact > budgetBytes) throw tooLarge(budgetBytes)
  for (const [blockStart, blockEnd, isStored] of blocks) {
    if (isStored) continue
    exact += blockOutputBytes(data, blockStart, blockEnd)
    if (exact > budgetBytes) throw tooLarge(budgetBytes)
  }
  frame.outputBytes = exact
  return frame
}

/** Exact decompressed size of one LZ4 block, found by walking its sequences. */
function blockOutputBytes(data: Buffer, pos: number, end: number): number {
  let output = 0
  while (pos < end) {
    const token = data[pos++] as number
    let literalBytes = token >> 4
    if (literalBytes === 15) {
      let byte = 255
      while (byte === 255 && pos < end) {
        byte = data[pos++] as number
        literalBytes += byte
      }
    }
    pos += literalBytes
    output += literalBytes
    if (pos >= end) break // the last sequence has literals only
    pos += 2 // match offset
    let matchBytes = (token & 0x0f) + 4
    if ((token & 0x0f) === 15) {
      let byte = 255
      while (byte === 255 && pos < end) {
        byte = data[pos++] as number
        matchBytes += byte
      }
    }
    output += matchBytes
  }
  if (pos > end) throw corrupt('LZ4 block literals overrun the block')
  return output
}

/** Appends the frame's output to `outputs`: block by block when it can, else whole. */
function decodeFrame(data: Buffer, frame: FrameScan, outputs: Buffer[]): void {
  const slowFlags = FLG_BLOCK_CHECKSUM | FLG_CONTENT_CHECKSUM | FLG_DICT_ID
  try {
    if ((frame.flg & FLG_INDEPENDENT_BLOCKS) === 0 || (frame.flg & slowFlags) !== 0) {
      outputs.push(decompressFrameSync(data.subarray(frame.start, frame.end)))
      return
    }
    for (const [start, end, isStored] of frame.blocks) {
      if (isStored) {
        outputs.push(data.subarray(start, end))
        continue
      }
      // lz4-napi's block decoder reads a little-endian size prefix: the block max size is an
      // upper bound it accepts (the output comes back at its true length).
      const prefixed = Buffer.allocUnsafe(4 + end - start)
      prefixed.writeUInt32LE(frame.blockBytesMax, 0)
      data.copy(prefixed, 4, start, end)
      outputs.push(uncompressSync(prefixed))
    }
  } catch (error) {
    throw corrupt('LZ4 frame does not decompress', error)
  }
}

function tooLarge(maxBytes: number): SluiceError {
  return new SluiceError('RECORD_LIST_TOO_LARGE', `LZ4 data decompresses to more than ${maxBytes} bytes`)
}

function corrupt(message: string, cause?: unknown): SluiceError {
  return new SluiceError('CORRUPT_MESSAGE', message, { cause })
}
