// Splits a byte stream (stdin or a file) into lines and hands them out in bounded batches, so
// `sluice produce` can send 10 million lines without holding them all: the consumer of the batches
// awaits each send, and the stream stays paused meanwhile (for-await applies backpressure).
// A batch also goes out whenever the input has nothing more buffered, so a slow source (tail -f)
// is not held back waiting for a full batch. Lines are subarrays of the stream's chunks, not
// copies: a batch pins at most its own bytes plus one chunk. Lines are split on '\n' only; a '\r'
// before it stays part of the line.
import { SluiceError } from '../base/errors.ts'

/** Bounds of one batch of lines and of a single line. */
export interface LineBatchOptions {
  /** A batch is handed out once it holds this many lines. */
  linesMax: number
  /** …or once its lines add up to this many bytes. */
  bytesMax: number
  /** A longer line is an error rather than an unbounded buffer. */
  lineBytesMax: number
  /**
   * True when no more input is buffered right now: the lines so far are handed out at once rather
   * than waiting for a full batch, so `tail -f app.log | sluice produce` sends each line promptly.
   */
  isDrained?: () => boolean
}

const NEWLINE = 0x0a

/** Yields the lines of `input` (without their '\n') in batches; a final line without '\n' counts. */
export async function* lineBatches(input: AsyncIterable<Buffer | string>, options: LineBatchOptions): AsyncGenerator<Buffer[]> {
  let batch: Buffer[] = []
  let batchBytes = 0
  let partial: Buffer[] = [] // pieces of a line that spans chunks
  let partialBytes = 0
  let lineNumber = 0

  for await (const data of input) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let start = 0
    // indexOf runs natively over the chunk; one subarray per line is the only allocation.
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      let line = chunk.subarray(start, nl)
      if (partial.length > 0) {
        checkLength(partialBytes + line.length, lineNumber + 1, options)
        partial.push(line)
        line = Buffer.concat(partial, partialBytes + line.length)
        partial = []
        partialBytes = 0
      }
      lineNumber++
      batch.push(line)
      batchBytes += line.length
      start = nl + 1
      if (batch.length >= options.linesMax || batchBytes >= options.bytesMax) {
        yield batch
        batch = []
        batchBytes = 0
      }
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      partialBytes += rest.length
      checkLength(partialBytes, lineNumber + 1, options)
      partial.push(rest)
    }
    if (batch.length > 0 && options.isDrained?.() === true) {
      yield batch
      batch = []
      batchBytes = 0
    }
  }
  if (partial.length > 0) batch.push(Buffer.concat(partial, partialBytes))
  if (batch.length > 0) yield batch
}

function checkLength(bytes: number, lineNumber: number, options: LineBatchOptions): void {
  if (bytes > options.lineBytesMax) {
    throw new SluiceError('MESSAGE_TOO_LARGE', `line ${lineNumber} is longer than ${options.lineBytesMax} bytes`)
  }
}
