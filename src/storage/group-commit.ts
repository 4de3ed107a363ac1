// Group commit for one log: appends wait for "durable up to offset N"; one fsync round covers every
// append written before it started. While a round runs, new appends are written (the event loop is
// free: Fs.sync is asynchronous) and queue; the next round covers them all, so N concurrent appends
// cost a handful of fsyncs, not N. A round is started on the next turn of the event loop
// (setImmediate, not a timer) so appends arriving in the same I/O phase share it.
//
// The round itself (which files to fsync, what offset that makes durable) belongs to the log
// (partition-log.ts), passed in as `syncRound`. A failed round fails every waiter and every later
// call: the log is offline.

interface Waiter {
  offset: number
  resolve: () => void
  reject: (error: unknown) => void
}

/** Batches durability waiters onto as few fsync rounds as possible. */
export class GroupCommit {
  readonly #syncRound: () => Promise<number>
  #durableOffset: number
  #waiters: Waiter[] = []
  #head = 0
  #state: 'idle' | 'scheduled' | 'running' = 'idle'
  #again = false
  #failure: unknown = null
  #rounds = 0

  /** `syncRound` fsyncs what is dirty and resolves with the offset below which all is now durable. */
  constructor(durableOffset: number, syncRound: () => Promise<number>) {
    this.#durableOffset = durableOffset
    this.#syncRound = syncRound
  }

  /** Every offset below this is durable. */
  get durableOffset(): number {
    return this.#durableOffset
  }

  /** fsync rounds run so far. */
  get rounds(): number {
    return this.#rounds
  }

  /** Resolves once every offset below `offset` is durable; rejects if a round fails. */
  waitFor(offset: number): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure)
    if (offset <= this.#durableOffset) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiters = this.#waiters
      // Appends arrive in offset order; only a duplicate's wait for its original can go backwards.
      let at = waiters.length
      while (at > this.#head && (waiters[at - 1] as Waiter).offset > offset) at--
      if (at === waiters.length) waiters.push({ offset, resolve, reject })
      else waiters.splice(at, 0, { offset, resolve, reject })
      this.request()
    })
  }

  /** Asks for a round soon (the interval policy calls this on its timer). */
  request(): void {
    if (this.#failure !== null) return
    if (this.#state === 'running') {
      this.#again = true
      return
    }
    if (this.#state === 'scheduled') return
    this.#state = 'scheduled'
    setImmediate(() => void this.#run())
  }

  /** Fails every waiter, now and later, with `error`. */
  fail(error: unknown): void {
    if (this.#failure !== null) return
    this.#failure = error
    for (let i = this.#head; i < this.#waiters.length; i++) (this.#waiters[i] as Waiter).reject(error)
    this.#waiters = []
    this.#head = 0
  }

  async #run(): Promise<void> {
    this.#state = 'running'
    do {
      this.#again = false
      let durable: number
      try {
        this.#rounds++
        durable = await this.#syncRound()
      } catch (error) {
        this.fail(error)
        break
      }
      this.#advance(durable)
    } while (this.#again && this.#failure === null)
    this.#state = 'idle'
  }

  #advance(durable: number): void {
    if (durable > this.#durableOffset) this.#durableOffset = durable
    // Waiters arrive in offset order (appends are sequential), so the ready ones are a prefix.
    while (this.#head < this.#waiters.length && (this.#waiters[this.#head] as Waiter).offset <= this.#durableOffset) {
      ;(this.#waiters[this.#head++] as Waiter).resolve()
    }
    if (this.#head === this.#waiters.length) {
      this.#waiters = []
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head)
      this.#head = 0
    }
  }
}
