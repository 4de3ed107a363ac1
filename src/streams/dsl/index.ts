// Public surface of the typed DSL: App (createApp), Stream, KeyedStream, WindowedStream, Table,
// WindowedTable and their option types. The recorder (graph-builder.ts) stays internal.
export { App, createApp } from './app.ts'
export { KeyedStream, Stream, type BranchValue } from './stream.ts'
export { WindowedStream } from './windowed.ts'
export type { DedupeOptions, Sampled } from './dedupe.ts'
export { Table, WindowedTable } from './table.ts'
export type {
  AggregateOptions, AppOptions, EmitMode, JoinWindowOptions, KeyByOptions, KeySerdeOption, KeyValue, StreamOptions, TableOptions,
  ToOptions, ToTableOptions, WindowOptions, Windowed,
} from './types.ts'
