// Test kit: Kafka's default partitioner for keyed records (murmur2 of the key bytes, made positive,
// modulo the partition count), re-exported from the client so broker tests can check where third-party
// clients placed keys without the broker importing the client layer. The client's implementation is
// checked against Kafka's and librdkafka's vectors in src/client/partitioner.test.ts.
export { murmur2, partitionForKey } from '../client/partitioner.ts'
