// Public face of record batch v2: header accessors, building, decoding, compression and
// validation. Storage and the broker import from here; the files beside it hold the details.
export * from './batch-header.ts'
export { NO_HEADERS, RECORD_BYTES_MIN, type Record, type RecordHeader, type RecordInput } from './record.ts'
export {
  RecordBatchBuilder, buildRecordBatch, type RecordBatchOptions, type TimestampType,
} from './record-batch-builder.ts'
export {
  DECOMPRESSED_BYTES_MAX_DEFAULT, batchPositions, forEachBatch, forEachRecord, readRecords, readRecordsAsync,
  recordsSection, type ReadOptions, type RecordCallback,
} from './record-batch-reader.ts'
export { CODEC_NAMES, compress, compressSync, decompress, decompressSync, isKnownCodec } from './compression.ts'
export { validateBatch, validateRecords, type BatchValidation, type ValidateOptions } from './validate.ts'
