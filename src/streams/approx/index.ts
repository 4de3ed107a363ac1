// Approximate aggregators for the streams DSL, built on the sketches library: distinct counts
// (HyperLogLog), top-k (Space-Saving), quantiles (DDSketch) and uniform samples (Reservoir). Each
// is an associative Aggregator whose accumulator is a sketch treated as a value, with a codec that
// writes it to changelogs and stores through the sketch's own serialize/deserialize.
export { approxDistinct, type ApproxDistinctOptions } from './approx-distinct.ts'
export { topK, type TopKOptions } from './top-k.ts'
export { approxQuantiles, type ApproxQuantilesOptions, type Quantiles } from './approx-quantiles.ts'
export { sample, type SampleOptions } from './sample.ts'
