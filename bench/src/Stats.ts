/**
 * Summary statistics over seeds: means, 95% confidence intervals (Student t),
 * and quantiles of samples. Pure and deterministic.
 */

export const mean = (xs: ReadonlyArray<number>): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length)

/** Sample standard deviation (n − 1). */
export const sd = (xs: ReadonlyArray<number>): number => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1))
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; beyond, the normal-limit series. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042
]

export const t975 = (df: number): number => {
  if (df < 1) return NaN
  if (df <= 30) return T975[df - 1]!
  // Cornish-Fisher expansion around z = 1.95996 (error < 1e-4 for df > 30).
  const z = 1.959964
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df)
}

/** 95% confidence interval of the mean; a single sample gives [x, x]. */
export const ci95 = (xs: ReadonlyArray<number>): readonly [number, number] => {
  const m = mean(xs)
  if (xs.length < 2) return [m, m]
  const h = (t975(xs.length - 1) * sd(xs)) / Math.sqrt(xs.length)
  return [m - h, m + h]
}

/** Quantile by linear interpolation between order statistics (type 7). */
export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  if (xs.length === 0) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.ceil(h)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}
