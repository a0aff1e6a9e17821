/**
 * Observation encoders: each maps one raw Box observation to a feature vector, normalising by the
 * Box bounds first so that the saved model runs on raw observations (uint8 pixels, depth in m).
 *
 * - `natureCnn`: the reference network (Mnih et al. 2015 shape, narrower; `src/nn/referenceNet.ts`):
 *   conv 16 8×8/4 → conv 32 4×4/2 → conv 32 3×3/1 → dense 256, all ReLU. Needs images ≥ 36 px.
 * - `impalaCnn`: IMPALA's small ResNet (Espeholt et al. 2018): three stacks of conv 3×3 → max-pool
 *   3×3/2 → two residual blocks, channels 16, 32, 32, then dense 256.
 * - `smallCnn`: two 3×3 convs ('same' padding) for images too small for the others (test envs, minimaps).
 * - vectors (any other rank) are flattened and go through an MLP.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';
import type { Box } from '../core/spaces.js';
import { applyInit, GAIN } from './init.js';
import { mlp, type Activation } from './mlp.js';

/** The image encoders: 'nature' (DQN's CNN), 'impala' (IMPALA's ResNet), 'small' (two 3×3 convs), or 'auto' by size. */
export type CnnKind = 'auto' | 'nature' | 'impala' | 'small';

/** Smallest image side (px) the Nature CNN accepts: 8×8/4 → 4×4/2 → 3×3/1 leaves ≥ 1×1. */
export const NATURE_MIN_SIDE = 36;

/**
 * Map a raw Box observation to [0, 1] by its bounds: (x − low) / (high − low). uint8 frames become
 * x / 255, depth in [0, far] becomes x / far. Elements with an infinite bound pass unchanged.
 * Uniform bounds use one Rescaling layer; per-element bounds on a vector use a frozen diagonal Dense
 * layer (both are built-in layers, so `tf.loadLayersModel` in a browser needs no custom code); an
 * image with per-element bounds is scaled by its overall min/max.
 */
export function normalizeBox(x: tf.SymbolicTensor, box: Box): tf.SymbolicTensor {
  const scale = new Float32Array(box.size);
  const offset = new Float32Array(box.size);
  let uniform = true;
  for (let i = 0; i < box.size; i++) {
    const range = box.high[i]! - box.low[i]!;
    const finite = Number.isFinite(range) && range > 0;
    scale[i] = finite ? 1 / range : 1;
    offset[i] = finite ? -box.low[i]! / range : 0;
    if (scale[i] !== scale[0] || offset[i] !== offset[0]) uniform = false;
  }
  if (!uniform && box.shape.length >= 2) {
    // Reduced, not spread into Math.min: an image Box has more elements than a call's arguments may.
    const lo = box.low.reduce((a, b) => Math.min(a, b), Infinity);
    const hi = box.high.reduce((a, b) => Math.max(a, b), -Infinity);
    const range = hi - lo;
    if (!(Number.isFinite(range) && range > 0)) return x;
    return tf.layers.rescaling({ scale: 1 / range, offset: -lo / range }).apply(x) as tf.SymbolicTensor;
  }
  if (uniform) {
    if (scale[0] === 1 && offset[0] === 0) return x;
    return tf.layers.rescaling({ scale: scale[0]!, offset: offset[0]! }).apply(x) as tf.SymbolicTensor;
  }
  const n = box.size;
  const layer = tf.layers.dense({ units: n, trainable: false });
  const out = layer.apply(x) as tf.SymbolicTensor;
  const kernel = new Float32Array(n * n);
  for (let i = 0; i < n; i++) kernel[i * n + i] = scale[i]!;
  const values = [tf.tensor2d(kernel, [n, n]), tf.tensor1d(offset)];
  layer.setWeights(values);
  tf.dispose(values);
  return out;
}

function conv(
  x: tf.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  padding: 'valid' | 'same',
  rng: Rng,
  activation?: 'relu',
): tf.SymbolicTensor {
  return applyInit(tf.layers.conv2d({ filters, kernelSize, strides, padding, activation }), x, GAIN.hidden, rng);
}

function denseRelu(x: tf.SymbolicTensor, units: number, rng: Rng): tf.SymbolicTensor {
  return applyInit(tf.layers.dense({ units, activation: 'relu' }), x, GAIN.hidden, rng);
}

/** [B, H, W, C] in [0, 1] → [B, 256]. */
export function natureCnn(x: tf.SymbolicTensor, rng: Rng): tf.SymbolicTensor {
  const [, h, w] = x.shape as number[];
  if (h! < NATURE_MIN_SIDE || w! < NATURE_MIN_SIDE)
    throw new RangeError(`natureCnn: images must be at least ${NATURE_MIN_SIDE}×${NATURE_MIN_SIDE} px, got ${h}×${w}`);
  let y = conv(x, 16, 8, 4, 'valid', rng, 'relu');
  y = conv(y, 32, 4, 2, 'valid', rng, 'relu');
  y = conv(y, 32, 3, 1, 'valid', rng, 'relu');
  y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  return denseRelu(y, 256, rng);
}

/** [B, H, W, C] in [0, 1] → [B, 256]. */
export function impalaCnn(x: tf.SymbolicTensor, rng: Rng, channels: readonly number[] = [16, 32, 32]): tf.SymbolicTensor {
  let y = x;
  for (const ch of channels) {
    y = conv(y, ch, 3, 1, 'same', rng);
    y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    for (let block = 0; block < 2; block++) {
      let r = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
      r = conv(r, ch, 3, 1, 'same', rng, 'relu');
      r = conv(r, ch, 3, 1, 'same', rng);
      y = tf.layers.add().apply([y, r]) as tf.SymbolicTensor;
    }
  }
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  return denseRelu(y, 256, rng);
}

/** [B, H, W, C] in [0, 1] → [B, 128], for any image size. */
export function smallCnn(x: tf.SymbolicTensor, rng: Rng): tf.SymbolicTensor {
  let y = conv(x, 16, 3, 1, 'same', rng, 'relu');
  y = conv(y, 32, 3, 2, 'same', rng, 'relu');
  y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  return denseRelu(y, 128, rng);
}

/** How `encodeBox` encodes an observation: CNN kind, vector MLP sizes and activation, vector scaling. */
export interface EncoderOptions {
  /** CNN for rank-3 (H×W×C) observations; 'auto' = nature when both sides ≥ 36 px, else small. @default 'auto' */
  cnn: CnnKind;
  /** Hidden sizes of the MLP over vector observations. @default [64, 64] */
  mlpHidden: readonly number[];
  /** Activation of the vector MLP. @default 'tanh' */
  activation: Activation;
  /**
   * Float vectors: 'raw' feeds them unscaled (SB3's convention), 'bounds' maps them to [0, 1] like images.
   * Raw keeps small differences visible: a pointgoal distance of 0.2 vs 0.25 m (the STOP radius) is
   * 0.01 vs 0.0125 after dividing by a 20 m bound. The policy network passes 'raw' (its default).
   * @default 'bounds'
   */
  vectorNorm?: 'raw' | 'bounds';
}

/**
 * The encoder for one raw Box input: normalise (images, uint8 data, and float vectors when
 * `vectorNorm` is 'bounds'), then CNN (rank 3) or flatten + MLP (any other rank).
 */
export function encodeBox(input: tf.SymbolicTensor, box: Box, options: EncoderOptions, rng: Rng): tf.SymbolicTensor {
  const scale = box.dtype === 'uint8' || box.shape.length >= 2 || (options.vectorNorm ?? 'bounds') === 'bounds';
  const x = scale ? normalizeBox(input, box) : input;
  if (box.shape.length === 3) {
    const [h, w] = box.shape as [number, number, number];
    const kind = options.cnn === 'auto' ? (Math.min(h, w) >= NATURE_MIN_SIDE ? 'nature' : 'small') : options.cnn;
    if (kind === 'nature') return natureCnn(x, rng);
    if (kind === 'impala') return impalaCnn(x, rng);
    return smallCnn(x, rng);
  }
  const flat = box.shape.length === 1 ? x : (tf.layers.flatten().apply(x) as tf.SymbolicTensor);
  return mlp(flat, options.mlpHidden, options.activation, rng);
}
