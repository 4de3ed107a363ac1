// Buffered writing to stdout for commands that print many records: text is gathered into ~64 KiB
// strings (one write() call per chunk, not per record) and writing waits for 'drain', so a slow
// reader slows the consumer instead of growing memory. A closed pipe (EPIPE, as with `| head`) or
// any other write error marks the output broken and calls `onBroken` once, so the command can stop
// cleanly; further writes are dropped.

/** Bytes gathered before one write() to the stream. */
const CHUNK_CHARS_TARGET = 64 * 1024

/** A buffered, backpressured writer over a Writable such as process.stdout. */
export class Output {
  readonly #stream: NodeJS.WritableStream
  readonly #onBroken: (error: Error) => void
  #buffer = ''
  #error: Error | null = null
  #waiters: Array<() => void> = []

  constructor(stream: NodeJS.WritableStream, onBroken: (error: Error) => void = () => {}) {
    this.#stream = stream
    this.#onBroken = onBroken
    stream.on('error', this.#fail)
    stream.on('drain', this.#wake)
  }

  /** The write error that broke the output (EPIPE when the reader went away), or null. */
  get error(): Error | null {
    return this.#error
  }

  /** Appends text; returns a promise to await only when a chunk went out and the stream is full. */
  write(text: string): Promise<void> | undefined {
    if (this.#error !== null) return undefined
    this.#buffer += text
    if (this.#buffer.length < CHUNK_CHARS_TARGET) return undefined
    return this.flush()
  }

  /** Writes out what is buffered and waits until the stream takes more (or breaks). */
  async flush(): Promise<void> {
    if (this.#error !== null || this.#buffer === '') return
    const chunk = this.#buffer
    this.#buffer = ''
    if (this.#stream.write(chunk)) return
    // The 'drain' or 'error' listeners installed in the constructor wake us.
    await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  /** Stops listening to the stream (call once the command is done with it). */
  detach(): void {
    this.#stream.off('drain', this.#wake)
    // Keep an error listener: an EPIPE arriving after we are done must not crash the process.
    this.#stream.off('error', this.#fail)
    this.#stream.on('error', () => {})
  }

  #wake = (): void => {
    const waiters = this.#waiters
    this.#waiters = []
    for (const resolve of waiters) resolve()
  }

  #fail = (error: Error): void => {
    if (this.#error !== null) return
    this.#error = error
    this.#buffer = ''
    this.#wake()
    this.#onBroken(error)
  }
}
