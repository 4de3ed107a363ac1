// Load shedding (issue 5): when a source partition falls behind by more than maxLag records, the
// task keeps each record with probability rate = max(minRate, maxLag / lag), a Bernoulli sample
// whose rate each kept record carries (withSamplingRate()), so a count scaled by 1 / rate is an
// unbiased estimate (Horvitz-Thompson). When the lag drops back under maxLag the rate climbs back
// to 1, doubling per update rather than jumping, so a lag that hovers at the threshold does not
// flip between keeping everything and shedding hard. Draws come from a seeded generator per task.
import { Random } from '../../base/random.ts'
import type { SheddingSpec } from '../topology/index.ts'

/** The sampling rate of one source partition, driven by its lag. */
export class SheddingController {
  readonly #spec: SheddingSpec
  readonly #random: Random
  #rate = 1

  constructor(spec: SheddingSpec, seed: number) {
    this.#spec = spec
    this.#random = new Random(0x5eed ^ seed)
  }

  /** The probability a record is kept now. */
  get rate(): number {
    return this.#rate
  }

  /** Updates the rate from the partition's current lag in records. */
  update(lag: number): void {
    const { maxLag, minRate } = this.#spec
    if (lag > maxLag) this.#rate = Math.max(minRate, Math.min(this.#rate, maxLag / lag))
    else this.#rate = Math.min(1, this.#rate * 2)
  }

  /** Draws whether to keep the next record. */
  keep(): boolean {
    return this.#rate >= 1 || this.#random.float() < this.#rate
  }
}
