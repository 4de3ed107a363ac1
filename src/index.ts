// Sluice's public API: what `import { … } from 'sluice'` gives an application. Layers below stay
// importable by path for tools and tests, but only what is exported here is promised to users.
// Like main.ts, this entry may wire the broker: it registers it for `sluice.listen`, which the
// client layer cannot import itself.
import { startBroker } from './broker/listener.ts'
import { registerLogServer } from './client/sluice.ts'
// Installs sluice.streams(name, options): the streams engine extends the client (see the module).
import './streams/runtime/sluice-streams.ts'

export { Sluice, type Listener, type ListenOptions, type SluiceConnectOptions, type SluiceOpenOptions } from './client/sluice.ts'
export { Producer } from './client/producer.ts'
export { Consumer } from './client/consumer.ts'
export { Admin, type GroupInfo, type GroupMemberInfo, type GroupPartitionLag, type PartitionOffsets } from './client/admin.ts'
export type {
  CompressionName, ConnectOptions, ConsumerOptions, ConsumerRecord, HeadersInput, OffsetReset, OpenOptions, PartitionDescription,
  Payload, ProducerOptions, ProducerRecord, RecordMetadata, SeekTarget, TopicConfigEntry, TopicDescription, TopicPartition,
} from './client/types.ts'
export type { ClusterApiVersion, ClusterBroker, ClusterDescription } from './client/transport.ts'
export { SluiceError, isSluiceError, type ErrorCode } from './base/errors.ts'
export { murmur2, partitionForKey } from './client/partitioner.ts'

registerLogServer((coordinator, options) => startBroker({ coordinator, ...options, port: options.port ?? 9092 }))
