// The public face of `sluice/sketches`: bounded-memory summaries of streams, all pure (no I/O),
// mergeable (the streams DSL merges one sketch per pane) and serializable (a versioned envelope,
// sketch-format.ts). See README.md for what each one guarantees and when to pick which.
export { Hash64, canonicalBytes, REDIS_HLL_SEED, type SketchKey } from './hash.ts'
export { HyperLogLog, type HyperLogLogOptions, type HllKeyEncoding } from './hyperloglog.ts'
export { BloomFilter, optimalBloomShape, type BloomFilterShape } from './bloom-filter.ts'
export { ScalableBloomFilter, type ScalableBloomFilterOptions } from './scalable-bloom-filter.ts'
export { CountMinSketch, type CountMinOptions } from './count-min.ts'
export { SpaceSaving, type TopKEntry, type TopKKey } from './space-saving.ts'
export { DDSketch, type DDSketchOptions } from './ddsketch.ts'
export { KllSketch } from './kll.ts'
export { Reservoir, type ReservoirAlgorithm } from './reservoir.ts'
export { WeightedReservoir, type WeightedAlgorithm, type WeightedEntry } from './weighted-reservoir.ts'
export { SKETCH_KIND, type SketchKind } from './sketch-format.ts'
