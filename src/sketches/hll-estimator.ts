// Cardinality estimators for HyperLogLog: Ertl's improved raw estimator for dense registers (O.
// Ertl, "New cardinality estimation algorithms for HyperLogLog sketches", 2017, the one Redis uses
// since 5.0), which is nearly unbiased over the whole range without empirical bias tables or a
// small-range switch; and linear counting for the sparse representation (hyperloglog.ts), whose
// 2^25 buckets make counts into the tens of thousands near exact. Written from the paper's formulas.

const ALPHA_INFINITY = 1 / (2 * Math.LN2)

/** σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k-1), the small-range correction of Ertl's estimator. */
function sigma(x: number): number {
  if (x === 1) return Infinity
  let y = 1
  let z = x
  let previous: number
  do {
    x *= x
    previous = z
    z += x * y
    y += y
  } while (z !== previous)
  return z
}

/** τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))²·2^-k) / 3, the large-range correction. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0
  let y = 1
  let z = 1 - x
  let previous: number
  do {
    x = Math.sqrt(x)
    previous = z
    y *= 0.5
    z -= (1 - x) ** 2 * y
  } while (z !== previous)
  return z / 3
}

/**
 * Ertl's improved estimate from dense registers (one byte each, values 0..q+1 with q = 64 - p).
 * `histogram` is scratch of at least q + 2 entries, so repeated estimates do not allocate.
 */
export function ertlEstimate(registers: Uint8Array, precision: number, histogram: Int32Array): number {
  const m = registers.length
  const q = 64 - precision
  histogram.fill(0, 0, q + 2)
  for (let i = 0; i < m; i++) histogram[registers[i]!]!++
  let z = m * tau((m - histogram[q + 1]!) / m)
  for (let k = q; k >= 1; k--) {
    z += histogram[k]!
    z *= 0.5
  }
  z += m * sigma(histogram[0]! / m)
  return (ALPHA_INFINITY * m * m) / z
}

/** Linear counting: the expected number of distinct items that leave `occupied` of `buckets` non-empty. */
export function linearCount(buckets: number, occupied: number): number {
  if (occupied === 0) return 0
  // -m·ln(1 - u/m) via log1p, accurate when u is a tiny fraction of m (the whole point here).
  return -buckets * Math.log1p(-occupied / buckets)
}
