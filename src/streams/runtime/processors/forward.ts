// How a processor hands a record to the processors after it. Most nodes have exactly one
// downstream node, so the common case is a direct call; fan-out loops over an array. The
// downstream list is filled after construction (the task wires nodes in topology order).
import type { Processor } from '../processor.ts'

/** A node's downstream processors, called in order. */
export class Downstream implements Processor {
  readonly targets: Processor[] = []

  process(key: unknown, value: unknown, timestamp: number): void {
    const targets = this.targets
    if (targets.length === 1) {
      targets[0]!.process(key, value, timestamp)
      return
    }
    for (let i = 0; i < targets.length; i++) targets[i]!.process(key, value, timestamp)
  }
}
