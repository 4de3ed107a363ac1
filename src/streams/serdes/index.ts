// Public surface of the serdes: the Serde contract, SerdeError, and the built-in formats.
export { customSerde, describeBytes, isSerdeError, SerdeError, type CustomSerdeOptions, type Serde, type SerdeOperation } from './serde.ts'
export { jsonSerde, type JsonSerdeOptions } from './json-serde.ts'
export { stringSerde } from './string-serde.ts'
export { bytesSerde } from './bytes-serde.ts'
export { avroSerde, type AvroSchema, type AvroSerdeOptions } from './avro-serde.ts'
