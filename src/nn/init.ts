/**
 * Orthogonal initialisation (Saxe et al. 2014), the scheme of CleanRL's `layer_init` and SB3's
 * `ortho_init`: kernels are (scaled) orthogonal matrices, biases zero. The gains are those every
 * PPO implementation uses — √2 for ReLU/tanh hidden layers, 0.01 for the policy head (near-uniform
 * first policy), 1 for the value head and recurrent weights.
 *
 * Drawn from our seeded `Rng` (not tfjs's own random ops) so one seed gives the same network.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';

export const GAIN = {
  /** Hidden layers (ReLU / tanh). */
  hidden: Math.SQRT2,
  /** The policy head: small logits / means, so the first policy is close to uniform / centred. */
  policy: 0.01,
  /** The value head and recurrent weights. */
  value: 1,
} as const;

/**
 * A `shape`-shaped array whose flattening to [prod(shape[:-1]), shape[-1]] has orthonormal rows or
 * columns (whichever are fewer), times `gain`. Conv kernels [KH, KW, Cin, Cout] are treated as
 * [KH·KW·Cin, Cout], as in PyTorch (where the fan-in dims are flattened the same way).
 */
export function orthogonal(shape: readonly number[], gain: number, rng: Rng): Float32Array {
  if (shape.length < 2) throw new RangeError(`orthogonal: shape must have rank >= 2, got [${shape.join(',')}]`);
  const cols = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  // Orthonormalise the columns of a tall n×m Gaussian matrix (n ≥ m) by modified Gram–Schmidt;
  // this equals Q·sign(diag(R)) of its QR decomposition, the uniform (Haar) distribution.
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const q = new Float64Array(n * m); // column-major: column j at [j*n, (j+1)*n)
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let j = 0; j < m; j++) {
    const cj = j * n;
    for (let k = 0; k < j; k++) {
      const ck = k * n;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[ck + i]! * q[cj + i]!;
      for (let i = 0; i < n; i++) q[cj + i]! -= dot * q[ck + i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[cj + i]! * q[cj + i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[cj + i]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Tall case: out = Q (rows×cols); wide case: out = Qᵀ.
      out[r * cols + c] = gain * (rows >= cols ? q[c * n + r]! : q[r * n + c]!);
    }
  }
  return out;
}

/** Set every kernel of a built layer to an orthogonal matrix times `gain` and every bias to zero. */
export function initLayer(layer: tf.layers.Layer, gain: number, rng: Rng): void {
  const values = layer.getWeights().map((w) => (w.rank >= 2 ? tf.tensor(orthogonal(w.shape, gain, rng), w.shape) : tf.zeros(w.shape)));
  layer.setWeights(values);
  tf.dispose(values);
}

/** Apply a fresh layer to a symbolic tensor (building its weights), then initialise it orthogonally. */
export function applyInit(
  layer: tf.layers.Layer,
  input: tf.SymbolicTensor | tf.SymbolicTensor[],
  gain: number,
  rng: Rng,
): tf.SymbolicTensor {
  const out = layer.apply(input) as tf.SymbolicTensor;
  initLayer(layer, gain, rng);
  return out;
}
