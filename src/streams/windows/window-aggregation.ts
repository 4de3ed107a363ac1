// The one entry point the DSL and runtime need: windowAggregation(window, aggregator, options)
// validates its inputs, picks the engine for the window kind (time-window-aggregation.ts,
// session-aggregation.ts, count-aggregation.ts, punctuated-aggregation.ts) and, for sliding and
// count windows, the cheapest algorithm the aggregator's algebra allows (pane-store.ts):
// subtract-on-evict if invertible, two-stacks if associative, per-window otherwise.
import { SluiceError } from '../../base/errors.ts'
import { validateAggregator, type Aggregator } from './aggregators.ts'
import { CountAggregation } from './count-aggregation.ts'
import { LockstepAggregation } from './lockstep-aggregation.ts'
import type { WindowDefinition } from './definitions.ts'
import { checkAlgorithm, defaultAlgorithm, type WindowAlgorithm } from './pane-store.ts'
import { PunctuatedAggregation } from './punctuated-aggregation.ts'
import { SessionAggregation } from './session-aggregation.ts'
import { TimeWindowAggregation } from './time-window-aggregation.ts'
import { checkEmitMode, type WindowOperator, type WindowOperatorOptions } from './window-operator.ts'

/** Options of windowAggregation. */
export interface WindowAggregationOptions<K, O> extends WindowOperatorOptions<K, O> {
  /** Overrides the algorithm picked from the algebra (for tests and benchmarks); must be one the algebra allows. */
  algorithm?: WindowAlgorithm
}

/**
 * A keyed windowed aggregation for any window kind; feed it with add() and advanceWatermark().
 * @example
 * const op = windowAggregation(sliding({ size: '10m', every: '1s' }), count(), {
 *   emit: 'final',
 *   sink: (card, start, end, n) => { if (n > 20) alerts.push({ card, start, end, n }) },
 * })
 * if (op.add(payment.card, payment.ts, payment) === 'late') lateSide.push(payment)
 * op.advanceWatermark(maxTimestamp - 5_000)
 */
export function windowAggregation<K, I, A, O>(window: WindowDefinition<I>, aggregator: Aggregator<I, A, O>, options: WindowAggregationOptions<K, O>): WindowOperator<K, I, O> {
  if (window === null || typeof window !== 'object') throw new SluiceError('INVALID_ARGUMENT', 'windowAggregation: window must be a window definition (tumbling(), sliding(), …)')
  if (aggregator === null || typeof aggregator !== 'object') throw new SluiceError('INVALID_ARGUMENT', 'windowAggregation: aggregator must be an Aggregator (count(), sum(), …)')
  validateAggregator(aggregator as Aggregator<unknown, unknown, unknown>)
  if (options === null || typeof options !== 'object' || typeof options.sink !== 'function') throw new SluiceError('INVALID_ARGUMENT', 'windowAggregation: sink must be a function (key, start, end, value, kind) => void')
  const emit = checkEmitMode(options.emit)
  const algorithm = options.algorithm ?? defaultAlgorithm(aggregator as Aggregator<unknown, unknown, unknown>)
  checkAlgorithm(algorithm, aggregator as Aggregator<unknown, unknown, unknown>)
  const sink = options.sink
  const trackChanges = options.trackChanges
  switch (window.kind) {
    case 'tumbling':
    case 'sliding':
      // Final emission of an invertible aggregate over windows of several panes: the lockstep
      // layout of subtract-on-evict (lockstep-aggregation.ts). A tumbling window is one pane, and
      // one accumulator per window is already all it costs.
      if (emit === 'final' && algorithm === 'subtract-on-evict' && window.sizeMs !== window.advanceMs) {
        return new LockstepAggregation<K, I, A, O>(window, aggregator, { sink, trackChanges })
      }
      return new TimeWindowAggregation<K, I, A, O>(window, aggregator, { algorithm, emit, sink, trackChanges })
    case 'count':
      return new CountAggregation<K, I, A, O>(window, aggregator, { algorithm, emit, sink, trackChanges })
    case 'session':
      return new SessionAggregation<K, I, A, O>(window, aggregator, { emit, sink, trackChanges })
    case 'punctuated':
      return new PunctuatedAggregation<K, I, A, O>(window, aggregator, { emit, sink, trackChanges })
    default:
      throw new SluiceError('INVALID_ARGUMENT', `unknown window kind ${String((window as { kind?: unknown }).kind)}; build windows with tumbling(), sliding(), session(), countWindow() or punctuated()`)
  }
}
