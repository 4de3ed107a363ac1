// The public face of the windows piece of sluice/streams: window definitions, the aggregate
// algebra, the pure assignment math, and windowAggregation, the keyed engine the runtime drives.
// See README.md for how an algorithm is picked and what each emit mode means.
export {
  tumbling, sliding, session, countWindow, punctuated,
  type Duration, type TimeDomain, type TimeOptions, type WindowDefinition, type TimeWindowDefinition,
  type TumblingDefinition, type SlidingDefinition, type SessionDefinition, type CountDefinition, type PunctuatedDefinition,
} from './definitions.ts'
export { count, sum, min, max, avg, reduce, validateAggregator, type Aggregator, type AccumulatorCodec, type Algebra, type AvgAccumulator } from './aggregators.ts'
export { windowsFor, windowCloseTime, isWindowClosed, isLateForTimeWindows, TimeWindowGeometry, type TimeWindow } from './time-windows.ts'
export { SessionWindows, type Session, type SessionMerge } from './session-windows.ts'
export { CountWindows, type CountWindow } from './count-windows.ts'
export { PunctuatedWindows, type PunctuatedWindow, type PunctuatedStep } from './punctuated-windows.ts'
export { windowAggregation, type WindowAggregationOptions } from './window-aggregation.ts'
export { defaultAlgorithm, type WindowAlgorithm, type PaneStore } from './pane-store.ts'
export type { WindowOperator, WindowOperatorOptions, WindowSink, EmitMode, EmitKind, AddOutcome, OpenWindow } from './window-operator.ts'
