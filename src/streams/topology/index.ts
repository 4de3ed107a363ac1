// Public surface of the topology: the plain-data graph the DSL records and the runtime executes,
// its validation, sub-topology split, co-partition resolution and describe() text.
export type {
  AggregateNode, BranchNode, CopartitionGroup, DedupeNode, SheddingSpec, WithSamplingRateNode, EmitMode, FilterNode, FlatMapNode, FlatMapValuesNode, ForeachNode, InternalTopic, JoinType,
  KeyByNode, KeyValue, LateRecordsNode, MapNode, MapValuesNode, MergeNode, NodeId, NodeKind, PeekNode, SinkNode, SourceNode, SplitBranch,
  SplitNode, StoreSpec, StreamStreamJoinNode, StreamTableJoinNode, SubTopology, TableFilterNode, TableMapValuesNode, TableTableJoinNode,
  TimestampSpec, ToStreamNode, ToTableNode, Topology, TopologyNode,
} from './topology.ts'
export { downstreamOf, isTableNode } from './topology.ts'
export { splitSubTopologies } from './sub-topologies.ts'
export { copartitionProblems, knownPartitions, resolvePartitions } from './copartition.ts'
export { topologyError, topologyProblems, validateTopology } from './validate.ts'
export { describeTopology, describeWindow, formatMs } from './describe.ts'
