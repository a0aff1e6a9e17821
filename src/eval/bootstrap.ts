/**
 * Percentile bootstrap confidence intervals for means (Efron & Tibshirani, ch. 13).
 *
 * Each of `resamples` resamples draws n indices with replacement from a seeded `Rng`; the interval
 * is the (α/2, 1 − α/2) quantiles of the resampled means (linear interpolation between order
 * statistics). Several columns of one table (success, SPL, … of the same episodes) share the same
 * resampled indices, so their intervals come from the same pseudo-datasets, and one seed gives the
 * same intervals whatever the order of the columns.
 *
 * Why bootstrap rather than mean ± 1.96·s/√n: success is 0/1 and SPL piles up at 0 and 1, so the
 * normal interval can leave [0, 1] and is symmetric where the sampling distribution is not; the
 * percentile interval stays inside the range of the data.
 */
import { Rng } from '../core/Rng.js';

/** Settings of a percentile bootstrap: resamples, interval coverage and seed. */
export interface BootstrapConfig {
  /** Resampled datasets. @default 2000 */
  resamples: number;
  /** Coverage of the interval, in (0, 1). @default 0.95 */
  confidence: number;
  /** Seed of the resampling stream. @default 0 */
  seed: number;
}

/** The defaults: 2000 resamples, 95% intervals, seed 0. */
export const DEFAULT_BOOTSTRAP: BootstrapConfig = { resamples: 2000, confidence: 0.95, seed: 0 };

/** Mean of `values` (NaN for none). */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** The q-quantile (q in [0, 1]) of ascending-sorted `sorted`, interpolating linearly (R type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileSorted: no values');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * [low, high] of the percentile-bootstrap interval of the mean of each column. All columns must
 * have the same length n ≥ 1; with n = 1 the interval is the single value.
 */
export function bootstrapMeanCI(columns: readonly ArrayLike<number>[], config: Partial<BootstrapConfig> = {}): Array<[number, number]> {
  const { resamples, confidence, seed } = { ...DEFAULT_BOOTSTRAP, ...config };
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`bootstrap: confidence must be in (0, 1), got ${confidence}`);
  if (columns.length === 0) return [];
  const n = columns[0]!.length;
  if (n === 0) throw new RangeError('bootstrap: no values');
  for (const [k, c] of columns.entries()) {
    if (c.length !== n) throw new RangeError(`bootstrap: column ${k} has ${c.length} values, column 0 has ${n}`);
  }
  const rng = new Rng(seed);
  // means[k * resamples + b]: mean of column k in resample b.
  const means = new Float64Array(columns.length * resamples);
  const sums = new Float64Array(columns.length);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      for (let k = 0; k < columns.length; k++) sums[k] += columns[k]![j]!;
    }
    for (let k = 0; k < columns.length; k++) means[k * resamples + b] = sums[k]! / n;
  }
  const alpha = 1 - confidence;
  return columns.map((_, k) => {
    const sorted = means.subarray(k * resamples, (k + 1) * resamples).sort();
    return [quantileSorted(sorted, alpha / 2), quantileSorted(sorted, 1 - alpha / 2)];
  });
}
