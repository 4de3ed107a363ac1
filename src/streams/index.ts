// sluice/streams: what a streams application imports. The typed DSL (createApp / App and the
// streams and tables it records), window definitions, aggregators (with their declared algebra)
// and serdes; the topology types a runtime or tool reads. Window and aggregate names follow
// DESIGN.md: `count` is the aggregator, `countWindow` the count-based window.
export {
  App, createApp, KeyedStream, Stream, Table, WindowedStream, WindowedTable, type DedupeOptions, type Sampled,
  type AggregateOptions, type AppOptions, type BranchValue, type EmitMode, type JoinWindowOptions, type KeyByOptions, type KeySerdeOption,
  type KeyValue, type StreamOptions, type TableOptions, type ToOptions, type ToTableOptions, type WindowOptions, type Windowed,
} from './dsl/index.ts'
export {
  tumbling, sliding, session, countWindow, punctuated,
  count, sum, min, max, avg, reduce, validateAggregator,
  type Aggregator, type Algebra, type AvgAccumulator, type Duration, type TimeDomain, type TimeOptions, type WindowDefinition,
  type TimeWindowDefinition, type TumblingDefinition, type SlidingDefinition, type SessionDefinition, type CountDefinition, type PunctuatedDefinition,
} from './windows/index.ts'
export {
  avroSerde, bytesSerde, customSerde, isSerdeError, jsonSerde, SerdeError, stringSerde,
  type AvroSchema, type AvroSerdeOptions, type CustomSerdeOptions, type JsonSerdeOptions, type Serde,
} from './serdes/index.ts'
export { describeTopology, topologyProblems, validateTopology } from './topology/index.ts'
export type {
  CopartitionGroup, InternalTopic, NodeId, NodeKind, StoreSpec, SubTopology, Topology, TopologyNode,
} from './topology/index.ts'
export { StreamsApp } from './runtime/streams-app.ts'
export type { RuntimeState, Guarantee } from './runtime/streams-runtime.ts'
export type { ErrorAction, ErrorContext, ErrorHandler } from './runtime/error-handler.ts'
// Loading sluice/streams installs sluice.streams(name, options) on the client's Sluice.
import './runtime/sluice-streams.ts'
export { replay, formatReplayReport, isReplaySame } from './runtime/replay.ts'
export type { ReplayOptions, ReplayReport, ReplayTopicReport, ReplayChange, ReplayKeyValue, ReplayStart } from './runtime/replay.ts'
export { approxDistinct, topK, approxQuantiles, sample, type ApproxDistinctOptions, type TopKOptions, type ApproxQuantilesOptions, type Quantiles, type SampleOptions } from './approx/index.ts'
