/**
 * Fréchet distance between two sets of images (FID-style, Heusel et al. 2017), measured in the
 * feature space of a fixed encoder: the distance between the Gaussians fitted to each set's features,
 *   d² = |μ₁ − μ₂|² + tr(Σ₁) + tr(Σ₂) − 2 tr((Σ₁^½ Σ₂ Σ₁^½)^½).
 *
 * The encoder is not Inception (no pretrained weights can be downloaded here): it is a small conv
 * net with seeded orthogonal weights that is never trained, so a figure is comparable across runs
 * that use the same seed and image shape. Random conv features are a recognised stand-in for
 * comparing generators against each other; the absolute numbers are not comparable to published FIDs.
 *
 * Matrix square roots use a cyclic Jacobi eigensolver for symmetric matrices (float64): the feature
 * dimension is small (64), where Jacobi is exact to rounding and takes milliseconds.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/Rng.js';
import { applyInit, GAIN } from '../nn/init.js';

/** Eigen-decomposition of a symmetric n×n matrix (row-major). `vectors` holds eigenvector k in column k. */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Cyclic Jacobi rotations until the off-diagonal mass is below `tol` × the matrix norm
 * (Golub & Van Loan §8.5). Only the upper triangle of `matrix` is read; it is not modified.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, tol = 1e-13, maxSweeps = 100): SymmetricEigen {
  if (matrix.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${matrix.length}`);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = matrix[i * n + j]!;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i]! * a[i]!;
  const threshold = tol * tol * Math.max(norm, Number.MIN_VALUE);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += 2 * a[i * n + j]! * a[i * n + j]!;
    if (off <= threshold) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        // Rotation angle that zeroes a[p][q]: t = tan θ, the smaller root of t² + 2τt − 1 = 0.
        const tau = (aqq - app) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

/** Square root of a symmetric positive semi-definite matrix: V diag(√max(λ, 0)) Vᵀ. */
export function sqrtPsd(matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k]!, 0));
    if (root === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k]! * root;
      for (let j = 0; j < n; j++) out[i * n + j]! += vik * vectors[j * n + k]!;
    }
  }
  return out;
}

/** Mean and (unbiased) covariance of `count` feature rows of length `dim`. */
export interface Gaussian {
  dim: number;
  mean: Float64Array;
  cov: Float64Array;
}

/** The mean and covariance of `count` feature rows of `dim` values (float64). */
export function fitGaussian(features: ArrayLike<number>, count: number, dim: number): Gaussian {
  if (count < 2) throw new RangeError(`fitGaussian: need at least 2 samples, got ${count}`);
  if (features.length !== count * dim) throw new RangeError(`fitGaussian: expected ${count}×${dim} values, got ${features.length}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let d = 0; d < dim; d++) mean[d]! += features[r * dim + d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let d = 0; d < dim; d++) row[d] = features[r * dim + d]! - mean[d]!;
    for (let i = 0; i < dim; i++) {
      const ri = row[i]!;
      for (let j = i; j < dim; j++) cov[i * dim + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = cov[i * dim + j]! / (count - 1);
      cov[i * dim + j] = c;
      cov[j * dim + i] = c;
    }
  }
  return { dim, mean, cov };
}

/** The Fréchet distance d² between two Gaussians (≥ 0; clamped against rounding). */
export function frechetDistance(p: Gaussian, q: Gaussian): number {
  if (p.dim !== q.dim) throw new RangeError(`frechetDistance: dimensions differ (${p.dim} vs ${q.dim})`);
  const n = p.dim;
  let meanTerm = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    meanTerm += (p.mean[i]! - q.mean[i]!) ** 2;
    trace += p.cov[i * n + i]! + q.cov[i * n + i]!;
  }
  // tr((Σp^½ Σq Σp^½)^½) = Σ √λ of the symmetric PSD matrix M = S Σq S with S = Σp^½.
  const s = sqrtPsd(p.cov, n);
  const tmp = new Float64Array(n * n);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const sik = s[i * n + k]!;
      if (sik === 0) continue;
      for (let j = 0; j < n; j++) tmp[i * n + j]! += sik * q.cov[k * n + j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const tik = tmp[i * n + k]!;
      if (tik === 0) continue;
      for (let j = 0; j < n; j++) m[i * n + j]! += tik * s[k * n + j]!;
    }
  }
  const { values } = symmetricEigen(m, n);
  let traceRoot = 0;
  for (const lambda of values) traceRoot += Math.sqrt(Math.max(lambda, 0));
  return Math.max(0, meanTerm + trace - 2 * traceRoot);
}

export interface FrechetEncoderConfig {
  /** Seeds the fixed weights: the same seed and image shape give the same feature space. @default 1234 */
  seed: number;
  /** Channels of the three stride-2 convs; the feature dimension is the last. @default [32, 64, 64] */
  channels: readonly number[];
}

export const DEFAULT_FRECHET_ENCODER: FrechetEncoderConfig = { seed: 1234, channels: [32, 64, 64] };

/**
 * The fixed feature extractor: stride-2 4×4 convs with ReLU, then global average pooling.
 * Images go in as float32 [N, H, W, C] in [0, 1].
 */
export class FrechetEncoder {
  readonly config: FrechetEncoderConfig;
  readonly model: tf.LayersModel;
  readonly dim: number;

  constructor(
    readonly imageShape: readonly [number, number, number],
    config: Partial<FrechetEncoderConfig> = {},
  ) {
    this.config = { ...DEFAULT_FRECHET_ENCODER, ...config };
    const rng = new Rng(this.config.seed);
    const input = tf.input({ shape: [...imageShape] });
    // Centre [0, 1] pixels so ReLU units see signed inputs and respond to colour, not only brightness.
    let y = tf.layers.rescaling({ scale: 2, offset: -1 }).apply(input) as tf.SymbolicTensor;
    for (const filters of this.config.channels) {
      y = applyInit(tf.layers.conv2d({ filters, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }), y, GAIN.hidden, rng);
    }
    y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
    this.model = tf.model({ inputs: input, outputs: y, name: 'frechet_encoder' });
    this.dim = this.config.channels[this.config.channels.length - 1]!;
  }

  /** Features of `images` [N, H, W, C] in [0, 1], computed in chunks of `chunk` images: N × dim values. */
  features(images: tf.Tensor4D, chunk = 64): Float32Array {
    const [count] = images.shape;
    const out = new Float32Array(count * this.dim);
    for (let start = 0; start < count; start += chunk) {
      const size = Math.min(chunk, count - start);
      const values = tf.tidy(() => (this.model.predict(images.slice([start, 0, 0, 0], [size, -1, -1, -1])) as tf.Tensor).dataSync());
      out.set(values, start * this.dim);
    }
    return out;
  }

  /** The Gaussian fitted to the features of `images` (float32 [N, H, W, C] in [0, 1], N ≥ 2). */
  gaussian(images: tf.Tensor4D): Gaussian {
    return fitGaussian(this.features(images), images.shape[0], this.dim);
  }

  /** Fréchet distance between two image sets. */
  distance(a: tf.Tensor4D, b: tf.Tensor4D): number {
    return frechetDistance(this.gaussian(a), this.gaussian(b));
  }

  dispose(): void {
    this.model.dispose();
  }
}
